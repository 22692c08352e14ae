"""The read verbs' fast path: the same options, help, errors and output as typer, without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casedesk.cli import options, reads, run
from casedesk.cli.options import VERBS, NotForUs, parse
from casedesk.core.model import Status

pytestmark = pytest.mark.both_engines

HEAVY = ("typer", "rich", "textual", "sqlite_utils", "click")
# What the JSON reads leave out besides: the model's classes and what generating them needs
# (`cli/json_reads.py` serializes stored rows), and platformdirs (paths computes XDG folders).
NOT_FOR_JSON = (
    *HEAVY,
    "dataclasses",
    "inspect",
    "typing",
    "platformdirs",
    "casedesk.core.model",
    "casedesk.store.store",
    "psycopg",  # a PostgreSQL store is read through libpq itself
    "asyncio",
)
READS = [
    ["list", "--overdue", "--json"],
    ["show", "1", "--json"],
    ["search", "printer", "--json"],
    ["customer", "show", "ann@example.com", "--json"],
    ["nag", "--json", "--all"],
]


def _loaded_by(
    args: list[str], db_path, heavy: tuple[str, ...] = HEAVY
) -> subprocess.CompletedProcess[str]:
    probe = (
        "import sys; from casedesk.entry import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY', [m for m in {heavy!r} if m in sys.modules])"
    )
    return subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "CASEDESK_DB": str(db_path)},
        timeout=60,
    )


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_json_reads_import_no_typer_rich_textual_or_sqlite_utils(cli, clock, db_path, args):
    cli("new", "--customer", "Ann <ann@example.com>", "--title", "printer jams", "--owner", "ann")
    clock.advance(days=3)
    result = _loaded_by(args, db_path, NOT_FOR_JSON)
    assert result.returncode == 0, result.stderr
    assert '"id": 1' in result.stdout or '"id":1' in result.stdout.replace(" ", "")
    assert result.stdout.rstrip().endswith("HEAVY []"), result.stdout + result.stderr


HUMAN_READS = [
    ["list", "--overdue"],
    ["show", "1"],
    ["search", "printer"],
    ["customer", "show", "ann@example.com"],
]


@pytest.mark.parametrize("args", HUMAN_READS, ids=" ".join)
def test_human_reads_import_no_typer_rich_or_model(cli, clock, db_path, args):
    """The human output too comes from stored rows (`cli/human_reads.py`), printed without rich
    when piped; on PostgreSQL through libpq (no psycopg, no asyncio)."""
    cli("new", "--customer", "Ann <ann@example.com>", "--title", "printer jams", "--owner", "ann")
    clock.advance(days=3)
    result = _loaded_by(args, db_path, NOT_FOR_JSON)
    assert result.returncode == 0, result.stderr
    assert "#1" in result.stdout or "Customer #1" in result.stdout
    assert result.stdout.rstrip().endswith("HEAVY []"), result.stdout + result.stderr


def _typer_help(words: list[str]) -> str:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit):
        run([*words, "--help"])
    return out.getvalue()


@pytest.mark.parametrize("path", list(VERBS), ids=" ".join)
def test_fast_help_is_typers_help(cli, path):
    fast = cli(*path, "--help")
    assert fast.exit_code == 0
    assert fast.stdout == _typer_help(list(path))
    for param in VERBS[path].params:
        assert param.help.split()[0] in fast.stdout
        for name in param.names if param.is_option else ():
            assert name in fast.stdout


# What the fast parser takes must mean exactly what typer makes of it.
SAME = [
    ["list"],
    ["list", "--status", "open", "--status=waiting-customer", "--json"],
    ["list", "--overdue", "--no-overdue", "--unassigned", "--limit", "0", "--owner", "-x"],
    ["list", "--problem", "P4", "--db", "/tmp/x.db", "--as", "bob", "--limit=7"],
    ["show", "12", "--full"],
    ["show", "--json", "3", "--no-full"],
    ["search", "battery charger", "--limit", "5"],
    ["search", '"a phrase" OR b*', "--json", "--db=/tmp/y.db"],
    ["search", "battery", "charger", "light"],
    ["search", "battery", "--limit", "2", "charger light", "--json"],
    ["customer", "show", "ann@example.com", "--as", "ann"],
]


@pytest.mark.parametrize("args", SAME, ids=" ".join)
def test_fast_parser_agrees_with_typer(monkeypatch, args):
    verb = VERBS.get(tuple(args[:1])) or VERBS[tuple(args[:2])]
    called: dict[str, object] = {}
    monkeypatch.setattr(reads, verb.run, lambda **values: called.update(values))
    with pytest.raises(SystemExit) as done:
        run(args)
    assert done.value.code in (0, None)
    assert parse(verb, args[len(verb.path) :]) == called


def test_search_words_unquoted_are_one_query(cli):
    """`casedesk search battery charger light` finds what the quoted words find (typer refused
    the second word as an extra argument)."""
    assert parse(options.SEARCH, ["battery", "charger", "light"])["query"] == (
        "battery charger light"
    )
    cli(
        "new", "--customer", "a@example.com", "--title", "Laptop", "--body", "battery charger light"
    )
    cli("new", "--customer", "b@example.com", "--title", "Printer", "--body", "light only")
    quoted = cli("search", "battery charger light", "--json")
    unquoted = cli("search", "battery", "charger", "light", "--json")
    assert unquoted.exit_code == 0 and unquoted.stdout == quoted.stdout
    assert [case["id"] for case in json.loads(unquoted.stdout)] == [1]


REFUSED = [
    ["list", "--status", "bogus"],
    ["list", "--limit", "-1"],
    ["list", "--limit", "many"],
    ["list", "--bogus"],
    ["list", "--json=yes"],
    ["list", "--owner"],
    ["list", "extra"],
    ["show"],
    ["show", "0"],
    ["show", "1", "2"],
    ["show", "-1"],
    ["search", "--limit", "0", "x"],
    ["search", "--json"],
    ["customer", "show"],
    ["show", "1", "--help"],
]


@pytest.mark.parametrize("args", REFUSED, ids=" ".join)
def test_what_the_fast_parser_refuses_typer_answers(cli, args):
    verb = VERBS.get(tuple(args[:1])) or VERBS[tuple(args[:2])]
    with pytest.raises(NotForUs):
        parse(verb, args[len(verb.path) :])
    result = cli(*args)
    if "--help" in args:
        assert result.exit_code == 0 and "Usage: casedesk" in result.stdout
    else:
        assert result.exit_code == 2 and "Error: " in result.stderr


def test_every_status_is_a_choice():
    param = next(p for p in options.LIST.params if p.name == "status")
    for status in Status:
        assert parse(options.LIST, ["--status", status.value])[param.name] == [status]


XDG_CASES = [
    {"XDG_CONFIG_HOME": "/srv/conf", "XDG_DATA_HOME": "/srv/data/", "HOME": "/home/ann"},
    {"XDG_CONFIG_HOME": None, "XDG_DATA_HOME": None, "HOME": "/home/ann/"},
    {"XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "", "HOME": "/"},
    {"XDG_CONFIG_HOME": "relative/conf", "XDG_DATA_HOME": "  ", "HOME": "/home/ann"},
    {"XDG_CONFIG_HOME": None, "XDG_DATA_HOME": None, "HOME": None},
    {"XDG_CONFIG_HOME": None, "XDG_DATA_HOME": None, "HOME": "relative"},
]


@pytest.mark.parametrize("env", XDG_CASES, ids=str)
def test_xdg_folders_are_platformdirs_own(monkeypatch, env):
    """The read verbs compute the config and data folders without loading platformdirs: the
    same folders, whatever the environment says."""
    import platformdirs

    from casedesk import paths

    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert paths.config_dir() == Path(platformdirs.user_config_dir("casedesk"))
    assert paths.data_dir() == Path(platformdirs.user_data_dir("casedesk"))
