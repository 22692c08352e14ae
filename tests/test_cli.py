"""The CLI contract: exit codes, --help everywhere, --json shapes, untrusted text, fast nag."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casedesk.cli import VERB_MODULES, full_app
from casedesk.store import Store
from terminal import on_a_terminal

pytestmark = pytest.mark.both_engines

HOSTILE = "Help [bold red]NOW[/] \x1b[2J\x1b]0;pwned\x07 beep\x07 back\rspace"


def _verbs() -> list[list[str]]:
    import typer.main

    group = typer.main.get_command(full_app())
    verbs = [[name] for name in group.commands]  # type: ignore[attr-defined]
    verbs += [["customer", "show"]]
    return verbs


@pytest.mark.parametrize("verb", _verbs(), ids=lambda v: " ".join(v))
def test_every_verb_has_help(cli, verb):
    result = cli(*verb, "--help")
    assert result.exit_code == 0, result.stderr
    assert "Usage: casedesk" in result.stdout


def test_top_level_help_lists_the_verbs(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for verb in ("new", "list", "show", "tell", "nag", "search", "demo", "backup"):
        assert f"  {verb} " in result.stdout


def test_unknown_case_is_exit_1_with_one_line(cli, desk):
    result = cli("show", "123")
    assert result.exit_code == 1
    assert result.stderr == "casedesk: no case #123\n"


def test_usage_errors_are_exit_2_and_list_the_choices(cli):
    result = cli("new", "--customer", "a@example.com", "--title", "t", "--priority", "meh")
    assert result.exit_code == 2
    assert "'low', 'normal', 'high', 'urgent'" in result.stderr
    assert cli("status", "1", "resolved").exit_code == 2
    assert cli("bogus-verb").exit_code == 2


def test_bad_when_says_what_it_accepts(cli):
    cli("new", "--customer", "a@example.com", "--title", "t")
    result = cli("tell", "1", "hi", "--promise", "someday")
    assert result.exit_code == 1
    assert "+4h" in result.stderr and "tomorrow 9:00" in result.stderr
    assert cli("show", "1", "--json").stdout.count('"kind": "told"') == 0


def test_bad_customer_address_is_refused(cli):
    result = cli("new", "--customer", "Ann <not an address@>", "--title", "t")
    assert result.exit_code == 1
    assert "Name <email@example.com>" in result.stderr


def test_show_json_has_the_documented_shape(cli, clock):
    cli(
        "new",
        "--customer",
        "Ann Smith <ann@example.com>",
        "--title",
        "Printer",
        "--urgency",
        "critical",
        "--channel",
        "phone",
    )
    clock.advance(minutes=5)
    cli("tell", "1", "Coming at 2", "--channel", "phone")
    case = json.loads(cli("show", "1", "--json").stdout)
    for key in (
        "id",
        "title",
        "status",
        "priority",
        "urgency",
        "owner",
        "customer",
        "created_at",
        "last_told",
        "last_heard_from_customer",
        "next_due",
        "overdue",
        "events",
    ):
        assert key in case
    assert case["customer"] == {"id": 1, "name": "Ann Smith", "email": "ann@example.com"}
    assert case["urgency"] == "critical"
    assert case["created_at"].endswith("+00:00")
    assert set(case["events"][0]) >= {"at", "actor", "kind", "channel", "text"}
    assert case["next_due"]["at"] == "2026-11-24T21:05:00+00:00"  # 72h halved for critical


def test_new_json_prints_the_case_and_list_json_is_an_array(cli):
    created = json.loads(cli("new", "--customer", "a@example.com", "--title", "t", "--json").stdout)
    assert created["id"] == 1 and created["status"] == "new"
    listed = json.loads(cli("list", "--json").stdout)
    assert [c["id"] for c in listed] == [1]


def test_list_is_overdue_first_then_by_due_time(cli, clock):
    cli("new", "--customer", "a@example.com", "--title", "low", "--priority", "low")
    cli("new", "--customer", "b@example.com", "--title", "urgent", "--priority", "urgent")
    cli("new", "--customer", "c@example.com", "--title", "normal")
    clock.advance(hours=2)
    ids = [c["id"] for c in json.loads(cli("list", "--json").stdout)]
    assert ids == [2, 3, 1]
    overdue = json.loads(cli("list", "--overdue", "--json").stdout)
    assert [c["id"] for c in overdue] == [2]


def test_list_filters_by_status_and_owner(cli):
    cli("new", "--customer", "a@example.com", "--title", "a", "--owner", "bob")
    cli("new", "--customer", "b@example.com", "--title", "b")
    cli("status", "1", "waiting-customer")
    assert [c["id"] for c in json.loads(cli("list", "--owner", "bob", "--json").stdout)] == [1]
    waiting = json.loads(cli("list", "--status", "waiting-customer", "--json").stdout)
    assert [c["id"] for c in waiting] == [1]


def test_customer_text_is_shown_literally_never_as_markup_or_escapes(cli):
    cli("new", "--customer", "[red]Eve[/] <eve@example.com>", "--title", HOSTILE, "--body", HOSTILE)
    cli("heard", "1", HOSTILE)
    for args in (["show", "1"], ["list"], ["search", "beep"], ["customer", "show", "1"]):
        out = cli(*args).stdout
        assert "\x1b" not in out and "\x07" not in out and "\r" not in out, args
        assert "[bold red]NOW[/]" in out or "[bold red]NOW" in out, args
    assert "[red]Eve[/]" in cli("show", "1").stdout


def test_nag_never_prints_raw_control_characters(cli, clock):
    cli("new", "--customer", "Eve\x1b[31m <eve@example.com>", "--title", "x", "--owner", "ann")
    clock.advance(days=2)
    out = cli("nag").stdout
    assert "#1" in out and "\x1b" not in out


def test_search_syntax_errors_are_a_clear_message(cli):
    cli("new", "--customer", "a@example.com", "--title", "printer")
    result = cli("search", 'printer"')
    assert result.exit_code == 1
    assert result.stderr.startswith("casedesk: cannot search for")
    assert "Traceback" not in result.stderr
    hits = json.loads(cli("search", "print*", "--json").stdout)
    assert [h["id"] for h in hits] == [1]


def test_customer_show_lists_every_case(cli):
    cli("new", "--customer", "Ann <ann@example.com>", "--title", "one")
    cli("new", "--customer", "ann@EXAMPLE.com", "--title", "two")
    data = json.loads(cli("customer", "show", "ann@example.com", "--json").stdout)
    assert data["name"] == "Ann" and [c["title"] for c in data["cases"]] == ["one", "two"]
    assert cli("customer", "show", "nobody@example.com").exit_code == 1


def test_counts_of_one_are_singular(cli):
    cli("new", "--customer", "Ann <ann@example.com>", "--title", "one")
    assert "Timeline (1 event):" in cli("show", "1").stdout
    assert "1 case, 1 not closed" in cli("customer", "show", "ann@example.com").stdout
    cli("note", "1", "a second event")
    assert "Timeline (2 events):" in cli("show", "1").stdout


def test_assign_me_and_nobody(cli):
    cli("new", "--customer", "a@example.com", "--title", "t")
    assert cli("assign", "1", "me").exit_code == 0
    assert json.loads(cli("show", "1", "--json").stdout)["owner"] == "ann"
    assert cli("assign", "1", "me").exit_code == 1  # already
    assert cli("assign", "1", "nobody").exit_code == 0
    assert json.loads(cli("show", "1", "--json").stdout)["owner"] is None


def test_stale_if_version_is_refused(cli):
    cli("new", "--customer", "a@example.com", "--title", "t")
    cli("note", "1", "bumps the version")
    result = cli("status", "1", "waiting-customer", "--if-version", "1")
    assert result.exit_code == 1
    assert "was changed by ann" in result.stderr


def test_close_with_override_reason_is_recorded(cli):
    cli("new", "--customer", "a@example.com", "--title", "spam")
    assert cli("close", "1").exit_code == 1
    assert cli("close", "1", "--override-reason", "spam, no customer").exit_code == 0
    events = json.loads(cli("show", "1", "--json").stdout)["events"]
    assert events[-1]["data"]["override_reason"] == "spam, no customer"


def test_reopen(cli):
    cli("new", "--customer", "a@example.com", "--title", "t")
    assert cli("reopen", "1").exit_code == 1
    cli("resolve", "1", "--summary", "done")
    assert cli("reopen", "1", "--reason", "came back").exit_code == 0
    assert json.loads(cli("show", "1", "--json").stdout)["status"] == "open"


def test_agent_identity_from_as_then_env(cli, monkeypatch):
    cli("new", "--customer", "a@example.com", "--title", "t", "--as", "chris")
    monkeypatch.setenv("CASEDESK_AGENT", "dana")
    cli("note", "1", "hi")
    actors = [e["actor"] for e in json.loads(cli("show", "1", "--json").stdout)["events"]]
    assert actors == ["chris", "dana"]


@pytest.mark.sqlite_only(
    reason="a PostgreSQL store is backed up with pg_dump (test_postgres covers the refusal)"
)
def test_backup_writes_a_copy_and_refuses_to_overwrite(cli, tmp_path):
    cli("new", "--customer", "a@example.com", "--title", "t")
    target = tmp_path / "copy.db"
    assert cli("backup", str(target)).exit_code == 0
    with Store.open(target) as copy:
        assert copy.counts()["cases"] == 1
    again = cli("backup", str(target))
    assert again.exit_code == 1 and "--force" in again.stderr
    assert cli("backup", str(target), "--force").exit_code == 0


@pytest.mark.sqlite_only(reason="the demo is a SQLite file")
def test_demo_builds_its_own_store_with_every_state(cli, tmp_path, db_path):
    target = tmp_path / "demo.db"
    result = cli("demo", "--db", str(target), "--cases", "400", "--no-open")
    assert result.exit_code == 0, result.stderr
    assert not db_path.exists()  # never the user's store
    cases = json.loads(
        cli(
            "list",
            "--db",
            str(target),
            "--limit",
            "0",
            "--status",
            "new",
            "--status",
            "open",
            "--status",
            "waiting-customer",
            "--status",
            "waiting-third-party",
            "--status",
            "resolved",
            "--status",
            "closed",
            "--json",
        ).stdout
    )
    assert len(cases) == 400
    assert {c["status"] for c in cases} == {
        "new",
        "open",
        "waiting-customer",
        "waiting-third-party",
        "resolved",
        "closed",
    }
    assert any(c["overdue"] for c in cases)
    assert any(not c["overdue"] and c["next_due"] for c in cases)
    kinds = {
        e["kind"]
        for e in json.loads(cli("show", "1", "--db", str(target), "--json").stdout)["events"]
    }
    assert {"created", "told", "inbound", "note"} <= kinds


def test_demo_default_location_is_the_data_dir_not_the_store(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("CASEDESK_DB")
    result = cli("demo", "--cases", "20", "--no-open")
    assert result.exit_code == 0
    assert (tmp_path / "xdg-data" / "casedesk" / "demo.db").exists()
    assert not (tmp_path / "xdg-data" / "casedesk" / "casedesk.db").exists()


def test_console_without_a_terminal_explains_itself(cli):
    result = cli()
    assert result.exit_code == 0
    assert "needs a terminal" in result.stderr


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def test_python_dash_m_casedesk_works(db_path, desk):
    result = _run(["-m", "casedesk", "list", "--json"], {"CASEDESK_DB": str(db_path)})
    assert result.returncode == 0 and result.stdout.strip() == "[]"


def test_nag_does_not_import_textual_typer_rich_or_sqlite_utils(cli, clock, db_path):
    cli("new", "--customer", "a@example.com", "--title", "t", "--owner", "ann")
    clock.advance(days=3)
    # On SQLite the PostgreSQL driver stays unloaded too; on PostgreSQL the nag reads through
    # libpq itself: psycopg's import (with asyncio) alone takes longer than the nag may.
    heavy = ["textual", "typer", "rich", "sqlite_utils", "click", "psycopg", "asyncio"]
    heavy += [] if isinstance(db_path, Path) else ["casedesk.store.store"]
    probe = (
        "import sys; from casedesk.entry import main\n"
        "try:\n    main(['nag', '--all'])\nexcept SystemExit:\n    pass\n"
        f"heavy = [m for m in {heavy!r} if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    result = _run(["-c", probe], {"CASEDESK_DB": str(db_path)})
    assert result.returncode == 0, result.stderr
    assert "#1" in result.stdout
    assert "HEAVY []" in result.stdout


def test_nag_on_a_store_named_but_missing_says_so_and_creates_nothing(tmp_path):
    result = _run(["-m", "casedesk", "nag"], {"CASEDESK_DB": str(tmp_path / "none.db")})
    assert result.returncode == 1 and result.stdout == ""
    assert f"no store at {tmp_path / 'none.db'}" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_nag_help_and_bad_options(cli):
    assert "Usage: casedesk nag" in cli("nag", "--help").stdout
    result = cli("nag", "--bogus")
    assert result.exit_code == 2 and "no such option" in result.stderr


def test_nag_colours_only_on_a_terminal_and_respects_no_color(cli, clock, db_path):
    cli("new", "--customer", "a@example.com", "--title", "t", "--owner", "ann")
    clock.advance(days=3)

    def on_tty(extra: dict[str, str]) -> bytes:
        env = {**os.environ, "CASEDESK_DB": str(db_path), **extra}
        return on_a_terminal(["nag"], env)[1]

    assert b"\x1b[1;31m" in on_tty({})
    assert b"\x1b[" not in on_tty({"NO_COLOR": "1"})


def test_store_path_from_platformdirs_by_default(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("CASEDESK_DB")
    cli("new", "--customer", "a@example.com", "--title", "t")
    assert Path(tmp_path / "xdg-data" / "casedesk" / "casedesk.db").exists()


@pytest.mark.sqlite_only(reason="the demo is a SQLite file")
def test_demo_events_option_makes_busier_histories(cli, tmp_path):
    target = tmp_path / "busy.db"
    assert (
        cli(
            "demo", "--db", str(target), "--cases", "300", "--events", "9000", "--no-open"
        ).exit_code
        == 0
    )
    with Store.open(target) as store:
        events = store.counts()["events"]
    assert 8000 < events < 10000


def test_show_folds_quoted_mail_unless_full(cli, tmp_path):
    mail = tmp_path / "m.eml"
    mail.write_bytes(
        b"From: Ann <ann@example.com>\r\nSubject: Re: printer\r\n"
        b"Message-ID: <q@example.com>\r\n\r\n"
        b"It is still offline.\r\n\r\nOn Mon, Bob wrote:\r\n> Please restart it.\r\n"
        b"> Then tell me.\r\n"
    )
    assert cli("import", str(mail)).exit_code == 0
    folded = cli("show", "1").stdout
    assert "It is still offline." in folded
    assert "Please restart it." not in folded
    assert "quoted lines folded: show --full" in folded
    assert "> Please restart it." in cli("show", "1", "--full").stdout


def test_the_cli_does_not_load_what_only_some_verbs_need():
    probe = (
        "import sys, casedesk.cli; print([m for m in ('sqlite_utils', 'textual', "
        "'plotext', 'html2text') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_each_verb_is_found_in_the_module_the_cli_loads_for_it():
    from typer.main import get_command_name

    app = full_app()
    defined = {
        (c.name or get_command_name(c.callback.__name__)): c.callback.__module__
        for c in app.registered_commands
    }
    defined |= {
        g.name: g.typer_instance.registered_commands[0].callback.__module__
        for g in app.registered_groups
    }
    assert {verb: f"casedesk.cli.{module}" for verb, module in VERB_MODULES.items()} == defined


def test_a_verb_runs_without_loading_the_other_verbs_modules(db_path):
    probe = (
        "import sys; from casedesk.entry import main\n"
        "try:\n    main(['note', '1', 'seen'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('casedesk.cli.')))"
    )
    result = _run(["-c", probe], {"CASEDESK_DB": str(db_path)})
    assert "LOADED ['casedesk.cli.app', 'casedesk.cli.cases'" in result.stdout, result.stdout
    assert "casedesk.cli.mail" not in result.stdout and "casedesk.cli.work" not in result.stdout
