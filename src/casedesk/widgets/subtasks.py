"""The sub-task panel a case screen mounts, and the two dialogs that change sub-tasks.

The panel only shows; the dialogs call the desk. A case screen wires them with two keys (see
docs/problems.md) and calls `panel.load(desk, case_id)` whenever it reloads the case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from casedesk.core.safetext import one_line
from casedesk.core.subtasks import Subtask, progress_words


def panel_text(subtasks: list[Subtask], draft_waiting: bool = False) -> Text:
    """'Sub-tasks — 2 of 3 steps done' and a line per sub-task: ✓/·, number, title, who."""
    done = sum(s.done for s in subtasks)
    text = Text("Sub-tasks", style="bold")
    if not subtasks:
        text.append(" — none", style="dim")
        return text
    text.append(f" — {progress_words(done, len(subtasks))}")
    text.append("   (the case stays open until its owner resolves it)", style="dim")
    for s in subtasks:
        mark = Text(" ✓ ", style="green") if s.done else Text(" · ", style="yellow")
        line = Text("\n").append(mark).append(f"{s.number}. ").append(one_line(s.title, 50))
        line.append(f"  {one_line(s.who, 30)}", style="dim")
        if s.note:
            line.append(f"  — {one_line(s.note, 50)}", style="italic")
        text.append(line)
    if draft_waiting:
        text.append("\nA drafted update for the customer is waiting to be sent.", style="bold")
    return text


class SubtaskPanel(Static):
    """Sub-task progress for one case. Hidden while the case has none."""

    DEFAULT_CSS = """
    SubtaskPanel {
        height: auto;
        max-height: 10;
        padding: 0 1;
        margin-top: 1;
    }
    SubtaskPanel.-empty {
        display: none;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.subtasks: list[Subtask] = []
        self.draft_waiting = False

    def load(self, desk: Any, case_id: int) -> None:
        """Read the case's sub-tasks and whether a drafted update waits."""
        self.show(desk.subtasks(case_id), desk.current_draft(case_id) is not None)

    def show(self, subtasks: list[Subtask], draft_waiting: bool = False) -> None:
        self.subtasks = list(subtasks)
        self.draft_waiting = draft_waiting
        self.set_class(not subtasks, "-empty")
        self.update(panel_text(self.subtasks, draft_waiting))


def ask_add_subtask(
    screen: Screen[Any], desk: Any, case_id: int, then: Callable[[], None] | None = None
) -> None:
    """A form for a new sub-task (title, team, assignee); `then` runs after it was added."""
    from casedesk.screens.dialogs import Field, FormDialog

    def submit(values: dict[str, str]) -> Any:
        return desk.add_subtask(
            case_id,
            values["title"],
            values["assignee"].strip() or None,
            values["team"].strip() or None,
        )

    def done(state: Any) -> None:
        if state is not None:
            screen.notify(
                f"sub-task {state.subtasks_total} added; an update for the customer is drafted"
            )
            if then:
                then()

    screen.app.push_screen(
        FormDialog(
            f"New sub-task on #{case_id}",
            [
                Field("title", "What needs doing"),
                Field("team", "Team", placeholder="parts, warranty, hardware…"),
                Field("assignee", "Agent", placeholder="who does it (optional)"),
            ],
            submit,
            note="You stay the case's owner; the sub-task never resolves the case.",
        ),
        done,
    )


def ask_finish_subtask(
    screen: Screen[Any], desk: Any, case_id: int, then: Callable[[], None] | None = None
) -> None:
    """Pick an open sub-task and say what happened; `then` runs after it was marked done."""
    from casedesk.screens.dialogs import Field, FormDialog

    open_ones = [s for s in desk.subtasks(case_id) if not s.done]
    if not open_ones:
        screen.notify("no open sub-task on this case", severity="warning")
        return

    def submit(values: dict[str, str]) -> Any:
        return desk.finish_subtask(case_id, int(values["number"]), values["note"])

    def done(state: Any) -> None:
        if state is not None:
            words = progress_words(state.subtasks_done, state.subtasks_total)
            screen.notify(f"{words}; an update for the customer is drafted")
            if then:
                then()

    screen.app.push_screen(
        FormDialog(
            f"Sub-task done on #{case_id}",
            [
                Field(
                    "number",
                    "Which",
                    kind="choice",
                    value=str(open_ones[0].number),
                    choices=[(str(s.number), f"{s.number}. {s.title}") for s in open_ones],
                ),
                Field("note", "What happened (the customer may read this)"),
            ],
            submit,
        ),
        done,
    )
