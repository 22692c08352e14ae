"""The read verbs' plain human output (`cli/plain.py`) is byte for byte what rich prints.

Golden comparison: the same verb printed by the plain layout and by rich (the plain layout
turned off), on a random demo store with hostile, wide and long customer text, at several
widths; and random tables and texts against rich directly.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text

from casedesk.cli import cells as ours
from casedesk.cli import output, plain
from casedesk.cli.output import console
from casedesk.entry import main
from terminal import on_a_terminal

HOSTILE = "[bold red]Ev\x1bil[/] \u202efdp.exe Müller\x07 \x9b2J :smile:"
WIDE = "東京の顧客サポート係 🎉 e\u0301"
VERBS = [
    ["list"],
    ["list", "--overdue"],
    ["list", "--limit", "3"],
    ["show", "1"],
    ["show", "2", "--full"],
    ["show", "61"],
    ["search", "printer"],
    ["customer", "show", "1"],
    ["customer", "show", "evil@example.com"],
]


def _print(args: list[str], monkeypatch: pytest.MonkeyPatch, by_rich: bool) -> tuple:
    """stdout, stderr, and how many times rich's console was asked for."""
    out, err = io.StringIO(), io.StringIO()
    used: list[object] = []
    with monkeypatch.context() as patch:
        if by_rich:
            patch.setattr(plain, "plain_width", lambda: None)
        else:
            patch.setattr(output, "console", lambda: used.append(1) or console())
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(args)
            except SystemExit as exc:
                assert exc.code in (0, None), err.getvalue()
    return out.getvalue(), err.getvalue(), len(used)


@pytest.fixture
def store(cli, clock, db_path):
    assert cli("demo", "--db", db_path, "--cases", "60", "--seed", "7", "--no-open").exit_code == 0
    long_line = "printer " + "word " * 60 + "x" * 200
    new = cli(
        "new", "--customer", f"{HOSTILE} {WIDE} <evil@example.com>",
        "--title", f"printer {HOSTILE} {WIDE}",
        "--body", f"[link=x]{HOSTILE}[/link]\r\n\ttabbed\n{long_line}\n{WIDE * 12}",
        "--owner", "ann",
    )  # fmt: skip
    case = new.stdout.strip()
    assert cli("note", case, f"printer note {HOSTILE}\n\n{WIDE}\t{long_line}").exit_code == 0
    assert cli("customer", "note", "evil@example.com", f"note {HOSTILE}").exit_code == 0
    clock.advance(days=3)
    return case


@pytest.mark.parametrize("columns", ["", "160", "120", "80", "50"])
def test_verbs_print_what_rich_prints(store, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    for args in VERBS:
        fast, fast_err, by_rich = _print(args, monkeypatch, by_rich=False)
        slow, slow_err, _ = _print(args, monkeypatch, by_rich=True)
        assert (fast, fast_err) == (slow, slow_err), args
        assert "\x1b" not in fast and "\u202e" not in fast and "\x9b" not in fast
        wide = columns in ("", "160")
        if wide and (args[0] == "list" or args in (["show", "1"], ["show", "2", "--full"])):
            assert not by_rich, args  # laid out here, not a test of rich against itself
        if args == ["show", "61"]:
            assert by_rich, args  # the hostile case's tab and over-long line go to rich


TERMINALS = {
    "xterm": {"TERM": "xterm"},
    "256 colours": {"TERM": "xterm-256color"},
    "truecolor": {"TERM": "xterm", "COLORTERM": "truecolor"},
    "NO_COLOR": {"TERM": "xterm-256color", "NO_COLOR": "1"},
    "COLUMNS=70": {"TERM": "xterm", "COLUMNS": "70"},
    "dumb": {"TERM": "dumb"},
}
ON_A_TERMINAL = "\n".join([
    "import sys",
    "from casedesk.cli import plain",
    "if sys.argv[1] == 'rich':",
    "    plain.terminal = lambda: None",
    "from casedesk.entry import main",
    "try:",
    "    main(sys.argv[2:])",
    "finally:",
    "    sys.stderr.write(f'RICH CONSOLE {\"rich.console\" in sys.modules}')",
])  # fmt: skip


def _at_a_terminal(args: list[str], env: dict[str, str], way: str) -> tuple[bytes, str]:
    """What `casedesk ARGS` writes to a 100-column terminal (cli/layout.py's way, or rich's)."""
    code, out, err = on_a_terminal([way, *args], env, code=ON_A_TERMINAL, columns=100)
    assert code == 0, err
    return out, err.decode()


@pytest.mark.parametrize("terminal", TERMINALS, ids=list(TERMINALS))
def test_verbs_at_a_terminal_write_what_rich_writes(store, db_path, terminal):
    """At a terminal the read verbs lay out with cli/layout.py: the same bytes, colours and
    all, as rich, without rich's console (which a dumb terminal still gets)."""
    import os

    env = {**os.environ, "CASEDESK_DB": str(db_path), **TERMINALS[terminal]}
    for args in VERBS:
        ours, our_log = _at_a_terminal(args, env, "layout")
        theirs, _ = _at_a_terminal(args, env, "rich")
        assert ours == theirs, args
        assert b"\x1b[" in ours or terminal in ("NO_COLOR", "dumb"), args
        if args in (["list"], ["show", "1"], ["search", "printer"]) and terminal != "dumb":
            assert our_log.endswith("RICH CONSOLE False"), (args, our_log)


def test_hostile_text_is_shown_literally(store, monkeypatch):
    monkeypatch.setenv("COLUMNS", "")
    out, _, _ = _print(["show", store], monkeypatch, by_rich=False)
    assert "[bold red]Ev\\x1bil[/]" in out and ":smile:" in out and "\\u202efdp.exe" in out


def test_a_terminal_or_forced_colour_is_left_to_rich(monkeypatch):
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.setenv("COLUMNS", "")
    with redirect_stdout(io.StringIO()):
        monkeypatch.delenv("FORCE_COLOR", raising=False)
        assert plain.plain_width() == 160
        monkeypatch.setenv("FORCE_COLOR", "1")
        assert plain.plain_width() is None
        monkeypatch.delenv("FORCE_COLOR")
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
        assert plain.plain_width() is None
        monkeypatch.setenv("TTY_COMPATIBLE", "0")
        monkeypatch.setenv("COLUMNS", "nonsense")
        assert plain.plain_width() is None


WORDS = st.text(
    st.sampled_from(list("ab cd—…#!東🎉\u0301xyz  ")) | st.characters(codec="utf-8"), max_size=40
).map(lambda t: t.replace("\r", ""))


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(WORDS, min_size=4, max_size=4), max_size=6),
    width=st.integers(10, 170),
    no_wrap=st.booleans(),
)
def test_random_tables_and_texts_as_rich_prints_them(rows, width, no_wrap):
    table = plain.Table()
    table.add_column("due", overflow="ellipsis", no_wrap=no_wrap, min_width=5)
    table.add_column("id", justify="right", overflow="ellipsis", no_wrap=no_wrap)
    table.add_column("customer", overflow="ellipsis", no_wrap=no_wrap, max_width=12, min_width=4)
    table.add_column("title", overflow="ellipsis", no_wrap=no_wrap, ratio=1)
    for row in rows:
        table.add_row(*(Text(cell, style="bold") for cell in row))
    texts = [Text(" ".join(row)) for row in rows] + [Text("\n".join(r[0] for r in rows))]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", str(width))
        for item in [table, *texts]:
            fast, slow = io.StringIO(), io.StringIO()
            with redirect_stdout(fast):
                plain.Printer().print(item)
            with redirect_stdout(slow):
                console().print(item)  # (casedesk's Table as a rich Table)
            assert fast.getvalue() == slow.getvalue()


def test_count_of_many_statuses_is_the_number_listed(store, db_path):
    """count_cases (read from the (status, due_at) index) counts what case_rows lists."""
    from datetime import UTC, datetime

    from casedesk.core.model import Status
    from casedesk.store import Store

    db = Store.open(db_path)
    try:
        active = [s for s in Status if s is not Status.CLOSED]
        for filters in [
            {"statuses": active, "closed_when_due": True, "due_before": datetime.now(UTC)},
            {"statuses": active, "closed_when_due": True},
            {"statuses": [Status.OPEN, Status.NEW], "owner": "ann"},
            {"statuses": list(Status)},
        ]:
            listed = db.case_rows(**filters, limit=None)
            assert db.count_cases(**filters) == len(listed) > 0, filters
    finally:
        db.close()


def test_the_verbs_own_words_are_one_cell_each_in_rich():
    """`cli/cells.py` measures these by count, as rich does its single-cell ranges."""
    from rich.cells import cell_len

    assert [cell_len(c) for c in ours.NARROW_WORDS] == [1] * len(ours.NARROW_WORDS)


NARROWISH = st.text(
    st.sampled_from([*ours.NARROW_WORDS, "a", " ", "é", "東", "🎉", "\u0301", "\u200d", "\ufe0f"])
    | st.characters(codec="utf-8"),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(text=NARROWISH, total=st.integers(-2, 40))
def test_cells_measured_and_cut_as_rich_does(text, total):
    from rich import cells

    assert ours.cell_len(text) == cells.cell_len(text)
    assert ours.set_cell_size(text, total) == cells.set_cell_size(text, total)
    if total > 0:
        assert ours.chop_cells(text, total) == cells.chop_cells(text, total)


GIVE_WAY = ["status", "owner", "last heard"]  # the order case_table leaves them out


@pytest.mark.parametrize("columns", [50, 60, 80, 90, 100, 120])
def test_a_narrow_terminal_gives_way_but_keeps_every_case_id(store, monkeypatch, columns):
    """rich narrows every column of a no-wrap table evenly, cutting the ids to `#1…` at 80
    columns; the case table narrows the title and customer first, then leaves out the status,
    the owner and the last heard, in that order."""
    import json

    monkeypatch.setenv("COLUMNS", str(columns))
    shown, _, _ = _print(["list", "--limit", "0"], monkeypatch, by_rich=False)
    listed, _, _ = _print(["list", "--limit", "0", "--json"], monkeypatch, by_rich=False)
    lines = shown.splitlines()
    assert all(len(line) <= columns for line in lines), shown
    assert lines[0].startswith("due ") and lines[0].split()[1:4] == ["id", "customer", "title"]
    missing = [name for name in GIVE_WAY if name not in lines[0]]
    assert missing == GIVE_WAY[: len(missing)]
    assert len(missing) == {50: 3, 120: 0}.get(columns, len(missing))
    rows = [f" {line} " for line in lines[1:]]
    for case in json.loads(listed):
        assert any(f" #{case['id']} " in row for row in rows), case["id"]
