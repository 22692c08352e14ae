"""Every event records the OS account that wrote it beside the agent it claims to be (--as and
CASEDESK_AGENT choose the agent freely), shown where they differ (issue 11, defect 7)."""

from __future__ import annotations

import json
import pwd
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casedesk.core.describe import signed
from casedesk.core.identity import os_login
from casedesk.core.model import Event, EventKind
from casedesk.desk.desk import Desk
from casedesk.store import Store, schema
from casedesk.store.shared import init_shared
from casedesk.widgets.render import event_head

pytestmark = pytest.mark.both_engines


@pytest.fixture
def shared(two_users):
    group, users = two_users
    base = Path(tempfile.mkdtemp(prefix="casedesk-login-", dir="/tmp"))
    base.chmod(0o755)
    path = init_shared(base / "team", group)
    desk = Desk.open(path, "seed")
    desk.new_case("a@example.com", "shared case")
    desk.close()
    yield path, users
    shutil.rmtree(base, ignore_errors=True)


def test_an_agent_acting_as_another_is_recorded_with_their_os_login(shared, cli_as, tmp_path):
    path, (mallory, bob) = shared
    assert cli_as(mallory, "--db", str(path), "--as", bob, "note", "1", "it was bob").exit_code == 0
    assert cli_as(bob, "--db", str(path), "--as", bob, "note", "1", "really bob").exit_code == 0

    shown = json.loads(cli_as(bob, "--db", str(path), "show", "1", "--json").stdout)
    notes = [e for e in shown["events"] if e["kind"] == "note"]
    assert [(e["actor"], e["os_user"]) for e in notes] == [(bob, mallory), (bob, bob)]

    text = cli_as(bob, "--db", str(path), "show", "1").stdout
    assert text.count(f"by {bob} (login {mallory})") == 1
    assert text.count(f"by {bob} (login") == 1  # bob's own note: no login shown


def test_the_os_login_survives_export_and_import(shared, cli_as, cli, tmp_path):
    path, (mallory, bob) = shared
    assert cli_as(mallory, "--db", str(path), "--as", bob, "note", "1", "x").exit_code == 0
    dump = tmp_path / "dump.jsonl"
    assert cli("--db", str(path), "export", str(dump)).exit_code == 0
    rows = [json.loads(line)["row"] for line in dump.read_text().splitlines()[1:]]
    assert {"actor": bob, "os_user": mallory}.items() <= next(
        row for row in rows if row.get("text") == "x"
    ).items()
    fresh = tmp_path / "fresh.db"
    assert cli("--db", str(fresh), "import", "--format", "jsonl", str(dump)).exit_code == 0
    with Store.open(fresh) as store:
        note = store.events(1)[-1]
    assert (note.actor, note.os_user) == (bob, mallory)


def test_the_login_is_the_real_user_not_what_the_environment_claims(monkeypatch):
    monkeypatch.setenv("USER", "somebody-else")
    monkeypatch.setenv("LOGNAME", "somebody-else")
    import os

    assert os_login() == pwd.getpwuid(os.getuid()).pw_name


def test_the_console_timeline_shows_the_login_only_when_it_differs():
    at = datetime(2026, 11, 23, 9, tzinfo=UTC)
    claimed = Event(1, at, "bob", EventKind.NOTE, text="x", os_user="mallory")
    honest = Event(1, at, "bob", EventKind.NOTE, text="x", os_user="bob")
    older = Event(1, at, "bob", EventKind.NOTE, text="x")
    assert "bob (login mallory)" in event_head(claimed, at).plain
    assert "login" not in event_head(honest, at).plain
    assert "login" not in event_head(older, at).plain
    assert (
        signed(Event(1, at, "bob", EventKind.NOTE, os_user="\x1b[31mx")) == "bob (login \\x1b[31mx)"
    )


@pytest.mark.sqlite_only(reason="builds an old SQLite file by hand")
def test_a_store_from_before_keeps_its_events_with_no_login(db_path):
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    schema.migrate(conn, target=7)  # 8 added the login
    conn.executescript("""
        INSERT INTO customers(id, name, email, created_at)
            VALUES (1, 'Ann', 'ann@example.com', '2026-01-01T00:00:00+00:00');
        INSERT INTO cases(id, title, customer_id, status, priority, urgency, channel,
                          created_at, updated_at, version)
            VALUES (1, 'Old', 1, 'new', 'normal', 'normal', 'email',
                    '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 1);
        INSERT INTO events(case_id, at, actor, kind, channel, text, data)
            VALUES (1, '2026-01-01T00:00:00+00:00', 'bob', 'created', 'email', '',
                    '{"title": "Old", "customer_id": 1}');
    """)
    conn.close()
    desk = Desk.open(db_path, "carol")
    desk.note(1, "after the upgrade")
    events = desk.store.events(1)
    desk.close()
    assert [e.os_user for e in events] == [None, os_login()]
