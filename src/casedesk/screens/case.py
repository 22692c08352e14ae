"""One case: pinned facts (owner, last heard, next due), the customer's words, the timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from casedesk import keys
from casedesk.errors import CasedeskError
from casedesk.model import Event
from casedesk.safetext import printable
from casedesk.store import CaseRow
from casedesk.widgets.render import case_header, event_text, is_long

if TYPE_CHECKING:
    from casedesk.app import CasedeskApp

from casedesk.screens.actions import CaseActions


class CaseScreen(CaseActions, Screen[None]):
    CSS_PATH = "case.tcss"
    AUTO_FOCUS = "#timeline"
    BINDINGS = keys.CASE
    app: CasedeskApp

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.row: CaseRow = self.app.desk.case_row(case_id)
        self.events: list[Event] = self.app.desk.store.events(case_id)
        self.unfolded: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Static(id="case-header")
        yield Static(id="problem")
        yield Static(id="timeline-title")
        yield OptionList(id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        self._show(follow=True)
        self.query_one("#timeline", OptionList).focus()

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
        if row.case.version != self.row.case.version:
            self.row = row
            self.events = self.app.desk.store.events(self.case_id)
        else:
            self.row = row
        self._show(follow=False)

    def tick(self) -> None:
        """Time moved on: relative times and "overdue" must follow."""
        self._show(follow=False)

    def _show(self, follow: bool) -> None:
        now = self.app.desk.now()
        self.query_one("#case-header", Static).update(case_header(self.row, now))
        words = Text("In the customer's words: ", style="bold")
        words.append(printable(self.row.case.body or self.row.case.title))
        self.query_one("#problem", Static).update(words)
        count = len(self.events)
        title = Text(f"Timeline — {count} event{'' if count == 1 else 's'}", style="bold")
        title.append("   x fold/unfold · e unfold all · j/k move", style="dim")
        self.query_one("#timeline-title", Static).update(title)

        timeline = self.query_one("#timeline", OptionList)
        at_end = timeline.highlighted is None or timeline.highlighted >= timeline.option_count - 1
        highlighted = timeline.highlighted
        scroll = timeline.scroll_y
        timeline.set_options(
            Option(event_text(e, now, folded=e.id not in self.unfolded), id=f"event-{e.id}")
            for e in self.events
        )
        if not self.events:
            return
        if follow or at_end:
            timeline.highlighted = len(self.events) - 1
            timeline.scroll_end(animate=False)
        else:
            timeline.highlighted = min(highlighted or 0, len(self.events) - 1)
            timeline.scroll_to(y=scroll, animate=False)

    # -- folding --------------------------------------------------------------------------

    def _refold(self, index: int) -> None:
        event = self.events[index]
        now = self.app.desk.now()
        timeline = self.query_one("#timeline", OptionList)
        timeline.replace_option_prompt_at_index(
            index, event_text(event, now, folded=event.id not in self.unfolded)
        )

    def action_toggle_fold(self) -> None:
        timeline = self.query_one("#timeline", OptionList)
        index = timeline.highlighted
        if index is None:
            return
        event = self.events[index]
        if event.id is None or not is_long(event):
            return
        self.unfolded ^= {event.id}
        self._refold(index)

    def action_expand_all(self) -> None:
        every = {e.id for e in self.events if e.id is not None and is_long(e)}
        self.unfolded = set() if every <= self.unfolded else every
        self._show(follow=False)

    @on(OptionList.OptionSelected, "#timeline")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_toggle_fold()

    # -- moving ---------------------------------------------------------------------------

    def action_timeline_down(self) -> None:
        self.query_one("#timeline", OptionList).action_cursor_down()

    def action_timeline_up(self) -> None:
        self.query_one("#timeline", OptionList).action_cursor_up()

    def action_timeline_first(self) -> None:
        self.query_one("#timeline", OptionList).action_first()

    def action_timeline_last(self) -> None:
        self.query_one("#timeline", OptionList).action_last()

    def action_back(self) -> None:
        self.dismiss(None)
