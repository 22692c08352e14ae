"""A damaged store file is reported in words, never copied silently, never crashed on; the event
log's append-only triggers are checked and can be put back (issue 11).

The damage is real: one page of a real store file is overwritten, as a failing disk or a stray
`dd` would; the triggers are dropped with the sqlite3 tool, as a group member could.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from casedesk.core.model import Channel
from casedesk.desk.desk import Desk

MARKER = "needle-in-the-damaged-page"


@pytest.fixture
def damaged(db_path: Path, clock) -> Path:
    """A store of 40 cases whose file has the page holding one event's text overwritten."""
    desk = Desk.open(db_path, "ann")
    desk.now = clock
    for n in range(40):
        case = desk.new_case(f"Customer {n} <c{n}@example.org>", f"Problem {n}", "details " * 40)
        desk.note(case.id, (MARKER if n == 20 else "a note ") + " padding" * 60)
    desk.close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = db_path.read_bytes()
    page = data.index(MARKER.encode()) // page_size
    with db_path.open("r+b") as file:
        file.seek(page * page_size)
        file.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    return db_path


def test_check_reports_a_damaged_file_in_words_and_exits_1(damaged, cli):
    result = cli("check")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "the file is damaged" in result.stderr
    assert "restore the latest good backup" in result.stderr


def test_check_repair_never_writes_on_a_damaged_file(damaged, cli):
    before = damaged.read_bytes()
    result = cli("check", "--repair")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "nothing was repaired" in result.stderr
    assert damaged.read_bytes() == before


def test_backup_of_a_damaged_store_fails_loudly_and_keeps_no_copy(damaged, cli, tmp_path):
    copy = tmp_path / "backup.db"
    result = cli("backup", copy)
    assert result.exit_code == 1
    assert "is damaged" in result.stderr and "was not kept" in result.stderr
    assert "backed up" not in result.stdout + result.stderr
    assert not copy.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_of_a_damaged_store_says_how_far_it_got(damaged, cli, tmp_path):
    out = tmp_path / "all.jsonl"
    result = cli("export", out)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "export stopped after" in result.stderr and "lines" in result.stderr
    assert f"nothing was written to {out}" in result.stderr
    assert not out.exists()


def test_export_to_stdout_of_a_damaged_store_says_the_lines_are_partial(damaged, cli):
    result = cli("export")
    assert result.exit_code == 1
    written = len(result.stdout.splitlines())
    assert f"export stopped after {written} lines" in result.stderr
    assert "the lines above are partial" in result.stderr


def _sqlite3(require_tool, db: Path, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("sqlite3"), str(db), sql], capture_output=True, text=True, check=False
    )


def test_check_finds_a_dropped_append_only_trigger_and_repair_puts_it_back(
    desk, cli, require_tool, db_path
):
    case = desk.new_case("Bea <bea@example.org>", "Printer", "offline")
    desk.close()
    assert _sqlite3(require_tool, db_path, "DROP TRIGGER events_never_go;").returncode == 0

    found = cli("check")
    assert found.exit_code == 1
    assert "trigger events_never_go on events is missing" in found.stderr
    assert "the event log could be rewritten" in found.stderr

    repaired = cli("check", "--repair")
    assert repaired.exit_code == 0, repaired.stderr
    assert "events_never_go put back" in repaired.stderr
    assert cli("check").exit_code == 0
    deleted = _sqlite3(require_tool, db_path, f"DELETE FROM events WHERE case_id = {case.id};")
    assert "events are immutable" in deleted.stderr


def test_check_finds_a_trigger_replaced_by_one_that_lets_history_change(
    desk, cli, require_tool, db_path
):
    desk.new_case("Bea <bea@example.org>", "Printer", "offline")
    desk.close()
    swap = (
        "DROP TRIGGER events_never_change; CREATE TRIGGER events_never_change "
        "BEFORE UPDATE ON events BEGIN SELECT 1; END;"
    )
    assert _sqlite3(require_tool, db_path, swap).returncode == 0
    found = cli("check")
    assert found.exit_code == 1
    assert "trigger events_never_change on events was changed" in found.stderr
    assert cli("check", "--repair").exit_code == 0
    changed = _sqlite3(require_tool, db_path, "UPDATE events SET text = 'rewritten';")
    assert "events are immutable" in changed.stderr


def test_repair_makes_events_added_without_the_search_trigger_searchable(
    desk, cli, require_tool, db_path
):
    case = desk.new_case("Bea <bea@example.org>", "Printer", "offline")
    assert _sqlite3(require_tool, db_path, "DROP TRIGGER events_fts_add;").returncode == 0
    desk.heard(case.id, "the toner smells of lavender", Channel.EMAIL)
    assert desk.store.search("lavender") == []
    desk.close()
    assert "events_fts_add on events is missing" in cli("check").stderr
    assert cli("check", "--repair").exit_code == 0
    assert "#1" in cli("search", "lavender").stdout


def test_check_on_a_server_store_finds_and_puts_back_the_append_only_trigger(pg_url, clock):
    from casedesk import paths

    desk = Desk.open(paths.store_location(pg_url), "ann")
    desk.now = clock
    try:
        assert desk.check().clean
        desk.store.conn.raw.execute("DROP TRIGGER events_never_change ON events")
        found = desk.check()
        assert found.problems == [
            "trigger events_never_change on events is missing or disabled: "
            "the event log could be rewritten"
        ]
        assert desk.check(repair=True).repaired_triggers == ["events_never_change"]
        assert desk.check().clean
    finally:
        desk.close()
