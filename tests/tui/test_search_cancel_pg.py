"""Stopping a search on PostgreSQL: the console stops a search the agent replaced or abandoned
(`Store.interrupt`, a cancel request to the server), as SQLite's interrupt does on a file.

The stand-in for a slow search is a real one stuck on the server: another session holds the
search table locked, as a REINDEX or VACUUM FULL of it would. Such a search waits as long as
the lock is held, so it ends early only if the cancel really reaches it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest
from tui_helpers import drive, settle, submit_search

from casedesk.app import CasedeskApp
from casedesk.core.errors import Interrupted
from casedesk.desk.desk import Desk
from casedesk.paths import ServerStore
from casedesk.store import Store
from casedesk.widgets.case_list import CaseList

STOPPED_WITHIN = 5.0


@pytest.fixture
def seeded(pg_url: str, clock) -> dict[str, int]:
    desk = Desk.open(ServerStore(pg_url), "ann")
    desk.now = clock
    try:
        return {
            "printer": desk.new_case(
                "Bob Okafor <bob@northwind.example>", "Printer shows offline", owner="ann"
            ).id,
            "laptop": desk.new_case(
                "Carla Nguyen <carla@kiln.example>", "Laptop battery stuck", owner="ann"
            ).id,
        }
    finally:
        desk.close()


@contextmanager
def search_held_up(url: str) -> Iterator[threading.Event]:
    """Hold the case search table locked (set the event to let go early); yields once
    the lock is held."""
    release = threading.Event()
    with psycopg.connect(url, autocommit=True) as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE cases_fts IN ACCESS EXCLUSIVE MODE")
        releaser = threading.Thread(target=lambda: (release.wait(), holder.execute("ROLLBACK")))
        releaser.start()
        try:
            yield release
        finally:
            release.set()
            releaser.join()


def _waiting_on_the_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as probe:
        return bool(probe.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0])


def _until(condition, seconds: float = STOPPED_WITHIN) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_stuck_search_is_stopped_and_the_connection_searches_again(pg_url, seeded) -> None:
    store = Store.open(ServerStore(pg_url))
    try:
        with ThreadPoolExecutor(1) as pool, search_held_up(pg_url):
            stuck = pool.submit(store.search, "printer", 10)
            _until(lambda: _waiting_on_the_lock(pg_url))
            started = time.monotonic()
            store.interrupt()
            with pytest.raises(Interrupted, match="the search for 'printer' was stopped"):
                stuck.result(timeout=STOPPED_WITHIN)
            assert time.monotonic() - started < STOPPED_WITHIN
        assert [case_id for case_id, _ in store.search("printer", 10)] == [seeded["printer"]]
    finally:
        store.close()


def test_stopping_when_no_search_runs_stops_nothing_later(pg_url, seeded) -> None:
    store = Store.open(ServerStore(pg_url))
    try:
        store.interrupt()
        time.sleep(0.2)
        assert [case_id for case_id, _ in store.search("battery", 10)] == [seeded["laptop"]]
    finally:
        store.close()


# -- the console --------------------------------------------------------------------------


def _app(pg_url: str) -> CasedeskApp:
    return CasedeskApp(ServerStore(pg_url), "ann", settings={}, poll_seconds=None)


async def _until_async(pilot, condition, seconds: float = STOPPED_WITHIN) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def _ids(app) -> list[int]:
    cases = app.screen.query_one(CaseList)
    return [cases.row_at(i).case.id for i in range(cases.total)]


def _recording_searches(app) -> list[tuple[str, str]]:
    """(query, how the search call ended) for each search on the console's search connection."""
    ended: list[tuple[str, str]] = []
    search = app.searcher.search

    def searched(query, *args, **options):
        try:
            found = search(query, *args, **options)
        except Interrupted:
            ended.append((query, "stopped"))
            raise
        ended.append((query, "done"))
        return found

    app.searcher.search = searched
    return ended


def test_a_replaced_search_is_stopped_on_the_server(pg_url, seeded) -> None:
    app = _app(pg_url)
    ended = _recording_searches(app)

    async def scenario(pilot):
        with search_held_up(pg_url) as release:
            await submit_search(pilot, "printer")
            await _until_async(pilot, lambda: _waiting_on_the_lock(pg_url))
            await submit_search(pilot, "battery")
            # The lock is still held: only a cancel can have ended the first search.
            await _until_async(pilot, lambda: ("printer", "stopped") in ended)
            release.set()
            await _until_async(pilot, lambda: _ids(app) == [seeded["laptop"]])
        await settle(pilot)
        assert _ids(app) == [seeded["laptop"]]  # the stopped search did not land late
        assert ("printer", "done") not in ended

    drive(app, scenario)


def test_an_abandoned_search_is_stopped_on_the_server(pg_url, seeded) -> None:
    app = _app(pg_url)
    ended = _recording_searches(app)

    async def scenario(pilot):
        with search_held_up(pg_url):
            await submit_search(pilot, "printer")
            await _until_async(pilot, lambda: _waiting_on_the_lock(pg_url))
            await pilot.press("escape")
            await _until_async(pilot, lambda: not app._searching)
            assert ended == [("printer", "stopped")]
        await settle(pilot)
        assert sorted(_ids(app)) == sorted(seeded.values())  # the queue again, not hits

    drive(app, scenario)


def test_quitting_during_a_stuck_search_ends_the_console(pg_url, seeded) -> None:
    app = _app(pg_url)
    quit_at: list[float] = []

    async def scenario(pilot):
        await submit_search(pilot, "printer")
        await _until_async(pilot, lambda: _waiting_on_the_lock(pg_url))
        quit_at.append(time.monotonic())
        await pilot.press("q")

    with search_held_up(pg_url):
        drive(app, scenario)  # returns only once every worker thread has ended
        assert time.monotonic() - quit_at[0] < STOPPED_WITHIN
