"""Looking after the store: check and repair, export/import round trip, restore, shared set-up."""

from __future__ import annotations

import grp
import json
import os
import uuid

import pytest

from casedesk.cli.admin import import_jsonl
from casedesk.core.errors import Refused, StoreError
from casedesk.core.model import Channel, Status
from casedesk.desk.desk import Desk
from casedesk.store import Store
from casedesk.store.shared import init_shared

pytestmark = pytest.mark.both_engines


def _fill(desk, clock, cases: int = 6) -> None:
    for n in range(cases):
        case = desk.new_case(f"Customer {n} <c{n}@example.com>", f"Problem {n}", f"story {n}")
        clock.advance(minutes=10)
        desk.tell(case.id, f"on it {n}", Channel.PHONE)
        if n % 2:
            desk.heard(case.id, "any news? [bold]é[/] \x1b[31m", Channel.EMAIL)
        if n % 3 == 0:
            desk.resolve(case.id, "fixed")
            desk.tell(case.id, "fixed!", Channel.EMAIL)
            desk.close_case(case.id)
        clock.advance(minutes=5)


def test_check_is_clean_on_a_healthy_store(desk, clock, cli):
    _fill(desk, clock)
    result = cli("check", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["clean"] and report["cases"] == 6 and report["events"] > 12


def _tamper(desk, *statements: str) -> None:
    """Change the case rows behind casedesk's back (foreign keys off), on either engine."""
    conn = desk.store.conn
    if desk.store.engine == "postgres":
        conn.execute("SET session_replication_role = replica")
        for statement in statements:
            conn.execute(statement)
        conn.execute("SET session_replication_role = DEFAULT")
    else:
        conn.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            conn.execute(statement)
        conn.execute("PRAGMA foreign_keys = ON")


def test_check_finds_a_projection_that_differs_from_its_events_and_repair_fixes_it(
    desk, clock, cli, db_path
):
    _fill(desk, clock)
    _tamper(
        desk,
        "UPDATE cases SET status = 'closed', owner = 'mallory' WHERE id = 2",
        "UPDATE cases SET due_at = NULL WHERE id = 5",
    )

    result = cli("check")
    assert result.exit_code == 1
    assert "case #2: status, owner in the case row differ from its events" in result.stderr
    assert "case #5: due time in the case row differ" in result.stderr

    repaired = cli("check", "--repair")
    assert repaired.exit_code == 0, repaired.stderr
    assert "2 cases rebuilt" in repaired.stderr
    assert json.loads(cli("check", "--json").stdout)["clean"]
    assert json.loads(cli("show", "2", "--json").stdout)["owner"] is None


def test_check_reports_a_case_row_that_went_missing(desk, clock, cli, db_path):
    _fill(desk, clock, cases=2)
    _tamper(desk, "DELETE FROM cases WHERE id = 2")
    assert "case #2 has events but no case row" in cli("check").stderr
    assert cli("check", "--repair").exit_code == 0
    assert cli("show", "2").exit_code == 0


def test_export_import_export_is_identical(desk, clock, cli, tmp_path):
    _fill(desk, clock)
    first = tmp_path / "first.jsonl"
    assert cli("export", str(first)).exit_code == 0
    lines = first.read_text().splitlines()
    assert json.loads(lines[0])["casedesk_export"] == 1
    tables = {json.loads(line)["table"] for line in lines[1:]}
    assert {"customers", "agents", "events"} <= tables

    fresh = tmp_path / "fresh.db"
    counts = import_jsonl(first, fresh, "ann")
    assert counts["events"] == sum(1 for line in lines if '"table": "events"' in line)
    second = tmp_path / "second.jsonl"
    assert cli("export", str(second), "--db", str(fresh)).exit_code == 0
    assert second.read_text() == first.read_text()
    with Store.open(fresh) as store:
        assert store.case(2).inbound_text == "any news? [bold]é[/] \x1b[31m"
    assert json.loads(cli("check", "--json", "--db", str(fresh)).stdout)["clean"]


def test_import_refuses_a_store_that_has_cases(desk, clock, cli, tmp_path, db_path):
    _fill(desk, clock, cases=1)
    dump = tmp_path / "dump.jsonl"
    cli("export", str(dump))
    with pytest.raises(Refused, match="already has cases"):
        import_jsonl(dump, db_path, "ann")


def test_import_of_a_broken_file_changes_nothing(desk, clock, cli, tmp_path):
    _fill(desk, clock, cases=2)
    dump = tmp_path / "dump.jsonl"
    cli("export", str(dump))
    broken = tmp_path / "broken.jsonl"
    broken.write_text(dump.read_text()[:-40] + "\n{not json\n")
    target = tmp_path / "target.db"
    with pytest.raises(Exception, match="not JSON"):
        import_jsonl(broken, target, "ann")
    with Store.open(target) as store:
        assert store.counts() == {"customers": 0, "cases": 0, "events": 0}


@pytest.mark.sqlite_only(reason="a PostgreSQL store is restored with pg_restore or import")
def test_restore_brings_a_backup_back_and_keeps_the_current_store(
    desk, clock, cli, tmp_path, db_path
):
    _fill(desk, clock, cases=2)
    backup = tmp_path / "b.db"
    assert cli("backup", str(backup)).exit_code == 0
    clock.advance(hours=1)
    desk.new_case("late@example.com", "after the backup")

    refused = cli("restore", str(backup))
    assert refused.exit_code == 1 and "--force" in refused.stderr

    done = cli("restore", str(backup), "--force")
    assert done.exit_code == 0, done.stderr
    assert [c["id"] for c in json.loads(cli("list", "--json", "--limit", "0").stdout)] != []
    assert cli("show", "3").exit_code == 1
    kept = list(db_path.parent.glob("casedesk.before-restore-*.db"))
    assert len(kept) == 1
    with Store.open(kept[0]) as old:
        assert old.case(3).title == "after the backup"


def test_restore_refuses_a_damaged_backup(cli, tmp_path, desk):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"nope" * 1000)
    result = cli("restore", str(bad))
    assert result.exit_code == 1 and "not a casedesk store" in result.stderr


def test_store_path_from_the_user_config(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("CASEDESK_DB")
    config = tmp_path / "xdg-config" / "casedesk" / "config.toml"
    config.parent.mkdir(parents=True)
    shared = tmp_path / "shared" / "team.db"
    config.write_text(f'[store]\npath = "{shared}"\n')
    assert cli("new", "--customer", "a@example.com", "--title", "t").exit_code == 0
    assert shared.exists()


@pytest.fixture
def unix_group():
    """A throwaway Unix group (tests run as root on CI)."""
    if os.geteuid() != 0:
        pytest.skip("creating groups and users needs root")
    name = f"cd{uuid.uuid4().hex[:8]}"
    assert os.system(f"groupadd {name}") == 0
    yield name
    os.system(f"groupdel {name} 2>/dev/null")


def test_init_shared_makes_a_group_writable_store(unix_group, tmp_path, cli):
    folder = tmp_path / "team"
    result = cli("init", "--shared", str(folder), "--group", unix_group)
    assert result.exit_code == 0, result.stderr
    path = folder / "casedesk.db"
    gid = grp.getgrnam(unix_group).gr_gid
    assert folder.stat().st_gid == gid and folder.stat().st_mode & 0o7777 == 0o2770
    for part in (path, path.with_name("casedesk.db-wal"), path.with_name("casedesk.db-shm")):
        if part.exists():
            assert part.stat().st_gid == gid
            assert part.stat().st_mode & 0o660 == 0o660, part
    assert f"export CASEDESK_DB={path}" in result.stderr


def test_init_shared_with_an_unknown_group_is_one_line(cli, tmp_path):
    result = cli("init", "--shared", str(tmp_path / "x"), "--group", "no-such-group-xyz")
    assert result.exit_code == 1
    assert "no Unix group 'no-such-group-xyz'" in result.stderr


def test_init_shared_refuses_nothing_it_can_do(unix_group, tmp_path):
    path = init_shared(tmp_path / "store.db", unix_group)
    assert path == tmp_path / "store.db"
    with Store.open(path) as store:
        assert store.counts()["cases"] == 0


def test_a_user_without_access_gets_one_clear_line(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere; covered by the two-users test")
    path = tmp_path / "ro" / "casedesk.db"
    path.parent.mkdir()
    Store.open(path).close()
    path.chmod(0o444)
    with pytest.raises(StoreError, match="you cannot write to"):
        Store.open(path)


def test_status_waiting_survives_the_round_trip(desk, clock, tmp_path, cli):
    case = desk.new_case("a@example.com", "t", owner="ann")
    desk.tell(case.id, "send a photo?", Channel.EMAIL)
    desk.set_status(case.id, Status.WAITING_CUSTOMER)
    dump = tmp_path / "d.jsonl"
    cli("export", str(dump))
    fresh = tmp_path / "f.db"
    import_jsonl(dump, fresh, "ann")
    with Store.open(fresh) as store:
        state = store.case(case.id)
        assert state.status is Status.WAITING_CUSTOMER
        assert state == desk.store.case(case.id)


def test_presence_warns_of_another_agent_on_the_case_or_writing_to_its_customer(desk, clock):
    from casedesk.desk.desk import Desk

    one = desk.new_case("Ann <ann@example.com>", "printer")
    two = desk.new_case("ann@example.com", "laptop")
    bob = Desk(desk.store, desk.policy, "bob", clock)
    assert desk.collision_warning(one.id) is None

    bob.announce(one.id, "viewing")
    assert desk.collision_warning(one.id) == "bob has this case open"
    assert desk.collision_warning(two.id) is None  # viewing another case of hers is fine
    assert bob.collision_warning(one.id) is None  # never warned about oneself

    bob.announce(two.id, "composing")
    assert desk.collision_warning(one.id) == (
        "bob is writing to this customer (on #2); bob has this case open"
    )
    clock.advance(seconds=31)  # no heartbeat: the marks expire by themselves
    assert desk.collision_warning(one.id) is None

    bob.announce(one.id, "composing")
    bob.leave()
    assert desk.collision_warning(one.id) is None


def test_mail_tables_survive_the_round_trip(cli, tmp_path):
    """Messages, attachments and their blobs travel with the events, so threading by
    Message-ID still works after an import."""
    mail = tmp_path / "in.eml"
    mail.write_bytes(
        b"From: Ann <ann@example.com>\r\nTo: help@example.com\r\nSubject: Printer offline\r\n"
        b"Message-ID: <first@example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nIt says offline.\r\n--b\r\n"
        b'Content-Type: application/octet-stream; name="log.bin"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--b--\r\n"
    )
    assert cli("import", str(mail)).exit_code == 0
    dump = tmp_path / "d.jsonl"
    assert cli("export", str(dump)).exit_code == 0
    tables = {json.loads(line).get("table") for line in dump.read_text().splitlines()}
    assert {"mail_messages", "mail_attachments", "mail_blobs"} <= tables

    fresh = tmp_path / "fresh.db"
    assert cli("import", "--format", "jsonl", str(dump), "--db", str(fresh)).exit_code == 0
    again = tmp_path / "again.jsonl"
    assert cli("export", str(again), "--db", str(fresh)).exit_code == 0
    assert again.read_text() == dump.read_text()

    reply = tmp_path / "reply.eml"
    reply.write_bytes(
        b"From: ann@example.com\r\nSubject: still offline\r\nMessage-ID: <second@example.com>\r\n"
        b"In-Reply-To: <first@example.com>\r\n\r\nStill offline.\r\n"
    )
    assert cli("import", str(reply), "--db", str(fresh)).exit_code == 0
    case = json.loads(cli("show", "1", "--json", "--db", str(fresh)).stdout)
    assert case["last_heard_from_customer"]["text"].startswith("Still offline")


@pytest.mark.sqlite_only(reason="reports on PostgreSQL are not written yet")
def test_the_reports_derived_tables_are_not_exported(desk, clock, cli, tmp_path):
    _fill(desk, clock, cases=2)
    assert cli("report", "--json").exit_code == 0  # builds the report's derived tables
    dump = tmp_path / "d.jsonl"
    assert cli("export", str(dump)).exit_code == 0
    tables = {json.loads(line).get("table") for line in dump.read_text().splitlines()}
    assert not {"report_steps", "report_latest"} & tables
    fresh = tmp_path / "fresh.db"
    assert cli("import", "--format", "jsonl", str(dump), "--db", str(fresh)).exit_code == 0


def test_one_consoles_screens_never_warn_about_each_other(desk, clock):
    from casedesk.desk.desk import Desk

    case = desk.new_case("ann@example.com", "printer")
    compose = Desk(desk.store, desk.policy, "ann", clock, session=desk.session)
    desk.announce(case.id, "viewing")
    compose.announce(case.id, "composing")
    assert desk.collision_warning(case.id) is None
    assert compose.collision_warning(case.id) is None
    other = Desk(desk.store, desk.policy, "bob", clock)
    assert (
        other.collision_warning(case.id)
        == "ann is writing to this customer; ann has this case open"
    )
    compose.leave(case.id, "composing")
    assert other.collision_warning(case.id) == "ann has this case open"
    desk.leave()
    assert other.collision_warning(case.id) is None


@pytest.mark.sqlite_only(reason="reports run on SQLite only in this round")
def test_an_import_folds_the_report_figures_so_the_first_report_has_nothing_to_fold(
    desk, clock, cli, tmp_path, monkeypatch
):
    from casedesk.store import reports

    _fill(desk, clock)
    # Writes fold at most KEEP_LIMIT cases themselves; an import of more leaves them to us.
    monkeypatch.setattr(reports, "KEEP_LIMIT", 2)
    dump = tmp_path / "d.jsonl"
    assert cli("export", str(dump)).exit_code == 0
    fresh = tmp_path / "fresh.db"
    import_jsonl(dump, fresh, "ann")
    imported = Desk.open(fresh, "ann")
    try:
        assert reports.update_steps(imported.store, imported.policy) == 0
    finally:
        imported.close()
    assert cli("report", "--json", "--db", str(fresh)).exit_code == 0
