"""`cli/layout.py` writes byte for byte what rich's Console writes, at a terminal.

Every check prints the same table or text twice: through rich (`rich.table.Table(box=None,
pad_edge=False, header_style="bold")`, `Console(force_terminal=True, ...)`) and through the
layout module, and compares the two strings. Hypothesis draws the columns' options, the cells
(ASCII, CJK, emoji, combining marks, empty, long, several lines, several styles), the width and
the colour mode; casedesk's own case table is compared on the demo store at the widths people
use.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from casedesk.cli import layout

MODES = [(None, False), ("standard", False), ("256", False), ("truecolor", False),
         ("truecolor", True), ("standard", True)]  # fmt: skip
STYLES = ["", "bold", "dim", "red", "yellow", "cyan", "green", "bold red", "bold magenta",
          "italic", "dim yellow", "bold reverse cyan", "underline bright_blue", "strike blink",
          "Bold White", "black", "bright_white italic"]  # fmt: skip


def rich_console(
    width: int, color_system: str | None, no_color: bool
) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    console = Console(
        file=out,
        force_terminal=True,
        color_system=color_system,
        no_color=no_color,
        width=width,
        highlight=False,
        soft_wrap=False,
    )
    return console, out


def as_text(item: object) -> Text:
    """The rich Text a styled text of the layout module stands for."""
    if isinstance(item, str):
        return Text(item)
    base, runs = item if isinstance(item, tuple) else ("", item)
    text = Text(style=base)
    for words, style in runs:  # type: ignore[union-attr]
        text.append(words, style)
    return text


def by_rich_table(columns, rows, width, color_system, no_color) -> str:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for header, options in columns:
        table.add_column(as_text(header), **options)
    for row in rows:
        table.add_row(*(as_text(cell) for cell in row))
    console, out = rich_console(width, color_system, no_color)
    console.print(table)
    return out.getvalue()


def by_rich_text(items, width, color_system, no_color, style="") -> str:
    console, out = rich_console(width, color_system, no_color)
    console.print(Group(*(as_text(item) for item in items)), style=style or None)
    return out.getvalue()


# ---- strategies ---------------------------------------------------------------------------

ASCII = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
WORDY = st.lists(st.sampled_from(["a", "to", "the", "printer", "  ", " ", "x" * 25, "#12"]),
                 max_size=12).map(" ".join)  # fmt: skip
WIDE = st.lists(
    st.sampled_from(["東京", "顧客", "🎉", "👍🏽", "e\u0301", "ñ", "Ä", "😀", "é", "中", " ", "a",
                     "\u2764\ufe0f", "👨\u200d👩\u200d👧", "ｗ", "\u0301"]),
    max_size=12,
).map("".join)  # fmt: skip
WORDS = st.one_of(ASCII, WORDY, WIDE, st.just(""), st.just("x" * 90))
LINES = st.one_of(WORDS, st.lists(WORDS, min_size=2, max_size=3).map("\n".join))
STYLE = st.sampled_from(STYLES)
RUNS = st.lists(st.tuples(WORDS, STYLE), max_size=4)
STYLED = st.one_of(WORDS, RUNS, st.tuples(STYLE, RUNS))
CELL = st.one_of(STYLED, st.lists(st.tuples(LINES, STYLE), max_size=2))
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "justify": st.sampled_from(["left", "right"]),
        "no_wrap": st.booleans(),
        "overflow": st.sampled_from(["ellipsis", "crop", "fold"]),
        "min_width": st.integers(0, 30),
        "max_width": st.integers(0, 40),
        "ratio": st.integers(1, 3),
    },
)
MODE = st.sampled_from(MODES)


@st.composite
def tables(draw):
    columns = draw(st.lists(st.tuples(CELL, OPTIONS), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(CELL, min_size=len(columns), max_size=len(columns)), max_size=6))
    return columns, rows


def _same_table(columns, rows, width, mode) -> None:
    ours = layout.table(columns, rows, width, *mode)
    assert ours is not None
    assert ours == by_rich_table(columns, rows, width, *mode)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.integers(20, 250), MODE)
def test_random_tables_match_rich(table, width, mode) -> None:
    _same_table(*table, width, mode)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.integers(1, 40), MODE)
def test_random_tables_squeezed_match_rich(table, width, mode) -> None:
    """Narrow widths: every column shrinks, some to nothing; min_width overrides the width."""
    _same_table(*table, width, mode)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(STYLED, st.lists(st.tuples(LINES, STYLE), max_size=3)), max_size=4),
       st.integers(1, 120), MODE, st.sampled_from(["", "dim", "bold red"]))  # fmt: skip
@example([[("Customer last heard: " + "word " * 30, "bold")]], 40, ("truecolor", False), "")
def test_random_text_matches_rich(items, width, mode, style) -> None:
    ours = layout.text(items, width, *mode, style=style)
    assert ours is not None
    assert ours == by_rich_text(items, width, *mode, style=style)
    if len(items) == 1:  # a text printed alone (rich joins it with print's `end`) is the same
        console, out = rich_console(width, *mode)
        console.print(as_text(items[0]), style=style or None)
        assert ours == out.getvalue()


def test_short_rows_and_no_columns_as_rich_prints_them() -> None:
    columns = [("a", {}), ("b", {"justify": "right"}), ("c", {"min_width": 4})]
    for mode in MODES:
        assert layout.table(columns, [["x"], [], ["y", "z"]], 30, *mode) == by_rich_table(
            columns, [["x", "", ""], ["", "", ""], ["y", "z", ""]], 30, *mode
        )
        assert layout.table([], [], 30, *mode) == by_rich_table([], [], 30, *mode) == "\n"


# ---- casedesk's own tables ------------------------------------------------------------------


def styled(cell: object) -> object:
    """A rich Text (or str) built by cli/render.py in the layout module's form."""
    if not isinstance(cell, Text):
        return cell
    runs, position = [], 0
    for start, end, style in sorted(cell.spans, key=lambda span: span.start):
        assert start >= position, "overlapping spans"
        if start > position:
            runs.append((cell.plain[position:start], ""))
        runs.append((cell.plain[start:end], str(style)))
        position = end
    if position < len(cell.plain):
        runs.append((cell.plain[position:], ""))
    return (str(cell.style), runs)


@pytest.fixture(scope="module")
def demo_rows(tmp_path_factory):
    """The demo store's cases as `list` shows them, with a hostile and a wide customer."""
    from casedesk.core import clock
    from casedesk.core.model import Status
    from casedesk.store import Store

    path = tmp_path_factory.mktemp("layout") / "casedesk.db"
    env = {"CASEDESK_DB": str(path), "CASEDESK_AGENT": "ann"}
    run = [sys.executable, "-m", "casedesk"]
    for args in (
        ["demo", "--db", str(path), "--cases", "130", "--seed", "3", "--no-open"],
        ["new", "--customer", "東京の顧客サポート係 🎉 e\u0301 <tokyo@example.com>",
         "--title", "プリンターが動かない " * 4, "--owner", "ann"],
        ["new", "--customer", "[bold red]Evil[/] :smile: <evil@example.com>",
         "--title", "x" * 200],
    ):  # fmt: skip
        subprocess.run([*run, *args], check=True, capture_output=True, env={**_env(), **env})
    store = Store.open(path)
    try:
        rows = store.list_cases(statuses=[s for s in Status if s is not Status.CLOSED], limit=None)
    finally:
        store.close()
    return rows, clock.now()


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160, 200])
def test_case_table_matches_rich(demo_rows, width) -> None:
    from casedesk.cli.reads import case_table_of
    from casedesk.styled import Styled

    rows, now = demo_rows
    assert len(rows) >= 100
    table = case_table_of(rows, now, None)
    columns = [(header, options) for header, options in table.columns]
    cells = [
        [styled(cell.to_text() if isinstance(cell, Styled) else cell) for cell in row]
        for row in table.rows
    ]
    for mode in MODES:
        console, out = rich_console(width, *mode)
        console.print(table)
        assert layout.table(columns, cells, width, *mode) == out.getvalue(), (width, mode)


# ---- what the module leaves to rich, and what it loads ----------------------------------------


@pytest.mark.parametrize(
    ("columns", "rows"),
    [
        ([("a", {})], [["tab\there"]]),  # rich expands tabs
        ([("a", {})], [["bell\x07"]]),  # and drops some control characters
        ([("a", {})], [["no\u00a0break"]]),  # a space other than " "
        ([("a", {})], [[[("x", "on red")]]]),  # a background
        ([("a", {})], [[[("x", "#ff0000")]]]),  # a colour outside the 16 named ones
        ([("a", {})], [[("not bold", [("x", "")])]]),
        ([("a", {})], [[[("x", "none")]]]),
        ([("a", {"justify": "center"})], [["x"]]),
        ([("a", {"style": "red"})], [["x"]]),
        ([("a", {"overflow": "ignore"})], [["x"]]),
        ([("a", {"overflow": None})], [["x"]]),  # (rich would fold)
        ([("a", {"justify": None})], [["x"]]),
        ([("a", {})], [["x", "one cell too many"]]),
    ],
)
def test_what_it_does_not_reproduce_is_none(columns, rows) -> None:
    assert layout.table(columns, rows, 80, "truecolor") is None


def test_text_and_colour_systems_it_does_not_take_are_none() -> None:
    assert layout.text(["a\tb"], 80) is None
    assert layout.text(["a"], 80, style="on blue") is None
    assert layout.text(["a"], 80, "windows") is None
    assert layout.text(["a"], 0) is None
    assert layout.supports_style("bold red") and not layout.supports_style("blink2")


def test_styles_as_rich_writes_them() -> None:
    """The SGR codes themselves, so a change in rich's shows here by name."""
    cell = [("a", "bold"), ("b", "dim yellow"), ("c", "")]
    assert layout.text([cell], 10, "256") == "\x1b[1ma\x1b[0m\x1b[2;33mb\x1b[0mc\n"
    assert layout.text([cell], 10, "256", no_color=True) == "\x1b[1ma\x1b[0m\x1b[2mb\x1b[0mc\n"
    assert layout.text([cell], 10, None) == "abc\n"
    # a base style covers the padding rich adds to the cell; a run's style does not
    table = layout.table([("h", {"min_width": 3})], [[("dim", [("x", "")])], [[("y", "dim")]]], 9)
    assert table == "h  \nx  \ny  \n"
    coloured = layout.table(
        [("h", {"min_width": 3})], [[("dim", [("x", "")])], [[("y", "dim")]]], 9, "standard"
    )
    assert coloured == "\x1b[1mh  \x1b[0m\n\x1b[2mx  \x1b[0m\n\x1b[2my\x1b[0m  \n"


LOADS = """
import sys
from casedesk.cli import layout
columns = [("due", {"min_width": 13}), ("title", {"no_wrap": True, "max_width": 9})]
out = layout.table(columns, [[[("! 2h", "bold red")], %r]], 30, "truecolor")
assert out is not None
print(sorted(m for m in sys.modules if m.startswith(("rich", "typing", "re"))))
"""


def test_ascii_loads_no_rich_and_wide_text_only_its_cell_widths() -> None:
    def loaded(title: str) -> list[str]:
        run = subprocess.run(
            [sys.executable, "-c", LOADS % title], capture_output=True, text=True, check=True
        )
        return ast.literal_eval(run.stdout)

    assert loaded("printer on fire") == []
    wide = loaded("東京の顧客 🎉")
    assert "rich.cells" in wide
    assert not {"rich.text", "rich.segment", "rich.console", "rich.table", "rich.style"} & set(wide)
