"""The read verbs' fast path prints exactly what the typer path prints, byte for byte.

The fast path (`cli/fast.py`, and `cli/json_reads.py` / `cli/human_reads.py`, which print stored
rows without building the model; JSON on PostgreSQL through libpq rather than psycopg) is checked
against the same verb run through typer and `cli/reads.py` on a random demo store, with hostile
customer text (markup, escapes, bidi overrides, wide CJK, emoji, a 10 MB mail), merged cases and
customers, sub-tasks, and the stores the fast paths leave to the full one (a policy with
`[hours]`, a changed policy file); on both engines.
"""

from __future__ import annotations

import io
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casedesk import paths
from casedesk.cli import fast, reads
from casedesk.core.safetext import _JSON_ESCAPES, json_text
from casedesk.entry import main

pytestmark = pytest.mark.both_engines
MADE_AT = "2026-11-23T09:00:00+00:00"  # where the `clock` fixture starts (conftest.T0)
HUGE = "9223372036854775808"  # one more than the largest integer either engine holds

READS = [
    ["list"],
    ["list", "--overdue"],
    ["list", "--status", "closed", "--limit", "7"],
    ["list", "--owner", "ann", "--limit", "0"],
    ["list", "--unassigned", "--status", "open", "--status", "waiting-customer"],
    ["list", "--problem", "P1"],
    ["show", "1"],
    ["show", "2", "--full"],
    ["show", "3"],
    ["show", "999999"],
    ["show", HUGE],
    ["search", "printer"],
    ["search", "battery OR charger", "--limit", "5"],
    ["search", "nothing-matches-this"],
    ["search", '"unclosed'],
    ["search", "printer", "--limit", HUGE],
    ["customer", "show", "1"],
    ["customer", "show", "2"],
    ["customer", "show", "#3"],
    ["customer", "show", "nobody@example.com"],
    ["customer", "show", "4"],
    ["customer", "show", "5"],
    ["show", "6"],
]
ENVIRONMENTS = {
    "plain": {},
    "NO_COLOR": {"NO_COLOR": "1"},
    "FORCE_COLOR": {"FORCE_COLOR": "1"},
    "COLUMNS=80": {"COLUMNS": "80"},
}


# On PostgreSQL, what the JSON path leaves to the full one (through psycopg): a merged case's
# history, merged customers, a problem's cases, a number the server refuses.
FULL_ON_PURPOSE = [
    ["list", "--problem", "P1"],
    ["show", "2"],
    ["show", "2", "--full"],
    ["customer", "show", "4"],
    ["customer", "show", "5"],
    ["show", HUGE],
    ["search", "printer", "--limit", HUGE],
]


def _run(
    args: list[str], typer_only: bool, monkeypatch: pytest.MonkeyPatch, connects: list | None = None
) -> tuple:
    """(exit code, stdout, stderr) of `casedesk ARGS`; `connects` collects each psycopg
    connection made (a PostgreSQL store's full path)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with monkeypatch.context() as patch:
        if typer_only:
            patch.setattr(fast, "main", lambda args: False)
        if connects is not None:
            from casedesk.store.postgres import PgConnection

            opened = PgConnection._connect
            patch.setattr(PgConnection, "_connect", lambda self: connects.append(1) or opened(self))
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(args)
            except SystemExit as exc:
                code = exc.code
    return code, out.getvalue(), err.getvalue()


def _assert_same(
    args: list[str], monkeypatch: pytest.MonkeyPatch, without_psycopg: bool = False
) -> tuple:
    """The fast path's output is the full path's; with `without_psycopg` (a PostgreSQL store),
    the fast path answered alone, through libpq."""
    connects: list = []
    quick = _run(args, False, monkeypatch, connects if without_psycopg else None)
    full = _run(args, True, monkeypatch)
    assert quick == full, args
    assert not connects, f"{args}: read through psycopg"
    return quick


def _on_server(db_path) -> bool:
    return isinstance(db_path, paths.ServerStore)


def _make(run) -> str:
    """A random demo store, with hostile text, merged cases and a merged customer added, by
    `run(*args)`; the hostile case's id."""
    run("demo", "--cases", "60", "--seed", "3", "--no-open")
    hostile = "[bold red]Ev\x1bil[/] \u202efdp.exe Müller\x07 \x9b2J 東京プリンター🖨\u200d"
    case = run(
        "new", "--customer", f"{hostile} <evil@example.com>", "--title", f"printer {hostile}",
        "--body", f"[link=x]{hostile}[/link]\r\nline two", "--owner", "ann",
    ).strip()  # fmt: skip
    run("note", case, f"printer note {hostile}")
    run("customer", "note", "evil@example.com", f"note {hostile}")
    run("merge", "2", "3", "--reason", "one conversation")
    run("customer", "merge", "5", "4")
    run("subtask", "add", "6", f"order a part {hostile}", "--team", "parts")
    return case


def _runner(db):
    def run(*args: str) -> str:
        with pytest.MonkeyPatch.context() as patch:
            code, out, err = _run([*args, "--db", str(db)], True, patch)
        assert code in (0, None), (args, err)
        return out

    return run


@contextmanager
def _as_a_test(folder):
    """The environment the `isolated` and `clock` fixtures give a test, for a module's fixture."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(folder / "data"))
        patch.setenv("XDG_CONFIG_HOME", str(folder / "config"))
        patch.setenv("CASEDESK_AGENT", "ann")
        patch.setenv("CASEDESK_NOW", MADE_AT)
        patch.setenv("TZ", "UTC")
        for name in ("CASEDESK_DB", "CASEDESK_CONFIG", "NO_COLOR", "COLUMNS"):
            patch.delenv(name, raising=False)
        time.tzset()
        yield
    time.tzset()


@pytest.fixture(scope="module")
def made_dump(tmp_path_factory):
    """That store made once on a file and exported, to move to PostgreSQL as a shop would
    (export | import): (the export, the hostile case's id)."""
    folder = tmp_path_factory.mktemp("made")
    with _as_a_test(folder):
        run = _runner(folder / "casedesk.db")
        case = _make(run)
        run("export", str(folder / "made.jsonl"))
    return folder / "made.jsonl", case


@pytest.fixture(scope="module")
def server_store(made_dump, pg_server, tmp_path_factory):
    """The made store moved to PostgreSQL once, for the tests that only read it."""
    url = pg_server.new_store()
    with _as_a_test(tmp_path_factory.mktemp("moved")):
        _runner(url)("import", "--format", "jsonl", str(made_dump[0]))
        _runner(url)("list")  # due times follow this machine's policy
    yield url
    pg_server.drop_store(url)


@pytest.fixture
def store(cli, clock, db_path, monkeypatch, request):
    """The store `_make` makes, on either engine (on PostgreSQL, one all tests share)."""
    if _on_server(db_path):
        monkeypatch.setenv("CASEDESK_DB", request.getfixturevalue("server_store"))
        case = request.getfixturevalue("made_dump")[1]
    else:
        case = _make(_runner(db_path))
    clock.advance(days=2)
    return case


@pytest.fixture
def own_store(cli, clock, db_path, request):
    """The store `_make` makes, for a test that changes it."""
    if _on_server(db_path):
        dump, case = request.getfixturevalue("made_dump")
        assert cli("import", "--format", "jsonl", str(dump)).exit_code == 0
        assert cli("list").exit_code == 0
    else:
        case = _make(_runner(db_path))
    clock.advance(days=2)
    return case


def _policy_file(db_path):
    """Where the store's agents' policy.toml is read (beside a store file)."""
    return paths.policy_file(db_path) if _on_server(db_path) else db_path.parent / "policy.toml"


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids=list(ENVIRONMENTS))
@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_fast_path_prints_what_typer_prints(store, db_path, monkeypatch, args, environment):
    for name, value in ENVIRONMENTS[environment].items():
        monkeypatch.setenv(name, value)
    libpq_alone = _on_server(db_path) and args not in FULL_ON_PURPOSE
    # Sub-tasks are only data in JSON; the human output leaves them to the full path.
    _assert_same(args, monkeypatch, without_psycopg=libpq_alone and args != ["show", "6"])
    _assert_same([*args, "--json"], monkeypatch, without_psycopg=libpq_alone)


def test_hostile_case_by_both_paths(store, db_path, monkeypatch):
    for verb in (["show", store], ["customer", "show", "evil@example.com"], ["search", "printer"]):
        libpq_alone = _on_server(db_path)
        code, out, _ = _assert_same([*verb, "--json"], monkeypatch, without_psycopg=libpq_alone)
        assert code == 0 and "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
        code, out, _ = _assert_same(verb, monkeypatch, without_psycopg=libpq_alone)
        assert code == 0 and "\x1b" not in out and "\u202e" not in out


@pytest.mark.parametrize("setup", ["hours", "policy changed"])
def test_stores_the_fast_paths_leave_to_the_full_one(own_store, db_path, monkeypatch, setup):
    _policy_file(db_path).parent.mkdir(parents=True, exist_ok=True)
    if setup == "hours":
        _policy_file(db_path).write_text(
            '[hours]\ntimezone = "UTC"\nmon = "09:00-17:00"\ntue = "09:00-17:00"\n'
        )
        _run(["list"], True, monkeypatch)  # due times follow the new policy
    else:
        _policy_file(db_path).write_text('check_in = "2d"\n')
    for args in READS:
        _assert_same([*args, "--json"], monkeypatch)
        _assert_same(args, monkeypatch)


# Which way each read goes: from stored rows, or (merges, --problem; sub-tasks in human output)
# in full.
FROM_ROWS = [["list", "--overdue"], ["show", "1"], ["show", "3"], ["search", "printer"],
             ["customer", "show", "1"], ["list", "--status", "closed", "--limit", "2"]]  # fmt: skip
IN_FULL = [["show", "2"], ["show", "6"], ["customer", "show", "4"], ["customer", "show", "5"],
           ["list", "--problem", "P1"]]  # fmt: skip


@pytest.mark.parametrize("words", FROM_ROWS + IN_FULL, ids=" ".join)
def test_human_reads_come_from_rows_where_the_json_ones_do(store, db_path, monkeypatch, words):
    called: list[str] = []
    for name in ("list_cases", "show_case", "search_cases", "show_customer"):
        whole = getattr(reads, name)
        monkeypatch.setattr(reads, name, lambda *a, _f=whole, **k: called.append(1) or _f(*a, **k))
    for args in (words, [*words, "--json"]):
        called.clear()
        _run(args, False, monkeypatch)
        json_subtasks = args == ["show", "6", "--json"]  # sub-tasks are only data in JSON
        assert bool(called) is (words in IN_FULL and not json_subtasks), args


def test_a_ten_megabyte_mail_by_both_paths(cli, clock, db_path, tmp_path, monkeypatch):
    """A huge body with a quoted earlier mail: folded alike, and in full alike with --full."""
    if _on_server(db_path):
        pytest.skip("the file store's row path; PostgreSQL reads in full")
    words = ("printer " + "lorem ipsum 東京 🎉 " * 600_000)[:10_000_000]
    mail = tmp_path / "big.eml"
    mail.write_text(
        "From: Big <big@example.com>\nTo: help@example.com\nSubject: huge [bold]body[/]\n"
        "Date: Mon, 23 Nov 2026 09:00:00 +0000\nMessage-ID: <big1@example.com>\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"{words}\n\nOn Mon, 23 Nov 2026, Ann <ann@example.com> wrote:\n> quoted\n> more\n",
        encoding="utf-8",
    )
    assert cli("import", str(mail)).exit_code == 0
    clock.advance(hours=5)
    for args in (["show", "1"], ["show", "1", "--full"], ["list"], ["search", "printer"]):
        code, out, _ = _assert_same(args, monkeypatch)
        assert code == 0 and "huge [bold]body[/]" in out


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_indented_json_is_json_dumps(value):
    import json

    expected = json.dumps(value, ensure_ascii=False, indent=2).translate(_JSON_ESCAPES)
    assert json_text(value, indent=2) == expected


@pytest.mark.parametrize("value", [1.5, {1: "a"}, [float("nan")], {"a": (1, 2)}, ("x",)])
def test_indented_json_of_unusual_values_is_json_dumps(value):
    import json

    assert json_text(value, indent=2) == json.dumps(value, ensure_ascii=False, indent=2)
