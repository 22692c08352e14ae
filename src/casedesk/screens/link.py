"""The link picker: link a case to a problem, with similar open reports and problems first."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from casedesk.core.errors import CasedeskError
from casedesk.core.safetext import one_line

# Move these into keys.py (as keys.LINK) when the picker is wired in.
LINK_KEYS: list[BindingType] = [
    Binding("escape", "cancel", "Cancel"),
    Binding("j", "down", "Down", show=False),
    Binding("k", "up", "Up", show=False),
]

NEW_ALONE = "new"
NEW_WITH_SIMILAR = "new+similar"


class LinkPicker(ModalScreen[int | None]):
    """Pick the problem this case is one more report of; returns the problem id (or None).

    Similar open reports are listed for evidence; problems they share or that match the text come
    first (★). The last choices make a new problem from this case, alone or with the similar
    reports that have no problem yet.
    """

    CSS_PATH = "link.tcss"
    BINDINGS = LINK_KEYS
    AUTO_FOCUS = "#link-choices"

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.choices: list[int | str] = []

    @property
    def desk(self) -> Any:
        return self.app.desk  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        desk = self.desk
        self.state = desk.store.case(self.case_id)
        self.similar = desk.similar(self.case_id)
        suggested = {p.id for p in self.similar.problems}
        suggested |= {c.problem_id for c in self.similar.cases if c.problem_id is not None}
        problems = sorted(
            (p for p in desk.problems(include_resolved=False) if p.id != self.state.problem_id),
            key=lambda p: (p.id not in suggested, -p.affected, p.id),
        )
        self.loose = [c for c in self.similar.cases if c.problem_id is None]

        with Vertical(classes="dialog link-picker"):
            yield Static(
                Text(f"Link #{self.case_id} to a problem", style="bold"), classes="dialog-title"
            )
            yield Static(Text(one_line(self.state.title, 70), style="italic"))
            yield Static(self._evidence(), id="link-similar")
            options: list[Option] = []
            for p in problems:
                star = "★ " if p.id in suggested else "  "
                label = Text(f"{star}P{p.id}  ").append(one_line(p.title, 50))
                label.append(f"  {p.affected} affected", style="dim")
                options.append(Option(label, id=f"problem-{p.id}"))
                self.choices.append(p.id)
            options.append(Option(Text("+ New problem from this case"), id="new"))
            self.choices.append(NEW_ALONE)
            if self.loose:
                n = len(self.loose)
                options.append(
                    Option(
                        Text(f"+ New problem from this case and its {n} similar report(s)"),
                        id="new-similar",
                    )
                )
                self.choices.append(NEW_WITH_SIMILAR)
            yield OptionList(*options, id="link-choices")
            yield Static(
                Text("enter  link      j/k  move      esc  cancel", style="dim"),
                classes="dialog-hint",
            )

    def _evidence(self) -> Text:
        cases = self.similar.cases
        if not cases:
            return Text("No similar open reports.", style="dim")
        text = Text(f"{len(cases)} similar open report{'s' if len(cases) != 1 else ''}:")
        for c in cases[:6]:
            linked = f"  [P{c.problem_id}]" if c.problem_id else ""
            text.append(f"\n  #{c.id} ").append(one_line(c.customer, 20)).append(": ")
            text.append(one_line(c.title, 44)).append(linked, style="dim")
        if len(cases) > 6:
            text.append(f"\n  … and {len(cases) - 6} more", style="dim")
        return text

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = self.choices[event.option_index]
        try:
            problem_id = self._link(choice)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.dismiss(problem_id)

    def _link(self, choice: int | str) -> int:
        desk = self.desk
        if isinstance(choice, int):
            desk.link_problem(self.case_id, choice)
            found = desk.problem(choice)
            self.app.notify(f"#{self.case_id} linked to P{choice}: {found.affected} affected")
            return choice
        with desk.store.transaction():  # the new problem and its links, all or nothing
            problem = desk.new_problem(self.state.title, self.state.body)
            desk.link_problem(self.case_id, problem.id)
            others = [c.id for c in self.loose] if choice == NEW_WITH_SIMILAR else []
            for other in others:
                desk.link_problem(other, problem.id)
        self.app.notify(f"P{problem.id} made with {1 + len(others)} case(s)")
        return problem.id

    def action_cancel(self) -> None:
        self.dismiss(None)
