"""One case: pinned facts (owner, last heard, next due), the customer's words, the timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from casedesk import keys
from casedesk.core.errors import CasedeskError
from casedesk.core.model import Event
from casedesk.core.safetext import printable
from casedesk.screens.actions import CaseActions
from casedesk.store import CaseRow
from casedesk.widgets.presence import PresenceBeacon
from casedesk.widgets.render import case_header
from casedesk.widgets.subtasks import SubtaskPanel, ask_add_subtask, ask_finish_subtask
from casedesk.widgets.timeline import Timeline

if TYPE_CHECKING:
    from casedesk.app import CasedeskApp


class CaseScreen(CaseActions, Screen[None]):
    AUTO_FOCUS = "#timeline"
    BINDINGS = keys.CASE
    app: CasedeskApp

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.row: CaseRow = self.app.desk.case_row(case_id)
        self.events: list[Event] = self.app.desk.store.events(case_id)

    def compose(self) -> ComposeResult:
        yield Static(id="case-header")
        yield PresenceBeacon(self.case_id, "viewing", id="presence")
        yield SubtaskPanel(id="subtasks")
        yield Static(id="problem")
        yield Static(id="timeline-title")
        yield Timeline(self.app.desk.now, id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        self._show(follow=True)

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def target(self) -> CaseRow | None:
        return self.row

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the case again (another agent, or our own action, changed it)."""
        try:
            row = self.app.desk.case_row(self.case_id)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error")
            return
        changed = row.case.version != self.row.case.version
        self.row = row
        if changed:
            self.events = self.app.desk.store.events(self.case_id)
        self._show(follow=False, events_changed=changed)

    def tick(self) -> None:
        """Time moved on: relative times and "overdue" must follow."""
        self._show(follow=False, events_changed=False)

    def _show(self, follow: bool, events_changed: bool = True) -> None:
        now = self.app.desk.now()
        self.query_one("#case-header", Static).update(
            case_header(self.row, now, self.app.desk.policy)
        )
        if events_changed:
            self.call_after_refresh(self._load_subtasks)  # after the timeline's first paint
        words = Text("In the customer's words: ", style="bold")
        words.append(printable(self.row.case.body or self.row.case.title))
        self.query_one("#problem", Static).update(words)
        count = len(self.events)
        title = Text(f"Timeline — {count} event{'' if count == 1 else 's'}", style="bold")
        title.append("   x fold/unfold · e unfold all · j/k move", style="dim")
        self.query_one("#timeline-title", Static).update(title)
        timeline = self.query_one(Timeline)
        if events_changed:
            timeline.show(self.events, follow=follow)
        else:
            timeline.repaint()

    # -- folding --------------------------------------------------------------------------

    def action_toggle_fold(self) -> None:
        self.query_one(Timeline).action_toggle()

    def action_expand_all(self) -> None:
        self.query_one(Timeline).toggle_all()

    def _load_subtasks(self) -> None:
        try:
            self.query_one(SubtaskPanel).load(self.app.desk, self.case_id)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error")

    # -- sub-tasks (the panel and dialogs live in casedesk.widgets.subtasks) ------------------

    def action_add_subtask(self) -> None:
        ask_add_subtask(self, self.app.desk, self.case_id, then=self.app.store_changed)

    def action_finish_subtask(self) -> None:
        ask_finish_subtask(self, self.app.desk, self.case_id, then=self.app.store_changed)

    def action_back(self) -> None:
        self.dismiss(None)
