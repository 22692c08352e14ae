"""Search order on both engines: the best match first, the newest case first among equal
matches; and on SQLite the event index that makes ranking cheap (schema 11: no per-event token
counts), reached by migration from an older store."""

from __future__ import annotations

import sqlite3

import pytest

from casedesk.core.model import Channel
from casedesk.store import Store, schema
from casedesk.store.rows import SEARCH_SQL
from old_stores import store_at

pytestmark = pytest.mark.both_engines


def _order(desk, query: str, limit: int = 50) -> list[int]:
    return [case_id for case_id, _ in desk.store.search(query, limit)]


def test_equal_matches_list_the_newest_case_first(desk) -> None:
    same = [desk.new_case(f"C{n} <c{n}@example.org>", "Laptop won't charge").id for n in range(3)]
    for case_id in same:
        desk.heard(case_id, "The charger light blinks orange", Channel.EMAIL)
    desk.new_case("Dee <dee@example.org>", "Printer jams", "paper everywhere")

    assert _order(desk, "charger light") == same[::-1]


def test_the_newest_equal_match_is_found_when_older_ones_fill_the_pool(desk) -> None:
    """Only the best few hundred hits of an index are grouped into cases (`Rows.search`): among
    equal hits those are the newest, so an old case with hundreds of them cannot hide a new
    one."""
    old = desk.new_case("Ann <ann@example.org>", "Noisy fan")
    for _ in range(201):  # more than the pool of a search for 5 cases (200)
        desk.note(old.id, "fan rattles at night")
    new = desk.new_case("Ben <ben@example.org>", "Laptop loud", "my fan rattles at night")

    assert _order(desk, "fan rattles", limit=5) == [new.id, old.id]


def test_a_better_match_comes_before_a_newer_one(desk) -> None:
    """The two messages average 3 words: bm25 without token counts (schema 11) scores the
    second's missing word 0/0 there, which SQLite makes NULL; NULL must not sort first."""
    both = desk.new_case("Ann <ann@example.org>", "Office kit", "printer offline since Monday")
    desk.new_case("Ben <ben@example.org>", "Office kit", "printer jammed")

    assert _order(desk, "printer OR offline")[0] == both.id


@pytest.mark.sqlite_only(reason="FTS5 tables and SQLite schema numbers")
def test_the_event_index_keeps_no_token_counts(desk) -> None:
    """Ranking read one per hit from a table as long as the event log (~20 ms of a 30 ms
    search on 1.9M events); schema 11 keeps none."""
    tables = {row[0] for row in desk.store._execute("SELECT name FROM sqlite_master")}
    assert "events_fts" in tables and "events_fts_docsize" not in tables
    assert "events_fts_docsize" in _tables_after(schema.MIGRATIONS[:10])


def _tables_after(migrations: list[str]) -> set[str]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for script in migrations:
        for statement in schema._statements(script):
            conn.execute(statement)
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}


@pytest.mark.sqlite_only(reason="FTS5 tables and SQLite schema numbers")
def test_a_store_at_schema_10_keeps_finding_its_events_after_the_migration(db_path) -> None:
    conn = store_at(db_path, 10)
    assert "events_fts_docsize" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()

    with Store.open(db_path) as store:
        assert schema.version(store.conn) == schema.LATEST
        names = {row[0] for row in store._execute("SELECT name FROM sqlite_master")}
        assert "events_fts_docsize" not in names
        assert [hit[0] for hit in store.search("bulging")] == [1]
        assert store.trigger_problems() == {}  # `casedesk check` finds the trigger as made


@pytest.mark.sqlite_only(reason="SQLite's query plan")
def test_search_reads_both_indexes_and_looks_each_pooled_event_up_by_id(desk) -> None:
    """The hits come from the two FTS5 indexes and reach the events table by id, never by a
    scan of 1.9M events."""
    params = {"q": "battery charger", "limit": 50, "pool": 500}
    plan = [row[3] for row in desk.store._execute("EXPLAIN QUERY PLAN " + SEARCH_SQL, params)]

    assert any(step.startswith("SCAN events_fts VIRTUAL TABLE") for step in plan)
    assert any(step.startswith("SCAN cases_fts VIRTUAL TABLE") for step in plan)
    assert "SEARCH events USING INTEGER PRIMARY KEY (rowid=?)" in plan
    assert not [step for step in plan if step.split()[:2] == ["SCAN", "events"]]
