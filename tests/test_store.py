"""The store file: settings, migrations, immutability, and what happens to bad files."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest

from casedesk.core.errors import CaseNotFound, Conflict, Refused, StoreError
from casedesk.core.model import Channel, Status
from casedesk.desk.desk import Desk
from casedesk.store import Store, schema
from old_stores import store_at


def test_a_new_store_uses_wal_foreign_keys_and_a_busy_timeout(db_path):
    with Store.open(db_path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert schema.version(store.conn) == schema.LATEST


def test_every_change_appends_an_event_and_updates_the_projection_together(desk):
    case = desk.new_case("Ann <ann@example.com>", "Printer offline", "It says offline")
    desk.note(case.id, "checked cables")
    desk.tell(case.id, "On it", Channel.PHONE)
    events = desk.events(case.id)
    assert [e.kind.value for e in events] == ["created", "note", "told"]
    stored = desk.store.case(case.id)
    assert stored.version == 3
    assert stored == desk.replayed(case.id)


def test_events_cannot_be_edited_or_deleted(desk):
    desk.new_case("Ann <ann@example.com>", "t")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        desk.store.conn.execute("UPDATE events SET text = 'rewritten'")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        desk.store.conn.execute("DELETE FROM events")


def test_a_failed_action_leaves_no_half_applied_change(desk):
    case = desk.new_case("Ann <ann@example.com>", "t")
    desk.resolve(case.id, "fixed")
    with pytest.raises(Refused, match="cannot be closed"):
        desk.close_case(case.id)
    assert len(desk.events(case.id)) == 2
    assert desk.store.case(case.id).status is Status.RESOLVED


def test_customers_are_found_by_address_whatever_its_case(desk):
    first = desk.new_case("Ann Smith <Ann@Example.com>", "one")
    second = desk.new_case("ann@example.COM", "two")
    assert first.customer_id == second.customer_id
    assert desk.store.find_customer("ANN@example.com").name == "Ann Smith"


def test_unknown_case_ids_are_a_clear_error(desk):
    with pytest.raises(CaseNotFound, match="no case #42"):
        desk.note(42, "hello")


def test_a_store_made_at_version_1_is_migrated_with_its_data_kept(db_path):
    conn = store_at(db_path, 1)
    assert schema.version(conn) == 1
    conn.close()

    with Store.open(db_path) as store:
        assert schema.version(store.conn) == schema.LATEST
        assert store.case(1).title == "Laptop battery swollen"
        assert [hit[0] for hit in store.search("bulging")] == [1]
        assert [hit[0] for hit in store.search("swollen")] == [1]
        assert "bob" in store.agents()


def test_a_store_from_a_newer_casedesk_is_refused(db_path):
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer casedesk"):
        Store.open(db_path)


def test_a_file_that_is_not_a_store_is_named_and_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"notes\.db is not a casedesk store"):
        Store.open(path)
    assert path.read_bytes() == before


def test_a_truncated_store_is_a_clear_error(db_path, cli):
    assert cli("new", "--customer", "a@example.com", "--title", "t").exit_code == 0
    data = db_path.read_bytes()
    for suffix in ("-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    db_path.write_bytes(data[:1024] + b"\0garbage" * 512)
    result = cli("list")
    assert result.exit_code == 1
    assert str(db_path) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_unwritable_folder_is_one_clear_line(tmp_path, cli):
    if subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() == "0":
        target = tmp_path / "no-such-dir" / "x"
        target.parent.write_text("a file where the folder should be")
        path = target / "casedesk.db"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        path = locked / "sub" / "casedesk.db"
    result = cli("list", "--db", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("casedesk: cannot create the folder for")
    assert "Traceback" not in result.stderr


def test_a_locked_store_waits_then_succeeds(db_path, desk):
    case = desk.new_case("a@example.com", "t")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    script = (
        "import sys; from casedesk.entry import main; "
        f"main(['note', '{case.id}', 'written while locked', '--db', r'{db_path}'])"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    holder.execute("COMMIT")
    holder.close()
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    assert [e.text for e in desk.events(case.id)][-1] == "written while locked"


def test_backup_is_a_consistent_openable_copy(desk, tmp_path):
    for n in range(5):
        desk.new_case(f"c{n}@example.com", f"case {n}")
    target = tmp_path / "backup.db"
    desk.store.backup(target)
    with Store.open(target) as copy:
        assert copy.counts() == desk.store.counts()
        assert copy.integrity_problems() == []


def test_search_finds_cases_by_any_event_text_title_or_customer(desk):
    a = desk.new_case("Greta Müller <greta@example.com>", "Printer offline")
    b = desk.new_case("bob@example.com", "VPN drops")
    desk.note(b.id, "Router firmware 4.2 is the culprit")
    assert [i for i, _ in desk.store.search("firmware")] == [b.id]
    assert [i for i, _ in desk.store.search("printer")] == [a.id]
    assert [i for i, _ in desk.store.search("muller")] == [a.id]  # diacritics folded


def test_open_desk_reopens_a_closed_case_when_the_customer_gets_in_touch(desk):
    case = desk.new_case("a@example.com", "t")
    desk.resolve(case.id, "fixed")
    desk.tell(case.id, "fixed it", Channel.PHONE)
    desk.close_case(case.id)
    state = desk.heard(case.id, "it broke again", Channel.PHONE)
    assert state.status is Status.OPEN
    assert [e.kind.value for e in desk.events(case.id)][-2:] == ["reopened", "inbound"]


def test_a_reply_while_waiting_on_the_customer_puts_the_case_back_to_open(desk):
    case = desk.new_case("a@example.com", "t", owner="ann")
    desk.tell(case.id, "please send a photo", Channel.EMAIL)
    desk.set_status(case.id, Status.WAITING_CUSTOMER)
    state = desk.heard(case.id, "here it is", Channel.EMAIL)
    assert state.status is Status.OPEN


def test_a_stale_version_is_refused_with_who_changed_what(desk, clock):
    case = desk.new_case("a@example.com", "t", owner="ann")
    seen = desk.store.case(case.id).version
    other = Desk(desk.store, desk.policy, "bob", clock)
    other.set_status(case.id, Status.WAITING_CUSTOMER)
    clock.advance(seconds=40)
    with pytest.raises(
        Conflict, match=r"changed by bob 40s ago \(status open → waiting-customer\)"
    ):
        desk.assign(case.id, "chris", expected_version=seen)
    assert desk.store.case(case.id).owner == "ann"
