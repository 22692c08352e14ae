"""The read verbs' fast path prints exactly what the typer path prints, byte for byte.

The fast path (`cli/fast.py`, and with --json `cli/json_reads.py`, which serializes stored rows
without building the model) is checked against the same verb run through typer and
`cli/reads.py` on a random demo store, with hostile customer text, merged cases and customers,
and the stores the fast JSON path leaves to the full one (a policy with `[hours]`, a changed
policy file).
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casedesk.cli import fast
from casedesk.core.safetext import _JSON_ESCAPES, json_text
from casedesk.entry import main

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
    ["search", "printer"],
    ["search", "battery OR charger", "--limit", "5"],
    ["search", "nothing-matches-this"],
    ["search", '"unclosed'],
    ["customer", "show", "1"],
    ["customer", "show", "2"],
    ["customer", "show", "#3"],
    ["customer", "show", "nobody@example.com"],
]
ENVIRONMENTS = {
    "plain": {},
    "NO_COLOR": {"NO_COLOR": "1"},
    "FORCE_COLOR": {"FORCE_COLOR": "1"},
    "COLUMNS=80": {"COLUMNS": "80"},
}


def _run(args: list[str], typer_only: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with monkeypatch.context() as patch:
        if typer_only:
            patch.setattr(fast, "main", lambda args: False)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(args)
            except SystemExit as exc:
                code = exc.code
    return code, out.getvalue(), err.getvalue()


def _assert_same(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple:
    quick = _run(args, False, monkeypatch)
    full = _run(args, True, monkeypatch)
    assert quick == full, args
    return quick


@pytest.fixture
def store(cli, clock, db_path):
    """A random demo store, with hostile text, merged cases and a merged customer added."""
    assert cli("demo", "--db", db_path, "--cases", "60", "--seed", "3", "--no-open").exit_code == 0
    hostile = "[bold red]Ev\x1bil[/] \u202efdp.exe Müller\x07 \x9b2J"
    new = cli(
        "new", "--customer", f"{hostile} <evil@example.com>", "--title", f"printer {hostile}",
        "--body", f"[link=x]{hostile}[/link]\r\nline two", "--owner", "ann",
    )  # fmt: skip
    case = new.stdout.strip()
    assert cli("note", case, f"printer note {hostile}").exit_code == 0
    assert cli("customer", "note", "evil@example.com", f"note {hostile}").exit_code == 0
    assert cli("merge", "2", "3", "--reason", "one conversation").exit_code == 0
    assert cli("customer", "merge", "5", "4").exit_code == 0
    clock.advance(days=2)
    return case


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids=list(ENVIRONMENTS))
@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_fast_path_prints_what_typer_prints(store, monkeypatch, args, environment):
    for name, value in ENVIRONMENTS[environment].items():
        monkeypatch.setenv(name, value)
    for words in (args, [*args, "--json"]):
        _assert_same(words, monkeypatch)


def test_hostile_case_by_both_paths(store, monkeypatch):
    for verb in (["show", store], ["customer", "show", "evil@example.com"], ["search", "printer"]):
        code, out, _ = _assert_same([*verb, "--json"], monkeypatch)
        assert code == 0 and "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
        code, out, _ = _assert_same(verb, monkeypatch)
        assert code == 0 and "\x1b" not in out and "\u202e" not in out


@pytest.mark.parametrize("setup", ["hours", "policy changed"])
def test_stores_the_json_path_leaves_to_the_full_one(store, db_path, monkeypatch, setup):
    if setup == "hours":
        (db_path.parent / "policy.toml").write_text(
            '[hours]\ntimezone = "UTC"\nmon = "09:00-17:00"\ntue = "09:00-17:00"\n'
        )
        _run(["list"], True, monkeypatch)  # due times follow the new policy
    else:
        (db_path.parent / "policy.toml").write_text('check_in = "2d"\n')
    for args in READS:
        _assert_same([*args, "--json"], monkeypatch)


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
