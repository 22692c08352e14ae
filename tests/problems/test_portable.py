"""The new tables and columns survive export → import, and migration 5 upgrades an old store."""

from __future__ import annotations

import json
import sqlite3

import pytest

from casedesk.cli.admin import import_jsonl
from casedesk.core.model import Channel
from casedesk.store import Store, schema

pytestmark = pytest.mark.both_engines


def _busy_store(desk, clock) -> None:
    problem = desk.new_problem("Printer fault", "driver 4.1")
    for n in range(4):
        case = desk.new_case(f"C{n} <c{n}@example.com>", "Printer offline", "it is offline")
        desk.link_problem(case.id, problem.id)
        desk.add_subtask(case.id, "Update driver", team="it", assignee="bob")
        clock.advance(minutes=5)
        if n % 2:
            desk.finish_subtask(case.id, 1, "driver updated")
    desk.unlink_problem(4)
    desk.resolve_problem(problem.id, "Driver 4.2")
    desk.tell(1, "fixed", Channel.PHONE)
    desk.close_case(1)
    desk.new_problem("Another fault")
    desk.note_customer("1", "call after 5")
    dup = desk.new_case("C0 again <c0b@example.com>", "dup")
    desk.merge_customers("1", str(desk.store.case(dup.id).customer_id))


def test_export_import_export_is_identical_with_problems_notes_and_merges(
    desk, clock, cli, tmp_path
):
    _busy_store(desk, clock)
    first = tmp_path / "first.jsonl"
    assert cli("export", str(first)).exit_code == 0
    tables = {json.loads(line).get("table") for line in first.read_text().splitlines()[1:]}
    assert {"problems", "customer_notes", "customer_merges"} <= tables
    assert not any(t.endswith("_fts") or "_fts_" in t for t in tables)

    fresh = tmp_path / "fresh.db"
    import_jsonl(first, fresh, "ann")
    second = tmp_path / "second.jsonl"
    assert cli("export", str(second), "--db", str(fresh)).exit_code == 0
    assert second.read_text() == first.read_text()
    assert json.loads(cli("check", "--json", "--db", str(fresh)).stdout)["clean"]
    shown = json.loads(cli("problem", "show", "P1", "--json", "--db", str(fresh)).stdout)
    assert shown["affected"] == 3 and shown["status"] == "resolved"
    # the similar-report index is rebuilt by the import too
    with Store.open(fresh) as store:
        hits = store.conn.execute(
            "SELECT count(*) FROM similar_fts WHERE similar_fts MATCH 'printer'"
        ).fetchone()[0]
        assert hits == 4


def test_migration_5_upgrades_a_version_4_store_and_indexes_its_cases(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    schema.migrate(conn, target=4)
    conn.execute(
        "INSERT INTO customers(id, name, email, created_at) VALUES (1, 'Ann', NULL, '2026')"
    )
    conn.execute(
        "INSERT INTO cases(id, title, body, customer_id, status, priority, urgency, channel, "
        "created_at, updated_at, version) VALUES (1, 'Printer offline', 'jammed', 1, 'new', "
        "'normal', 'normal', 'email', '2026-11-23T09:00:00+00:00', "
        "'2026-11-23T09:00:00+00:00', 1)"
    )
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert schema.version(store.conn) == schema.LATEST >= 5
        state = store.case(1)
        assert (state.problem_id, state.subtasks_total, state.check_in_ended_at) == (None, 0, None)
        rows = store.conn.execute(
            "SELECT rowid FROM similar_fts WHERE similar_fts MATCH 'printers'"
        ).fetchall()
        assert [row[0] for row in rows] == [1]  # porter stemming: printers ~ printer
