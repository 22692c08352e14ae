"""The queue's list: a virtual, paged list of cases that stays fast on 100,000 of them.

Only the count is known up front; rows arrive a page at a time from a loader run in a thread
worker, and only the lines on screen are rendered. A DataTable would mount every row (14 s for
100,000).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from casedesk import keys
from casedesk.core.errors import CasedeskError
from casedesk.store import CaseRow
from casedesk.widgets.render import Columns, queue_row

if TYPE_CHECKING:
    from casedesk.core.policy import Policy

PAGE = 200
# Benchmarks set this to a file name: the moment the first rows are painted is written to it.
FIRST_ROWS_ENV = "CASEDESK_FIRST_ROWS_FILE"
Loader = Callable[[int, int], list[CaseRow]]


class FirstPage(NamedTuple):
    """A view's count and first page, with what its rows' tags need."""

    total: int
    rows: list[CaseRow]
    affected: dict[int, int]  # problem id → its cases
    empty: bool  # no case at all in the store


class CaseList(ScrollView, can_focus=True):
    """Cases by index; pages are fetched lazily and dropped on reload."""

    BINDINGS = keys.CASE_LIST
    COMPONENT_CLASSES: ClassVar[set[str]] = {"case-list--cursor", "case-list--loading"}
    DEFAULT_CSS = """
    CaseList { height: 1fr; scrollbar-size-vertical: 1; }
    CaseList > .case-list--cursor { background: $block-cursor-background; text-style: bold; }
    CaseList:blur > .case-list--cursor { background: $block-cursor-blurred-background; }
    CaseList > .case-list--loading { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, row: CaseRow | None) -> None:
            super().__init__()
            self.row = row

    class Selected(Message):
        def __init__(self, row: CaseRow) -> None:
            super().__init__()
            self.row = row

    def __init__(
        self, now: Callable[[], datetime], policy: Policy | None = None, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._now = now
        self._policy = policy  # with [hours]: the due column counts working time
        self._loader: Loader | None = None
        self._pages: dict[int, list[CaseRow]] = {}
        self._pending: set[int] = set()
        self._generation = 0
        self.total = 0
        self._follow_id: int | None = None
        self._painted = False
        self.mine_only = False  # view "mine": the owner column is the first to give way
        self.affected: dict[int, int] = {}  # problem id → its cases, for rows' `P3×5` tags

    # -- data -----------------------------------------------------------------------------

    def reset(
        self,
        loader: Loader,
        total: int,
        keep: bool = False,
        first_page: list[CaseRow] | None = None,
    ) -> None:
        """Show a new result: `keep` leaves the cursor where it was (a live refresh)."""
        follow = self.current_id if keep else None
        self._generation += 1
        self._loader = loader
        self._pages.clear()
        self._pending.clear()
        self.total = total
        self._follow_id = follow
        if first_page is not None:
            self._pages[0] = first_page
        self.virtual_size = Size(self.size.width, total)
        if not keep:
            self.scroll_to(y=0, animate=False)
            self.cursor = 0
        else:
            self.cursor = min(self.cursor, max(total - 1, 0))
        self._request(self.cursor // PAGE)
        if first_page is not None:
            self.post_message(self.Highlighted(self.current))
        self.refresh()

    def row_at(self, index: int) -> CaseRow | None:
        rows = self._pages.get(index // PAGE)
        if rows is None or index % PAGE >= len(rows):
            return None
        return rows[index % PAGE]

    @property
    def current(self) -> CaseRow | None:
        return self.row_at(self.cursor) if self.total else None

    @property
    def current_id(self) -> int | None:
        row = self.current
        return row.case.id if row else None

    @property
    def loading(self) -> bool:
        return bool(self._pending)

    def _request(self, page: int) -> None:
        if self._loader is None or page in self._pages or page in self._pending:
            return
        if page * PAGE >= max(self.total, 1):
            return
        self._pending.add(page)
        loader, generation = self._loader, self._generation

        def load() -> None:
            try:
                rows = loader(page * PAGE, PAGE)
            except CasedeskError as exc:  # e.g. the store is busy: say so, retry on next look
                self.app.call_from_thread(self._failed, generation, page, str(exc))
                return
            self.app.call_from_thread(self._arrived, generation, page, rows)

        self.run_worker(load, thread=True, group="case-list", exit_on_error=False)

    def _failed(self, generation: int, page: int, message: str) -> None:
        if generation == self._generation:
            self._pending.discard(page)
            self.notify(message, severity="error", timeout=8)

    def _arrived(self, generation: int, page: int, rows: list[CaseRow]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self._pages[page] = rows
        if self._follow_id is not None:
            # A refresh: keep the cursor on the same case if it is still nearby.
            for index, row in enumerate(rows):
                if row.case.id == self._follow_id:
                    self.cursor = page * PAGE + index
                    break
            self._follow_id = None
        if page == self.cursor // PAGE:
            self.post_message(self.Highlighted(self.current))
        self.refresh()

    # -- cursor ---------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.total - 1)) if self.total else 0

    def watch_cursor(self, old: int, new: int) -> None:
        height = self.scrollable_content_region.height or 1
        top = int(self.scroll_y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False)
        self._request(new // PAGE)
        self.post_message(self.Highlighted(self.current))
        self.refresh()

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.total - 1

    def action_page_up(self) -> None:
        self.cursor -= max(self.scrollable_content_region.height - 1, 1)

    def action_page_down(self) -> None:
        self.cursor += max(self.scrollable_content_region.height - 1, 1)

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Selected(row))

    async def _on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < self.total:
            if index == self.cursor or event.chain > 1:
                self.cursor = index
                self.action_open()
            else:
                self.cursor = index

    # -- rendering ------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.total)

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= self.total:
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            self._request(index // PAGE)
            style = self.get_component_rich_style("case-list--loading")
            return Strip([Segment("  …", style)]).extend_cell_length(width, base)
        if not self._painted:
            self._painted = True
            _note_first_rows()
        cols = Columns.fit(width, self.mine_only)
        text: Text = queue_row(row, self._now(), cols, self.affected, self._policy)
        if index == self.cursor:
            text.pad_right(max(width - text.cell_len, 0))
            text.stylize(self.get_component_rich_style("case-list--cursor"))
        segments = list(text.render(self.app.console))
        strip = Strip(segments).crop_extend(0, width, base)
        return strip.apply_style(base)


def _note_first_rows() -> None:
    """For start-up benchmarks: when did the queue first show rows (wall clock)?"""
    target = os.environ.get(FIRST_ROWS_ENV)
    if target:
        with open(target, "w", encoding="utf-8") as out:
            out.write(repr(time.time()))
