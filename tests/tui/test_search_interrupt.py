"""A search the agent replaces or abandons is stopped, and quitting never waits for one.

SQLite's progress handler makes the search connection crawl (a real query on the real file,
one VM step every 10 ms: ~1,000 steps, so ~10 s for a search here) while `crawl` is set: the
stand-in for a search on a hostile store. An interrupt stops it within a few dozen steps. (The
connection has searched once before, as in use: SQLite drops an interrupt that arrives while
it is still reading the schema.)
"""

from __future__ import annotations

import threading
import time

from tui_helpers import drive, settle, submit_search

from casedesk.widgets.case_list import CaseList


class Crawl(threading.Event):
    """Set: the next search crawls (that one only: it clears the event when it ends)."""

    steps = 0


def _crawling(app) -> Crawl:
    app.searcher.search("warm", 1)
    crawl = Crawl()
    search = app.searcher.search

    def step() -> int:
        if crawl.is_set():
            crawl.steps += 1
            time.sleep(0.01)
        return 0

    def searched(*args, **options):
        try:
            return search(*args, **options)
        finally:
            crawl.clear()

    app.searcher.conn.set_progress_handler(step, 1)
    app.searcher.search = searched
    return crawl


async def _until(pilot, condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


def _ids(app) -> list[int]:
    cases = app.screen.query_one(CaseList)
    return [cases.row_at(i).case.id for i in range(cases.total)]


def test_a_replaced_search_is_interrupted(make_app, seeded):
    app = make_app()
    crawl = _crawling(app)

    async def scenario(pilot):
        crawl.set()
        await submit_search(pilot, "printer")
        await _until(pilot, lambda: app._searching)
        started = time.monotonic()
        await submit_search(pilot, "battery")
        await _until(pilot, lambda: _ids(app) == [seeded["laptop"]])
        assert time.monotonic() - started < 5
        await settle(pilot)
        assert _ids(app) == [seeded["laptop"]]  # the stopped search did not land late

    drive(app, scenario)


def test_an_abandoned_search_is_interrupted(make_app, seeded):
    app = make_app()
    crawl = _crawling(app)

    async def scenario(pilot):
        crawl.set()
        await submit_search(pilot, "printer")
        await _until(pilot, lambda: app._searching)
        await pilot.press("escape")
        await _until(pilot, lambda: not app._searching)
        assert crawl.steps < 300  # stopped, not run to its end (~1,000 steps)
        await settle(pilot)
        assert len(_ids(app)) == 4  # the whole default view (mine + unassigned), not the hits

    drive(app, scenario)


def test_quitting_during_a_slow_search_ends_the_console(make_app, seeded):
    app = make_app()
    crawl = _crawling(app)
    quit_at: list[float] = []

    async def scenario(pilot):
        crawl.set()
        await submit_search(pilot, "printer")
        await _until(pilot, lambda: app._searching)
        quit_at.append(time.monotonic())
        await pilot.press("q")

    drive(app, scenario)  # returns only once every worker thread has ended
    assert time.monotonic() - quit_at[0] < 5
