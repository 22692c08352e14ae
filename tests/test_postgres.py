"""PostgreSQL as the store: choosing it, and the engine-specific parts on a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from casedesk import paths
from casedesk.core.errors import InvalidInput, SearchSyntaxError, StoreError
from casedesk.core.model import Channel, EventKind
from casedesk.desk.desk import Desk
from casedesk.store import Store, postgres_schema
from casedesk.store.postgres import to_tsquery
from note_loop import NoteLoop
from terminal import on_a_terminal

# -- choosing the engine --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["postgresql://ann@db.example:5432/casedesk", "postgres://db.example/casedesk"]
)
def test_a_postgresql_url_names_a_server_store(text: str) -> None:
    assert paths.store_location(text) == paths.ServerStore(text)


@pytest.mark.parametrize("text", ["casedesk.db", "/srv/casedesk/casedesk.db", "file:x.db"])
def test_anything_else_not_shaped_like_a_url_is_a_file(text: str) -> None:
    assert paths.store_location(text) == Path(text)


@pytest.mark.parametrize("text", ["mysql://db/casedesk", "sqlite:///tmp/x.db", "https://x/y"])
def test_a_url_of_another_kind_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="knows postgresql:// URLs"):
        paths.store_location(text)


def test_a_postgresql_scheme_without_slashes_is_refused_not_made_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = cli("list", "--db", "postgresql:casedesk")
    assert result.exit_code == 1
    assert "not a PostgreSQL URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(here.iterdir()) == []


def test_cli_db_option_keeps_the_url_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli):
    """Taken as a Path, postgresql://host/db would lose a slash and become a folder."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = cli("list", "--db", "mysql://db.example/casedesk")
    assert result.exit_code == 1
    assert "'mysql://db.example/casedesk'" in result.stderr
    assert list(here.iterdir()) == []


def test_the_password_never_shows_in_messages() -> None:
    location = paths.store_location("postgresql://ann:s3cret@db.example/casedesk")
    assert "s3cret" not in str(location)
    assert "s3cret" not in repr(location)
    assert str(location) == "postgresql://ann:***@db.example/casedesk"


def test_config_store_path_may_be_a_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "postgresql://ann@db.example/casedesk"\n')
    monkeypatch.setenv("CASEDESK_CONFIG", str(config))
    assert paths.db_path() == paths.ServerStore("postgresql://ann@db.example/casedesk")


def test_without_the_driver_one_line_names_the_extra(tmp_path: Path) -> None:
    """A Python that cannot import psycopg (it is hidden) gets one line naming the extra."""
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "psycopg.py").write_text("raise ImportError('hidden for the test')\n")
    result = subprocess.run(
        [sys.executable, "-m", "casedesk", "list", "--db", "postgresql://nobody@127.0.0.1:1/x"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(hide), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "casedesk: a PostgreSQL store needs the psycopg driver: pip install 'casedesk[postgres]'"
    ]


# -- the search syntax ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "tsquery"),
    [
        ("battery swap", "'battery' & 'swap'"),
        ('"battery swap"', "('battery' <-> 'swap')"),
        ("batt*", "'batt':*"),
        ("refund OR return", "'refund' | 'return'"),
        ("refund NOT paypal", "'refund' & ! 'paypal'"),
        ("(refund OR return) Acme", "( 'refund' | 'return' ) & 'acme'"),
    ],
)
def test_the_cli_search_forms_become_a_tsquery(query: str, tsquery: str) -> None:
    assert to_tsquery(query) == tsquery


@pytest.mark.parametrize("query", ['"open phrase', "(a OR b", "a OR", "OR a", ")"])
def test_a_malformed_search_is_one_clear_error(query: str) -> None:
    with pytest.raises(SearchSyntaxError, match="double quotes"):
        to_tsquery(query)


# -- on a real server -------------------------------------------------------------------------


def test_a_server_store_is_created_and_migrated(pg_url: str) -> None:
    with Store.open(paths.store_location(pg_url)) as store:
        assert store.engine == "postgres"
        assert store.counts() == {"customers": 0, "cases": 0, "events": 0}
        assert store.integrity_problems() == []


def test_cannot_reach_the_server_is_one_line(cli) -> None:
    result = cli("list", "--db", "postgresql://nobody@127.0.0.1:1/casedesk")
    assert result.exit_code == 1
    assert "cannot connect to postgresql://nobody@127.0.0.1:1/casedesk" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("driver", ["libpq", "psycopg"])
def test_the_nag_that_cannot_reach_the_server_says_so_in_one_line(
    cli, driver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casedesk.store import libpq

    if driver == "psycopg":
        monkeypatch.setattr(libpq, "load", lambda: None)
    result = cli("nag", "--db", "postgresql://nobody:secret@127.0.0.1:1/casedesk")
    assert result.exit_code == 1
    assert result.stderr.startswith("casedesk: postgresql://nobody:***@127.0.0.1:1/casedesk: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "secret" not in result.stderr


def test_events_are_append_only_on_the_server(pg_url: str, clock) -> None:
    desk = Desk.open(paths.store_location(pg_url), "ann")
    desk.now = clock
    try:
        case = desk.new_case("Printer on fire", "Acme <ops@acme.example>")
        with pytest.raises(StoreError, match="events are immutable"):
            desk.store._execute("UPDATE events SET text = 'x' WHERE case_id = ?", (case.id,))
        with pytest.raises(StoreError, match="events are immutable"):
            desk.store._execute("DELETE FROM events WHERE case_id = ?", (case.id,))
    finally:
        desk.close()


def test_both_engines_have_the_same_migrations() -> None:
    """A migration added to schema.MIGRATIONS needs its PostgreSQL spelling in
    postgres_schema.MIGRATIONS (same position), or PostgreSQL stores fall behind."""
    from casedesk.store import schema

    assert len(postgres_schema.MIGRATIONS) == len(schema.MIGRATIONS)


def test_a_second_open_does_not_migrate_again(pg_url: str) -> None:
    location = paths.store_location(pg_url)
    Store.open(location).close()
    with Store.open(location) as store:
        assert store.conn.execute("SELECT version FROM casedesk_schema").fetchall()[0][0] == (
            postgres_schema.LATEST
        )


# -- moving a store between engines -----------------------------------------------------------

_MAIL = (
    b"From: Ann <ann@example.com>\r\nTo: help@example.com\r\nSubject: Printer offline\r\n"
    b"Message-ID: <first@example.com>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nIt says offline.\r\n--b\r\n"
    b'Content-Type: application/octet-stream; name="log.bin"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--b--\r\n"
)


def _busy_sqlite_store(desk, clock, cli, tmp_path: Path) -> None:
    from casedesk.core.model import Channel

    mail = tmp_path / "in.eml"
    mail.write_bytes(_MAIL)
    assert cli("import", str(mail)).exit_code == 0
    problem = desk.new_problem("Printer fault", "driver 4.1")
    for n in range(4):
        case = desk.new_case(f"C{n} <c{n}@example.com>", "Printer offline", "it is offline")
        desk.link_problem(case.id, problem.id)
        desk.add_subtask(case.id, "Update driver", team="it", assignee="bob")
        clock.advance(minutes=5)
    desk.tell(2, "fixed, «naïve» ünïcode ✓", Channel.PHONE)
    desk.note_customer("2", "call after 5")
    dup = desk.new_case("C0 again <c0b@example.com>", "dup")
    desk.merge_customers("2", str(desk.store.case(dup.id).customer_id))


def test_export_import_export_is_byte_identical_from_sqlite_to_postgres_and_back(
    desk, clock, cli, tmp_path: Path, pg_url: str
) -> None:
    _busy_sqlite_store(desk, clock, cli, tmp_path)
    first = tmp_path / "first.jsonl"
    assert cli("export", str(first)).exit_code == 0

    imported = cli("import", "--format", "jsonl", str(first), "--db", pg_url)
    assert imported.exit_code == 0, imported.stderr
    second = tmp_path / "second.jsonl"
    assert cli("export", str(second), "--db", pg_url).exit_code == 0
    assert second.read_text() == first.read_text()

    back = tmp_path / "back.db"
    assert cli("import", "--format", "jsonl", str(second), "--db", str(back)).exit_code == 0
    third = tmp_path / "third.jsonl"
    assert cli("export", str(third), "--db", str(back)).exit_code == 0
    assert third.read_text() == first.read_text()

    # The server store works on after the import: new rows get fresh ids, threading by
    # Message-ID still finds the case, checks are clean.
    assert json.loads(cli("check", "--json", "--db", pg_url).stdout)["clean"]
    new = json.loads(
        cli(
            "new", "--customer", "z@example.com", "--title", "later", "--json", "--db", pg_url
        ).stdout
    )
    assert new["id"] == 7
    reply = tmp_path / "reply.eml"
    reply.write_bytes(
        b"From: ann@example.com\r\nSubject: still offline\r\nMessage-ID: <second@example.com>\r\n"
        b"In-Reply-To: <first@example.com>\r\n\r\nStill offline.\r\n"
    )
    assert cli("import", str(reply), "--db", pg_url).exit_code == 0
    case = json.loads(cli("show", "1", "--json", "--db", pg_url).stdout)
    assert case["last_heard_from_customer"]["text"].startswith("Still offline")


# -- a server restart -------------------------------------------------------------------------


def test_after_a_server_restart_the_next_action_reconnects_and_is_done_once(
    pg_server, pg_url: str, clock
) -> None:
    desk = Desk.open(paths.store_location(pg_url), "ann")
    desk.now = clock
    try:
        case = desk.new_case("Acme <ops@acme.example>", "Printer on fire")
        pg_server.restart()
        desk.note(case.id, "after the restart")  # nothing was in flight: it just works
        texts = [e.text for e in desk.events(case.id)]
        assert texts.count("after the restart") == 1
    finally:
        desk.close()


def test_a_change_in_flight_when_the_server_goes_is_not_done_and_not_retried(
    pg_server, pg_url: str, clock
) -> None:
    from casedesk.store.postgres import ConnectionLost

    desk = Desk.open(paths.store_location(pg_url), "ann")
    desk.now = clock
    try:
        case = desk.new_case("Acme <ops@acme.example>", "Printer on fire")
        with (
            pytest.raises(ConnectionLost, match="was not done: try again"),
            desk.store.transaction(),
        ):
            desk.store.append_event(desk._event(case.id, EventKind.NOTE, "half a change"))
            pg_server.restart()
            desk.store.append_event(desk._event(case.id, EventKind.NOTE, "the other half"))
        texts = [e.text for e in desk.events(case.id)]  # connects again to read
        assert "half a change" not in texts and "the other half" not in texts
        desk.note(case.id, "tried again")
        assert [e.text for e in desk.events(case.id)].count("tried again") == 1
        assert desk.check().clean
    finally:
        desk.close()


def test_a_cli_loop_survives_a_server_restart(pg_server, pg_url: str, tmp_path: Path) -> None:
    """Notes added one CLI process each while the server restarts: each is acknowledged and
    stored once, or reported in one line and not stored; none is stored twice."""
    env = {**os.environ, "CASEDESK_DB": pg_url, "CASEDESK_AGENT": "ann"}
    run = [sys.executable, "-m", "casedesk"]
    subprocess.run(
        [*run, "new", "--customer", "a@example.com", "--title", "t"], env=env, check=True
    )
    loop = NoteLoop(pg_url, tmp_path, 20)
    time.sleep(2)
    pg_server.restart()
    loop.finish()
    shown = subprocess.run(
        [*run, "show", "1", "--json"], env=env, capture_output=True, text=True, check=True
    )
    loop.check([e["text"] for e in json.loads(shown.stdout)["events"]])


# -- live refresh -----------------------------------------------------------------------------


def test_the_listener_hears_each_commit_and_nothing_else(pg_url: str, clock) -> None:
    from casedesk.store.views import ChangeWatcher

    location = paths.store_location(pg_url)
    desk = Desk.open(location, "ann")
    desk.now = clock
    watcher = ChangeWatcher(location)
    try:
        assert not watcher.changed()  # nothing happened: no refresh, and no query was run
        other = Desk.open(location, "bob")
        other.now = clock
        case = other.new_case("Acme <ops@acme.example>", "Printer on fire")
        other.note(case.id, "one")
        other.note(case.id, "two")
        other.close()
        watcher.wait(5)
        time.sleep(0.5)  # let the other two arrive
        assert watcher.changed()
        assert not watcher.changed()  # the three commits are answered by one refresh
        desk.note(case.id, "our own change is heard too")
        watcher.wait(5)
        assert watcher.changed()
    finally:
        watcher.close()
        desk.close()


# -- moving a store in bulk, and the nag on the server -----------------------------------------


def _overdue_sqlite_store(desk, clock, cli) -> None:
    """Cases of ann, of bob and of nobody, some overdue, with words that need escaping."""
    for n in range(14):
        owner = ("ann", "bob", None)[n % 3]
        case = desk.new_case(f"Cüstomer {n} <c{n}@example.com>", f"Printer «{n}» offline")
        if owner:
            desk.assign(case.id, owner)
        clock.advance(hours=5)
    desk.tell(3, "looking into it", Channel.PHONE)
    clock.advance(days=4)


def _exported(desk, clock, cli, tmp_path: Path) -> Path:
    """That store's export, to import into a server store."""
    _overdue_sqlite_store(desk, clock, cli)
    dump = tmp_path / "d.jsonl"
    assert cli("export", str(dump)).exit_code == 0
    return dump


def _schema_objects(url: str) -> set[tuple[str, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        indexes = conn.execute(
            "SELECT indexname, regexp_replace(indexdef, ' ON \\w+\\.', ' ON ') FROM pg_indexes "
            "WHERE schemaname = current_schema()"
        ).fetchall()
        keys = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND connamespace = current_schema()::regnamespace"
        ).fetchall()
    # The report steps' tables are derived data the import folds after its load, not the schema.
    found = {tuple(row) for row in indexes} | {tuple(row) for row in keys}
    return {o for o in found if not o[0].startswith("report_")}


def test_a_bulk_import_leaves_every_index_and_foreign_key_as_a_new_store_has(
    desk, clock, cli, tmp_path: Path, pg_server, pg_url: str
) -> None:
    """The import drops the indexes and foreign keys to load by COPY; all come back."""
    dump = _exported(desk, clock, cli, tmp_path)
    fresh = pg_server.new_store()
    try:
        Store.open(paths.ServerStore(fresh)).close()
        expected = _schema_objects(fresh)
    finally:
        pg_server.drop_store(fresh)
    assert cli("import", "--format", "jsonl", str(dump), "--db", pg_url).exit_code == 0
    assert _schema_objects(pg_url) == expected
    assert len([o for o in expected if o[-1].startswith("FOREIGN KEY")]) >= 10
    # The foreign keys are checked again: a case's events cannot be orphaned.
    import psycopg

    with psycopg.connect(pg_url) as conn, pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute(
            "INSERT INTO mail_drafts(case_id, actor, created_at, text) "
            "VALUES (999, 'ann', 'x', 'y')"
        )


def test_a_bad_row_in_a_bulk_batch_is_named_by_its_line_and_nothing_stays(
    desk, clock, cli, tmp_path: Path, pg_url: str
) -> None:
    dump = _exported(desk, clock, cli, tmp_path)
    lines = dump.read_text().splitlines()
    last = max(n for n, line in enumerate(lines) if '"table": "events"' in line)
    event = json.loads(lines[last])
    event["row"]["id"] = 2  # a second event 2 (of the last case): only the server can tell
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines[: last + 1], json.dumps(event), *lines[last + 1 :]]))
    result = cli("import", "--format", "jsonl", str(bad), "--db", pg_url)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"casedesk: line {last + 2}: duplicate key"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with Store.open(paths.ServerStore(pg_url)) as store:
        assert store.counts() == {"customers": 0, "cases": 0, "events": 0}
    # The indexes dropped for the load came back with the rollback.
    assert cli("import", "--format", "jsonl", str(dump), "--db", pg_url).exit_code == 0
    assert cli("search", "printer", "--db", pg_url).exit_code == 0


@pytest.mark.parametrize("driver", ["libpq", "psycopg"])
@pytest.mark.parametrize("args", [[], ["--all"], ["--json"], ["--all", "--json", "--limit", "3"]])
def test_nag_says_the_same_on_both_engines(
    desk, clock, cli, tmp_path: Path, pg_url: str, args: list[str], driver: str, monkeypatch
) -> None:
    """Through libpq (ctypes), and through psycopg where no libpq can be loaded."""
    from casedesk.store import libpq

    if driver == "psycopg":
        monkeypatch.setattr(libpq, "load", lambda: None)
    else:
        assert libpq.load() is not None
    dump = _exported(desk, clock, cli, tmp_path)
    assert cli("import", "--format", "jsonl", str(dump), "--db", pg_url).exit_code == 0
    on_sqlite = cli("nag", *args)
    on_server = cli("nag", *args, "--db", pg_url)
    assert on_sqlite.exit_code == on_server.exit_code == 0
    assert "overdue" in on_sqlite.stdout
    assert on_server.stdout == on_sqlite.stdout


def test_demo_on_a_url_says_how_to_move_one_there_and_makes_no_folder(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("demo", "--db", "postgresql://ann:secret@db.example/casedesk", "--no-open")
    assert result.exit_code == 1
    assert "casedesk import --format jsonl" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "secret" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_export_reads_the_events_through_a_server_side_cursor(
    desk, clock, cli, tmp_path: Path, pg_url: str
) -> None:
    """Millions of events are never held in memory at once: they come a few thousand at a time."""
    from casedesk.store.portable import export_lines

    dump = _exported(desk, clock, cli, tmp_path)
    assert cli("import", "--format", "jsonl", str(dump), "--db", pg_url).exit_code == 0
    with Store.open(paths.ServerStore(pg_url)) as store, store.snapshot():
        lines = export_lines(store)
        for line in lines:
            if '"table": "events"' in line:
                break
        cursors = store.conn.execute("SELECT name FROM pg_cursors").fetchall()
        assert [row[0] for row in cursors] == ["casedesk_export"]
        lines.close()


def test_a_bulk_import_shows_its_progress_on_a_terminal_only(
    desk, clock, cli, tmp_path: Path, pg_server, pg_url: str
) -> None:
    dump = _exported(desk, clock, cli, tmp_path)
    code, shown, _ = on_a_terminal(
        ["import", "--format", "jsonl", str(dump), "--db", pg_url], dict(os.environ), "stderr"
    )
    assert code == 0, shown
    assert b"reading the export" in shown and b"building indexes" in shown
    second = pg_server.new_store()
    try:
        piped = cli("import", "--format", "jsonl", str(dump), "--db", second)
        assert piped.exit_code == 0 and "building indexes" not in piped.stderr
    finally:
        pg_server.drop_store(second)
