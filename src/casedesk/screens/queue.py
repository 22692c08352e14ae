"""The queue: every case that needs something, overdue first, paged from the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from casedesk import keys
from casedesk.config import config_file
from casedesk.core.errors import CasedeskError
from casedesk.screens.actions import CaseActions
from casedesk.store import CaseRow, views
from casedesk.store.views import HeaderCounts, Query, Sort, View
from casedesk.widgets.case_list import PAGE, CaseList
from casedesk.widgets.render import Columns, counts_line, first_steps, header_row

if TYPE_CHECKING:
    from datetime import datetime

    from casedesk.app import CasedeskApp

# How long the first show waits for the page read at start before showing "loading…".
FIRST_PAGE_WAIT = 0.25


class QueueScreen(CaseActions, Screen[None]):
    AUTO_FOCUS = "#cases"
    BINDINGS = keys.QUEUE
    app: CasedeskApp

    def __init__(self) -> None:
        super().__init__()
        self.query_spec = Query(View.MINE_AND_UNASSIGNED, Sort.DUE, self.app.agent)
        self.search_text = ""
        self.counts: HeaderCounts | None = None
        self.shown = 0
        self._loaded = False

    def compose(self) -> ComposeResult:
        # The search box (`/`) and an empty store's welcome are mounted when first needed:
        # every widget is styled before the first paint.
        yield Static(Text("loading…"), id="counts")
        yield Static(id="columns")
        yield CaseList(self.app.now, self.app.row_policy(), id="cases")

    def on_screen_resume(self) -> None:
        """First show, or back from a case: (re)count and page in, keeping the cursor."""
        if self._loaded:
            self.reload()
            return
        self._loaded = True
        # The first page was read while Textual started: shown now, it is in the first paint.
        # Not read yet (a slow disk), the worker waits for it while "loading…" shows.
        found = self.app.take_prefetched(self.query_spec, wait=FIRST_PAGE_WAIT)
        if found is None:
            self.reload(keep=False)
            return
        shown = (self.query_spec, found.total, found.rows, found.affected, False, found.empty)
        if found.empty:  # the welcome replaces the list once the list has taken the focus
            self.call_after_refresh(self._counted, *shown)
        else:
            self._counted(*shown)
        self.call_after_refresh(self._count_header, self.query_spec)

    def on_resize(self) -> None:
        cases = self.query_one(CaseList)
        cases.mine_only = self.query_spec.view is View.MINE
        width = cases.scrollable_content_region.width or self.size.width
        self.query_one("#columns", Static).update(header_row(Columns.fit(width, cases.mine_only)))

    # -- loading --------------------------------------------------------------------------

    def reload(self, keep: bool = True) -> None:
        """Count the view and its header again, then page it in (in a worker)."""
        self._count(self.query_spec, keep)

    @work(thread=True, exclusive=True, group="queue-count", exit_on_error=False)
    def _count(self, query: Query, keep: bool) -> None:
        """The rows first (the first page comes along), then the header's counts."""
        try:
            self._count_rows(query, keep)
        except CasedeskError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            self.app.call_from_thread(self.app.stop_holding_keys)

    def _count_rows(self, query: Query, keep: bool) -> None:
        app = self.app
        now = app.now()
        prefetched = None if keep else app.take_prefetched(query)
        if prefetched is not None:
            total, first, affected, empty = prefetched
        else:
            total = app.read(lambda store: views.count(store, query, now))
            first = None
            if not keep:
                first = app.read(lambda store: views.page(store, query, now, 0, PAGE))
            rows = first or []
            affected = app.read(lambda store: views.affected_counts(store, rows)) if rows else {}
            empty = total == 0 and app.read(views.is_empty)
        app.call_from_thread(self._counted, query, total, first, affected, keep, empty)
        self._count_header_now(query, now)

    @work(thread=True, exclusive=True, group="queue-header", exit_on_error=False)
    def _count_header(self, query: Query) -> None:
        """The header's counts, once the first rows are painted (they read the whole store)."""
        try:
            self._count_header_now(query, self.app.now())
        except CasedeskError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)

    def _count_header_now(self, query: Query, now: datetime) -> None:
        app = self.app
        counts = app.read(lambda store: views.header_counts(store, query.agent, now))
        app.call_from_thread(self._header, query, counts)

    def _counted(
        self,
        query: Query,
        total: int,
        first: list[CaseRow] | None,
        affected: dict[int, int],
        keep: bool,
        empty: bool = False,
    ) -> None:
        if query != self.query_spec:
            return  # the agent switched views meanwhile; that count is on its way
        self.shown = total
        self._show_counts()
        app = self.app

        cases = self.query_one(CaseList)
        welcome = self.query("#welcome")
        if empty and not welcome:
            self.mount(Static(first_steps(config_file()), id="welcome"), before=cases)
        elif welcome:
            welcome.first().display = empty
        cases.display = self.query_one("#columns").display = not empty

        def load(offset: int, limit: int) -> list[CaseRow]:
            now = app.now()
            rows = app.read(lambda store: views.page(store, query, now, offset, limit))
            cases.affected.update(app.read(lambda store: views.affected_counts(store, rows)))
            return rows

        if first:
            cases.affected.update(affected)

        cases.reset(load, total, keep=keep, first_page=first)
        self.on_resize()
        app.queue_shown()
        self.call_after_refresh(self._add_footer)

    async def _add_footer(self) -> None:
        """The footer's keys are each a widget to style: mounted once the first page is on
        screen, they no longer hold it back (the keys work before it shows)."""
        if self.is_attached and not self.app._exit and not self.query(Footer):
            await self.mount(Footer())
            self.refresh_bindings()  # a footer fills in its keys when they are published

    def _header(self, query: Query, counts: HeaderCounts) -> None:
        if query == self.query_spec:
            self.counts = counts
            self._show_counts()

    def _show_counts(self) -> None:
        if self.counts is None:
            self.query_one("#counts", Static).update(Text(f"{self.shown:,} cases · counting…"))
            return
        self.query_one("#counts", Static).update(
            counts_line(
                self.counts,
                self.query_spec.view.value,
                self.query_spec.sort.value,
                self.shown,
                self.search_text,
                self.app.now(),
            )
        )

    def tick(self) -> None:
        """Time moved on: repaint relative times ("in 2h"); count again, as a dead mail watcher
        writes nothing that would tell the header that intake stopped."""
        self.query_one(CaseList).refresh()
        self.reload()

    # -- the case in hand -----------------------------------------------------------------

    def target(self) -> CaseRow | None:
        return self.query_one(CaseList).current

    @on(CaseList.Selected)
    def _open(self, event: CaseList.Selected) -> None:
        self.app.open_case(event.row.case.id)

    # -- views, sort, search --------------------------------------------------------------

    def _set_query(self, query: Query) -> None:
        self.query_spec = query
        self.reload(keep=False)

    def action_view(self, name: str) -> None:
        self._set_query(
            Query(View(name), self.query_spec.sort, self.query_spec.agent, self.query_spec.ids)
        )

    def action_next_view(self) -> None:
        order = list(View)
        view = order[(order.index(self.query_spec.view) + 1) % len(order)]
        self.action_view(view.value)

    def action_next_sort(self) -> None:
        order = list(Sort)
        sort = order[(order.index(self.query_spec.sort) + 1) % len(order)]
        q = self.query_spec
        self._set_query(Query(q.view, sort, q.agent, q.ids))

    async def action_search(self) -> None:
        found = self.query("#search")
        if found:
            box = found.first(Input)
        else:
            box = Input(
                placeholder="search titles, customers, messages (enter; esc clears)", id="search"
            )
            await self.mount(box, after="#counts")
        box.display = True
        box.focus()

    @on(Input.Submitted, "#search")
    def _searched(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.action_clear_search()
            return
        self._search(text)

    @work(thread=True, exclusive=True, group="queue-search", exit_on_error=False)
    def _search(self, text: str) -> None:
        app = self.app
        try:
            hits = app.search(text, limit=1000, snippets=False)
        except CasedeskError as exc:
            app.call_from_thread(app.notify, str(exc), severity="error", timeout=8)
            return
        if hits is None:
            return  # replaced by a newer search, or abandoned
        app.call_from_thread(self._found, text, tuple(case_id for case_id, _ in hits))

    def _found(self, text: str, ids: tuple[int, ...]) -> None:
        self.search_text = text
        q = self.query_spec
        self._set_query(Query(q.view, q.sort, q.agent, ids))
        self.query_one(CaseList).focus()
        if not ids:
            self.notify(f"nothing matches {text!r}", severity="warning")
        elif q.view is not View.ALL:
            self.notify(f"searching within view {q.view}; press 2 for all, 7 for closed", timeout=4)

    def action_catch_up(self) -> None:
        """T: tell every overdue customer of this view, one screen each (screens/catchup.py)."""
        from casedesk.screens.catchup import CatchUpScreen

        app = self.app
        query = self.query_spec
        try:
            cases = views.overdue_in(app.desk.store, query, app.now())
        except CasedeskError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        if not cases:
            self.notify(f"nobody is overdue for an update in view {query.view}")
            return
        app.push_screen(CatchUpScreen(query, cases), self._round_over)

    def _round_over(self, summary: str | None) -> None:
        if summary:
            self.app.notify(summary, title="Catch-up round", timeout=30)

    def action_stats(self) -> None:
        from casedesk.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen(self.app.desk))

    def action_clear_search(self) -> None:
        self.app.stop_search()
        for box in self.query("#search").results(Input):
            box.value = ""
            box.display = False
        self.query_one(CaseList).focus()
        if self.query_spec.ids is not None:
            self.search_text = ""
            q = self.query_spec
            self._set_query(Query(q.view, q.sort, q.agent, None))
