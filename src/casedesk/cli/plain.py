"""The read verbs' human output when rich would print it without styles (to a pipe or a file,
no FORCE_COLOR): laid out here, byte for byte as rich lays it out, without importing rich.

Rich renders every table cell and every line through several passes (measure, wrap, justify,
crop, pad, segments): ~5 ms a row, half a second for 100 rows or a 500-event timeline on a
loaded machine, where the query takes milliseconds. Here a Text is its `.plain` and a table's
columns are sized by rich's own rule for a table that fits its width. Anything else (a line
longer than the width, a table that must shrink, a terminal, colours) goes to `cli/layout.py`,
and what that does not reproduce (a tab, a control character) to rich as before.
tests/test_plain_output.py holds the two ways equal on hostile stores.
"""

from __future__ import annotations

import os
import sys

from casedesk.cli.cells import cell_len, set_cell_size
from casedesk.styled import Styled

TYPE_CHECKING = False  # not `typing`'s: the read verbs' fast path loads this module
if TYPE_CHECKING:
    from typing import Any

    from rich.console import Console


def plain_width() -> int | None:
    """The width rich would print to stdout at, when it would print it unstyled; else None."""
    environ = os.environ
    compatible = environ.get("TTY_COMPATIBLE", "")
    if sys.platform == "win32" or compatible == "1" or environ.get("FORCE_COLOR") is not None:
        return None
    if _a_terminal():
        return None
    columns = environ.get("COLUMNS")
    if not columns:
        return 160  # output.console()'s width for a pipe
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def _a_terminal() -> bool:
    """Whether stdout is a terminal, as rich asks (a closed stream is none)."""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return isatty is not None and isatty()
    except ValueError:
        return False


def terminal() -> tuple[int, str | None, bool] | None:
    """The width, colour system and no-colour mode of `output.console()` on stdout when it is a
    terminal that rich detects the plain way (no FORCE_COLOR or TTY_COMPATIBLE, not a dumb
    one), as `cli/layout.py` takes them; else None. rich's Console.size and
    _detect_color_system, step by step."""
    environ = os.environ
    if sys.platform == "win32" or "FORCE_COLOR" in environ or environ.get("TTY_COMPATIBLE"):
        return None
    if not _a_terminal():
        return None
    term = environ.get("TERM", "").strip().lower()
    if term in ("dumb", "unknown") or environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return None
    if environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        colours = "truecolor"
    else:
        colours = {"kitty": "256", "256color": "256"}.get(term.rpartition("-")[2], "standard")
    columns = environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    else:
        width = 0
        for stream in (sys.__stdin__, sys.__stdout__, sys.__stderr__):
            try:
                width = os.get_terminal_size(stream.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                continue
            break
        width = width or 80
    return (width, colours, environ.get("NO_COLOR", "") != "") if width > 0 else None


class Printer:
    """`console().print` for the read verbs, without rich where the layout is our own: plain
    where rich's output would be plain, `cli/layout.py` at a terminal and for what the plain
    lines do not take."""

    def __init__(self) -> None:
        self.width = plain_width()
        # piped, what the plain lines do not take (a long line, a table that must shrink) is
        # still laid out without rich: cli/layout.py with no colour system is rich's plain output
        self.terminal = terminal() if self.width is None else (self.width, None, False)
        self._rich: Console | None = None

    def print(self, item: Any, style: str | None = None) -> None:
        if isinstance(item, Table):  # (piped, `terminal` holds the plain width)
            item = item.fitted(self.terminal[0] if self.terminal else self._console().width)
        lines = None if self.width is None else _lines(item, self.width)
        if lines is not None:
            sys.stdout.write("".join(line + "\n" for line in lines))
            return
        if self.terminal is not None:
            written = _laid_out(item, style or "", *self.terminal)
            if written is not None:
                sys.stdout.write(written)
                return
        self._console().print(_for_rich(item), style=style)

    def _console(self) -> Console:
        if self._rich is None:
            from casedesk.cli.output import console

            self._rich = console()
        return self._rich


def _for_rich(item: Any) -> Any:
    if isinstance(item, list):
        from rich.console import Group

        return Group(*map(_for_rich, item))
    return item.to_text() if isinstance(item, Styled) else item


def _laid_out(item: Any, style: str, width: int, colours: str | None, no_color: bool) -> str | None:
    """`item` as rich prints it at a terminal, by `cli/layout.py`; None where it cannot."""
    from casedesk.cli import layout

    if isinstance(item, Table):
        if style:
            return None
        rows = [[_layout_form(cell) for cell in row] for row in item.rows]
        if any(None in row for row in rows):
            return None
        return layout.table(item.columns, rows, width, colours, no_color)  # type: ignore[arg-type]
    forms = [_layout_form(part) for part in (item if isinstance(item, list) else [item])]
    if None in forms:
        return None
    return layout.text(forms, width, colours, no_color, style)  # type: ignore[arg-type]


def _layout_form(item: Any) -> Any:
    """A Styled or a str as `cli/layout.py` takes styled text; None for anything else (a str
    rich would read markup or emoji codes in, a rich Text)."""
    if isinstance(item, Styled):
        return (item.style, item.parts) if item.style else item.parts
    if isinstance(item, str) and "[" not in item and ":" not in item:
        return item
    return None


def _rich_text(item: Any) -> Any:
    """`item` when it is a rich Text (which it cannot be while rich.text is not loaded)."""
    module = sys.modules.get("rich.text")
    return item if module is not None and isinstance(item, module.Text) else None


def _lines(item: Any, width: int) -> list[str] | None:
    """`item` (a Styled, rich Text, str, list of them, or this module's Table) as rich would print
    it unstyled at `width`, or None for rich to print it."""
    if isinstance(item, Styled):
        return _text_lines(item.plain, width)
    if _rich_text(item) is not None:
        return None if _own_layout(item) else _text_lines(item.plain, width)
    if isinstance(item, str):
        # rich reads a str as markup and :emoji: codes; only the verbs' own words come as str
        return None if "[" in item or ":" in item else _text_lines(item, width)
    if isinstance(item, list):  # a Group's parts
        out: list[str] = []
        for part in item:
            lines = _lines(part, width)
            if lines is None:
                return None
            out.extend(lines)
        return out
    if isinstance(item, Table):
        return _table_lines(item, width)
    return None


def _own_layout(text: Any) -> bool:
    """Whether a Text asks for a layout of its own (justified, cropped, another end)."""
    return bool(text.justify or text.overflow or text.no_wrap is not None or text.end != "\n")


def _raw_controls(text: str) -> bool:
    """Whether `text` holds a control character (rich drops some); the verbs' text never
    does, being made printable first."""
    return (
        not text.isprintable()
        and not text.replace("\n", "").isprintable()  # (lines alone: scanned in C)
        and any(c != "\n" and (c < " " or "\x7f" <= c < "\xa0") for c in text)
    )


def _text_lines(text: str, width: int) -> list[str] | None:
    """The lines of a Text that rich prints as they are: none wider than `width`, no tab."""
    if _raw_controls(text):
        return None
    lines = text.split("\n")
    for line in lines:
        if "\t" in line or (len(line) > width // 2 and cell_len(line) > width):
            return None
    return lines


def _cell_text(cell: Any) -> str | None:
    if isinstance(cell, Styled):
        text = cell.plain
    elif _rich_text(cell) is not None:
        if _own_layout(cell):
            return None
        text = cell.plain
    elif isinstance(cell, str) and "[" not in cell and ":" not in cell:
        text = cell
    else:
        return None
    return None if "\n" in text or "\t" in text or _raw_controls(text) else text


class Table:
    """A borderless table, as `rich.table.Table(box=None, pad_edge=False, header_style="bold")`
    with the same `add_column` and `add_row`, which becomes a rich Table only when rich prints
    it (so plain output imports neither rich.table nor rich.console)."""

    def __init__(self) -> None:
        self.columns: list[tuple[str, dict[str, Any]]] = []
        self.rows: list[tuple[Any, ...]] = []
        self._gives: list[tuple[int, int]] = []

    def add_column(self, header: str, *, narrows: int = 0, goes: int = 0, **options: Any) -> None:
        """`narrows` and `goes`: the order in which this column gives way to a narrow terminal,
        narrowed to its min_width, then left out (1 first; 0 never)."""
        self.columns.append((header, options))
        self._gives.append((narrows, goes))

    def add_row(self, *cells: Any) -> None:
        self.rows.append(cells)

    def fitted(self, width: int) -> Table:
        """This table within `width`, giving way as its columns say: at each step from leaving
        none out, the narrowing columns narrow in turn; if that is not enough, the next column
        that may go goes. rich would cut every column of a no-wrap table evenly, the case ids
        to `#8…` at 80 columns."""
        natural = [self._natural_width(i) for i in range(len(self.columns))]
        narrowing = sorted((n, i) for i, (n, _) in enumerate(self._gives) if n)
        going = [i for _, i in sorted((g, i) for i, (_, g) in enumerate(self._gives) if g)]
        for left_out in range(len(going) + 1):
            kept = [i for i in range(len(natural)) if i not in going[:left_out]]
            widths = {i: natural[i] for i in kept}
            over = sum(widths.values()) + 2 * (len(kept) - 1) - width
            for _, i in narrowing:
                if over <= 0:
                    break
                if i in widths:
                    least = self.columns[i][1].get("min_width") or 1
                    narrower = max(least, widths[i] - over)
                    over -= widths[i] - narrower
                    widths[i] = narrower
            if over <= 0:
                break
        if over > 0 or (len(kept) == len(natural) and widths == dict(enumerate(natural))):
            return self  # it fits as it is, or nothing makes it fit: as rich lays it out
        table = Table()
        for i in kept:
            header, options = self.columns[i]
            if widths[i] < natural[i]:
                options = {**options, "max_width": widths[i]}
            table.add_column(header, **options)
        for row in self.rows:
            table.add_row(*(row[i] for i in kept))
        return table

    def _natural_width(self, i: int) -> int:
        """Column `i`'s width when nothing has to give: its widest cell within its limits."""
        header, options = self.columns[i]
        cells = [header, *(row[i] for row in self.rows)]
        most = max(cell_len(getattr(cell, "plain", cell)) for cell in cells)
        most = max(most, options.get("min_width") or 0)
        if options.get("max_width") is not None:
            most = min(most, options["max_width"])
        return most

    def __rich__(self) -> Any:
        from rich.table import Table as RichTable

        table = RichTable(box=None, pad_edge=False, header_style="bold")
        for header, options in self.columns:
            table.add_column(header, **options)
        for row in self.rows:
            table.add_row(*map(_for_rich, row))
        return table


_COLUMN_OPTIONS = {"justify", "no_wrap", "overflow", "min_width", "max_width", "ratio"}


def _table_lines(table: Table, width: int) -> list[str] | None:
    """The table, one line a row, when its columns fit `width` at their natural widths (so
    rich neither shrinks nor wraps them)."""
    columns = [{"header": header, **options} for header, options in table.columns]
    if not columns or any(not _COLUMN_OPTIONS.issuperset(options) for _, options in table.columns):
        return None
    rows: list[list[str]] = []
    for cells in [[column["header"] for column in columns], *table.rows]:
        row = []
        for cell in cells:
            text = _cell_text(cell)
            if text is None:
                return None
            row.append(text)
        if len(row) != len(columns):
            return None
        rows.append(row)
    last = len(columns) - 1
    widths = []  # without padding
    for i, column in enumerate(columns):
        justify = column.setdefault("justify", "left")
        if justify not in ("left", "right"):
            return None
        padding = (i > 0) + (i < last)
        # rich's measurement's maximum, clamped to the column's min_width and max_width
        most = table._natural_width(i) + padding
        widths.append((most or 1) - padding)
    if sum(widths) + 2 * last > width:
        return None
    lines = []
    for row in rows:
        cells = []
        for i, (text, column, size) in enumerate(zip(row, columns, widths, strict=True)):
            if column["justify"] == "right":
                text = text.rstrip()
            if cell_len(text) > size:
                if not column.get("no_wrap") or column.get("overflow", "ellipsis") != "ellipsis":
                    return None
                text = set_cell_size(text, size - 1) + "…"
            elif column["justify"] == "right":
                text = " " * (size - cell_len(text)) + text
            else:
                text = text + " " * (size - cell_len(text))
            cells.append((" " if i > 0 else "") + text + (" " if i < last else ""))
        lines.append("".join(cells))
    return lines
