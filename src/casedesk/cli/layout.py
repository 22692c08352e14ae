"""Rich's layout of a borderless table and of text, with its colours, without rich.

`rich.table.Table` renders each cell through measure, Padding, wrap, justify, crop, pad and
segment passes: ~3 ms a row at a terminal, a third of a second for `list --overdue`'s 100 rows,
where the query takes a few milliseconds. This module computes the same characters and SGR
sequences directly (standard library only; `rich.cells` is imported only for text of characters
`cli/cells.py` does not measure itself). Its code follows rich's own steps one by one
(`Table._calculate_column_widths`, `_collapse_widths`, `ratio_reduce`, `Text.wrap`,
`Segment.split_and_crop_lines`, `Console._render_buffer`), because byte equality depends on
where rich splits its segments: each styled segment is written as its own
`ESC[codes m ... ESC[0m`. tests/test_layout.py holds the two equal on random tables and text.

API (every function returns the exact str rich's Console writes, or None when the input needs
something not reproduced here: then print it with rich as before):

    table(columns, rows, width, color_system=None, no_color=False) -> str | None
        What `Console(...).print(t)` writes for
        `t = rich.table.Table(box=None, pad_edge=False, header_style="bold")` after
        `t.add_column(header, **options)` for each `(header, options)` in `columns` and
        `t.add_row(*cells)` for each of `rows` (`cli.plain.Table` keeps exactly these two
        lists). Column options taken: justify ("left", "right"), no_wrap, overflow ("ellipsis",
        "crop", "fold"), min_width, max_width, ratio (no effect: the table does not expand).

    text(items, width, color_system=None, no_color=False, style="") -> str | None
        What `Console(...).print(rich.console.Group(*items), style=style)` writes for a list
        of styled texts; for one text, `[item]` (printing it alone writes the same).

    supports_style(style) -> bool: whether a style string is one this module renders.

The Console is `Console(force_terminal=True, color_system=color_system, no_color=no_color,
width=width, highlight=False, soft_wrap=False)`; `color_system` is None for no styles at all
(a pipe, TERM=dumb) or "standard", "256" or "truecolor"; `no_color` (NO_COLOR) drops colours
and keeps bold, dim and the like, as rich does.

A styled text (a header, a cell, an item) is one of:
    "words"                          -> Text("words")
    [("words", "bold"), ("more", "")] -> Text().append("words", "bold").append("more", "")
    ("dim", [("words", "")])         -> Text(style="dim").append("words")
The base style of the last form covers the whole text, including the spaces rich pads a
left-justified cell with (`Text("—", style="dim")` pads with dim spaces; `Text().append("—",
"dim")` does not): build the same form as the rich code it replaces. A str is taken literally;
rich reads a str given to a table or to print as markup and `:emoji:` codes, so pass only str
that has neither ("[" or ":"), or the runs form.

Styles: "" or words from bold, dim, italic, underline, blink, reverse, strike and one colour of
black, red, green, yellow, blue, magenta, cyan, white (or bright_ of each). Anything else
("on red", "#ff0000", "not bold", "link ...") makes the call return None. So does text that is
not printable (a tab, a control character, other separators than " " and "\n"), a column option
not listed, a row with more cells than columns, and a width below 1.
"""

from __future__ import annotations

from itertools import pairwise

from casedesk.cli.cells import cell_len as _cell_len
from casedesk.cli.cells import chop_cells as _chop_cells
from casedesk.cli.cells import set_cell_size as _set_cell_size

TYPE_CHECKING = False  # not `typing`'s: this module loads nothing beyond the standard library
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any, TypeAlias

    Key: TypeAlias = "tuple[int, str | None] | None"  # (attribute bits, colour code); None: none
    Segment: TypeAlias = "tuple[str, Key]"
    Styled: TypeAlias = "str | list[tuple[str, str]] | tuple[str, list[tuple[str, str]]]"

__all__ = ["supports_style", "table", "text"]


class _Unsupported(Exception):
    """The input needs something rich does that this module does not reproduce."""


# rich.style: attribute bits and their SGR codes, in the order rich writes them
_ATTRIBUTES = {"bold": 1, "dim": 2, "italic": 4, "underline": 8, "blink": 16, "reverse": 64,
               "strike": 256}  # fmt: skip
_ATTRIBUTE_CODES = ((1, "1"), (2, "2"), (4, "3"), (8, "4"), (16, "5"), (64, "7"), (256, "9"))
_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_COLOURS = {name: str(30 + n) for n, name in enumerate(_NAMES)} | {
    f"bright_{name}": str(90 + n) for n, name in enumerate(_NAMES)
}
_styles: dict[str, Key] = {"": None}


def _style(definition: str) -> Key:
    key = _styles.get(definition, False)
    if key is not False:
        return key  # type: ignore[return-value]
    bits, colour = 0, None
    for word in definition.split():
        word = word.lower()
        if word in _ATTRIBUTES:
            bits |= _ATTRIBUTES[word]
        elif word in _COLOURS:
            colour = _COLOURS[word]
        else:
            raise _Unsupported(definition)
    if not bits and colour is None:
        raise _Unsupported(definition)  # "none" and the like: a null style that still splits
    key = (bits, colour)
    _styles[definition] = key
    return key


def supports_style(style: str) -> bool:
    try:
        _style(style)
    except _Unsupported:
        return False
    return True


def _add(first: Key, second: Key) -> Key:
    """rich's `Style.__add__` for styles that only set attributes and a foreground colour."""
    if first is None:
        return second
    if second is None:
        return first
    return (first[0] | second[0], second[1] or first[1])


def _check(text: str) -> None:
    """Refuse text rich would change or measure otherwise than its characters (controls,
    tabs, separators other than " " and line feeds)."""
    if not text.isprintable() and not text.replace("\n", "").replace("\u200d", "").isprintable():
        raise _Unsupported("unprintable text")


# ---- rich.text.Text, as far as a table cell and a printed line need it -------------------


class _Text:
    """A rich Text: `plain`, its base `style` and `spans` [start, end, style] in order."""

    __slots__ = ("plain", "spans", "style")

    def __init__(self, plain: str, style: Key, spans: list[tuple[int, int, Key]]) -> None:
        self.plain = plain
        self.style = style
        self.spans = spans

    def set_plain(self, new: str) -> None:
        """`Text.plain = new`: spans past a shorter text are trimmed."""
        if new != self.plain:
            old = len(self.plain)
            self.plain = new
            if old > len(new):
                end = len(new)
                self.spans = [(s, min(e, end), k) for s, e, k in self.spans if s < end]

    def right_crop(self, amount: int) -> None:
        end = len(self.plain) - amount
        self.spans = [(s, min(e, end), k) for s, e, k in self.spans if s < end]
        self.plain = self.plain[:-amount]


def _styled(item: Styled | None) -> _Text:
    if item is None or isinstance(item, str):
        item = item or ""
        _check(item)
        return _Text(item, None, [])
    if isinstance(item, tuple):
        base, runs = item
    elif isinstance(item, list):
        base, runs = "", item
    else:
        raise _Unsupported(type(item).__name__)
    parts = []
    spans = []
    offset = 0
    for words, style in runs:
        if not words:
            continue  # rich's append ignores empty text, style and all
        _check(words)
        parts.append(words)
        if style:
            spans.append((offset, offset + len(words), _style(style)))
        offset += len(words)
    return _Text("".join(parts), _style(base) if base else None, spans)


def _divide(text: _Text, offsets: list[int]) -> list[_Text]:
    """`Text.divide`."""
    if not offsets:
        return [text]
    plain = text.plain
    cuts = [0, *offsets, len(plain)]
    lines = []
    for start, end in pairwise(cuts):
        spans = []
        for s, e, k in text.spans:
            new_start = max(0, s - start)
            new_end = min(e - start, end - start)
            if new_end > new_start:
                spans.append((new_start, new_end, k))
        lines.append(_Text(plain[start:end], text.style, spans))
    return lines


def _split_lines(text: _Text) -> list[_Text]:
    """`Text.split("\\n", allow_blank=True)`."""
    plain = text.plain
    if "\n" not in plain:
        return [text]
    offsets = []
    i = plain.find("\n")
    while i >= 0:
        offsets += (i, i + 1)
        i = plain.find("\n", i + 1)
    return [line for line in _divide(text, offsets) if line.plain != "\n"]


def _words(text: str) -> Iterable[tuple[int, str]]:
    """rich._wrap.words: each word with the spaces before (the first) and after it (whitespace
    here is only " ": _check refuses every other kind)."""
    size = len(text)
    position = 0
    while True:
        i = position
        while i < size and text[i] == " ":
            i += 1
        if i == size:
            return
        i = text.find(" ", i)
        if i < 0:
            i = size
        while i < size and text[i] == " ":
            i += 1
        yield position, text[position:i]
        position = i


def _divide_line(text: str, width: int, fold: bool) -> list[int]:
    """rich._wrap.divide_line."""
    breaks: list[int] = []
    cell_offset = 0
    for start, word in _words(text):
        word_length = _cell_len(word.rstrip())
        if width - cell_offset >= word_length:
            cell_offset += _cell_len(word)
        elif word_length > width:
            if fold:
                folded = _chop_cells(word, width)
                for n, line in enumerate(folded):
                    if start:
                        breaks.append(start)
                    if n == len(folded) - 1:
                        cell_offset = _cell_len(line)
                    else:
                        start += len(line)
            else:
                if start:
                    breaks.append(start)
                cell_offset = _cell_len(word)
        elif cell_offset and start:
            breaks.append(start)
            cell_offset = _cell_len(word)
    return breaks


def _truncate(text: _Text, width: int, overflow: str, pad: bool = False) -> None:
    """`Text.truncate`."""
    length = _cell_len(text.plain)
    if length > width:
        if overflow == "ellipsis":
            text.set_plain(_set_cell_size(text.plain, width - 1) + "…")
        else:
            text.set_plain(_set_cell_size(text.plain, width))
    if pad and length < width:
        text.plain += " " * (width - length)


def _wrap(text: _Text, width: int, justify: str, overflow: str, no_wrap: bool) -> list[_Text]:
    """`Text.wrap`, justified as `Lines.justify` does for "left", "right" and "default"."""
    lines = []
    for line in _split_lines(text):
        if no_wrap:
            new_lines = [line]
        else:
            plain = line.plain
            if _cell_len(plain) > width:
                new_lines = _divide(line, _divide_line(plain, width, overflow == "fold"))
            else:
                new_lines = [line]  # it fits: divide_line would find no break
            for new in new_lines:  # Text.rstrip_end (counting characters, as rich does)
                excess = len(new.plain) - width
                if excess > 0:
                    spaces = len(new.plain) - len(new.plain.rstrip())
                    if spaces:
                        new.right_crop(min(spaces, excess))
        if justify == "left":
            for new in new_lines:
                _truncate(new, width, overflow, pad=True)
        elif justify == "right":
            for new in new_lines:
                new.set_plain(new.plain.rstrip())
                _truncate(new, width, overflow)
                count = width - _cell_len(new.plain)
                if count:
                    new.plain = " " * count + new.plain
                    new.spans = [(s + count, e + count, k) for s, e, k in new.spans]
        else:  # rich truncates every line once more; after "left" or "right" in vain
            for new in new_lines:
                _truncate(new, width, overflow)
        lines.extend(new_lines)
    return lines


def _segments(line: _Text) -> list[Segment]:
    """`Text.render` of one line: a segment between every two span edges, styled by the base
    style and then each span over it, in order."""
    plain = line.plain
    if not line.spans:
        return [(plain, line.style)] if plain else []
    size = len(plain)
    edges = {0, size}
    for s, e, _ in line.spans:
        edges.add(s)
        edges.add(e)
    points = sorted(p for p in edges if p <= size)
    segments = []
    for start, end in pairwise(points):
        key = line.style
        for s, e, k in line.spans:
            if s <= start < e:
                key = _add(key, k)
        segments.append((plain[start:end], key))
    return segments


# ---- rich.segment.Segment's line operations --------------------------------------------


def _adjust(line: list[Segment], length: int, style: Key, pad: bool = True) -> list[Segment]:
    """`Segment.adjust_line_length`."""
    line_length = sum(_cell_len(t) for t, _ in line)
    if line_length < length:
        return [*line, (" " * (length - line_length), style)] if pad else line
    if line_length == length:
        return line
    new_line = []
    line_length = 0
    for text, key in line:
        size = _cell_len(text)
        if line_length + size < length:
            new_line.append((text, key))
            line_length += size
        else:
            new_line.append((_set_cell_size(text, length - line_length), key))
            break
    return new_line


def _codes(key: Key, colour: bool) -> str:
    if key is None:
        return ""
    bits, fg = key
    codes = [code for bit, code in _ATTRIBUTE_CODES if bits & bit]
    if fg is not None and colour:
        codes.append(fg)
    return ";".join(codes)


class _Writer:
    """`Console._render_buffer`: each styled, non-empty segment as ESC[codes m text ESC[0m."""

    def __init__(self, width: int, color_system: str | None, no_color: bool) -> None:
        if color_system not in (None, "standard", "256", "truecolor"):
            raise _Unsupported(str(color_system))
        if width < 1:
            raise _Unsupported("width")
        self.width = width
        self.styled = color_system is not None
        self.colour = not no_color
        self.sgr: dict[Key, str] = {}
        self.out: list[str] = []

    def line(self, segments: list[Segment], cells: int | None = None) -> None:
        """One line as `Console.print` writes it: cropped to the width, then a line feed."""
        if cells is None:
            joined = "".join(t for t, _ in segments)
            cells = len(joined) if joined.isascii() else sum(_cell_len(t) for t, _ in segments)
        if cells > self.width:
            segments = _adjust(segments, self.width, None, pad=False)
        out = self.out
        if not self.styled:
            out.extend(t for t, _ in segments)
        else:
            sgr = self.sgr
            for text, key in segments:
                if key is None or not text:
                    out.append(text)
                    continue
                codes = sgr.get(key)
                if codes is None:
                    codes = sgr[key] = _codes(key, self.colour)
                out.append(f"\x1b[{codes}m{text}\x1b[0m" if codes else text)
        out.append("\n")


# ---- text --------------------------------------------------------------------------------


def text(
    items: Sequence[Styled],
    width: int,
    color_system: str | None = None,
    no_color: bool = False,
    style: str = "",
) -> str | None:
    """What rich prints for `items`, styled texts printed as a Group (or one of them alone)."""
    try:
        writer = _Writer(width, color_system, no_color)
        over = _style(style)
        for part in items:
            for line in _wrap(_styled(part), width, "default", "fold", False):
                segments = _segments(line)
                if over is not None:
                    segments = [(t, _add(over, k)) for t, k in segments]
                writer.line(segments)
        return "".join(writer.out)
    except _Unsupported:
        return None


# ---- table -------------------------------------------------------------------------------

_OPTIONS = {"justify", "no_wrap", "overflow", "min_width", "max_width", "ratio"}


class _Column:
    __slots__ = ("justify", "left", "max_width", "min_width", "no_wrap", "overflow", "right")

    def __init__(self, options: dict[str, Any], left: int, right: int) -> None:
        if not _OPTIONS.issuperset(options):
            raise _Unsupported(str(set(options) - _OPTIONS))
        self.justify = options.get("justify", "left")  # (None would be "default", unlike "left")
        self.overflow = options.get("overflow", "ellipsis")  # (None would be "fold")
        if self.justify not in ("left", "right") or self.overflow not in (
            "ellipsis",
            "crop",
            "fold",
        ):
            raise _Unsupported("justify or overflow")
        self.no_wrap = bool(options.get("no_wrap"))
        self.min_width = options.get("min_width")
        self.max_width = options.get("max_width")
        self.left = left
        self.right = right


def _ratio_reduce(
    total: int, ratios: list[int], maximums: list[int], values: list[int]
) -> list[int]:
    """rich._ratio.ratio_reduce."""
    ratios = [ratio if most else 0 for ratio, most in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    total_remaining = total
    result = []
    for ratio, maximum, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * total_remaining / total_ratio))
            result.append(value - distributed)
            total_remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _collapse_widths(widths: list[int], wrapable: list[bool], max_width: int) -> list[int]:
    """rich.table.Table._collapse_widths."""
    total_width = sum(widths)
    excess_width = total_width - max_width
    if any(wrapable):
        while total_width and excess_width > 0:
            max_column = max(w for w, wrap in zip(widths, wrapable, strict=True) if wrap)
            second_max_column = max(
                w if wrap and w != max_column else 0
                for w, wrap in zip(widths, wrapable, strict=True)
            )
            column_difference = max_column - second_max_column
            ratios = [
                (1 if (w == max_column and wrap) else 0)
                for w, wrap in zip(widths, wrapable, strict=True)
            ]
            if not any(ratios) or not column_difference:
                break
            max_reduce = [min(excess_width, column_difference)] * len(widths)
            widths = _ratio_reduce(excess_width, ratios, max_reduce, widths)
            total_width = sum(widths)
            excess_width = total_width - max_width
    return widths


def _measure(column: _Column, longest: int, max_width: int) -> int:
    """The maximum of `Table._measure_column` (its minimum never changes a width), for a
    column whose longest cell line is `longest` cells wide."""
    if max_width < 1:
        return 0
    extra = column.left + column.right
    if max_width - extra < 1:  # Padding.__rich_measure__
        most = max_width
    else:
        inner = min(longest, max_width)
        most = min((inner if inner >= 1 else 0) + extra, max_width)
    if most < 1:
        most = 0
    if column.min_width is not None:
        most = max(most, max(0, column.min_width + extra))
    if column.max_width is not None:
        most = min(most, column.max_width + extra)
    return most


def _column_widths(columns: list[_Column], longest: list[int], max_width: int) -> list[int]:
    """rich.table.Table._calculate_column_widths for a table that does not expand."""
    widths = [_measure(c, n, max_width) or 1 for c, n in zip(columns, longest, strict=True)]
    if sum(widths) > max_width:
        widths = _collapse_widths(widths, [not c.no_wrap for c in columns], max_width)
        if sum(widths) > max_width:
            excess_width = sum(widths) - max_width
            widths = _ratio_reduce(excess_width, [1] * len(widths), widths, widths)
        widths = [_measure(c, n, w) for c, n, w in zip(columns, longest, widths, strict=True)]
    return widths


def _longest_line(cell: _Text) -> int:
    plain = cell.plain
    if "\n" not in plain:
        return _cell_len(plain)
    return max((_cell_len(line) for line in plain.splitlines()), default=0)


def _cell_lines(cell: _Text, column: _Column, width: int, style: Key) -> list[list[Segment]]:
    """`console.render_lines(Padding(cell, padding), ..., style=style)` for a cell `width`
    wide, padding included. (Justified lines are `width` cells exactly, so the cropping and
    padding of `render_lines` change nothing and are left out.)"""
    left, right = column.left, column.right
    inner = width - left - right
    if inner < 1:
        return []  # nothing rendered in no space: Padding yields no line at all
    plain = cell.plain
    if (
        column.justify == "left"
        and len(plain) <= inner
        and "\n" not in plain
        and (plain.isascii() or _cell_len(plain) <= inner)
    ):  # most cells: one line that fits, padded on the right (Text.truncate(pad=True))
        cell.plain = plain + " " * (inner - _cell_len(plain))
        wrapped = [cell]
    else:
        wrapped = _wrap(cell, inner, column.justify, column.overflow, column.no_wrap)
    lines = []
    for line in wrapped:
        segments = _segments(line) if line.spans else [(line.plain, line.style)]
        if left:
            segments.insert(0, (" " * left, None))
        if right:
            segments.append((" " * right, None))
        if style is not None:
            segments = [(t, _add(style, k)) for t, k in segments]
        lines.append(segments)
    return lines


def table(
    columns: Sequence[tuple[Styled, dict[str, Any]]],
    rows: Sequence[Sequence[Styled | None]],
    width: int,
    color_system: str | None = None,
    no_color: bool = False,
) -> str | None:
    """What rich prints for the borderless table (see the module's docstring)."""
    try:
        return _table(columns, rows, width, _Writer(width, color_system, no_color))
    except _Unsupported:
        return None


def _table(
    columns: Sequence[tuple[Styled, dict[str, Any]]],
    rows: Sequence[Sequence[Styled | None]],
    width: int,
    writer: _Writer,
) -> str:
    count = len(columns)
    if not count:
        return "\n"
    specs = [
        _Column(options, 1 if i else 0, 1 if i < count - 1 else 0)
        for i, (_, options) in enumerate(columns)
    ]
    body = []
    for row in rows:
        if len(row) > count:
            raise _Unsupported("more cells than columns")
        body.append(
            [_styled(cell) for cell in row] + [_styled("") for _ in range(count - len(row))]
        )
    header = [_styled(head) for head, _ in columns]
    longest = [_longest_line(cell) for cell in header]
    for cells in body:
        longest = [max(n, _longest_line(cell)) for n, cell in zip(longest, cells, strict=True)]
    widths = _column_widths(specs, longest, width)
    table_width = sum(widths)
    cells_wide = table_width if table_width <= width else None  # else print crops the lines
    bold = _style("bold")
    for row_index, cells in enumerate([header, *body]):
        style = bold if row_index == 0 else None
        rendered = [
            _cell_lines(cell, column, size, style)
            for cell, column, size in zip(cells, specs, widths, strict=True)
        ]
        if all(len(lines) == 1 for lines in rendered):  # most rows: nothing to align
            writer.line([segment for lines in rendered for segment in lines[0]], cells_wide)
            continue
        row_height = max(len(lines) for lines in rendered)
        height = max(1, row_height)
        shaped = []
        for lines, size in zip(rendered, widths, strict=True):
            extra = row_height - len(lines)
            if extra:  # Segment.align_top, align_bottom for the header
                blank = [(" " * size, style)]
                lines = [blank] * extra + lines if row_index == 0 else lines + [blank] * extra
            if len(lines) < height:  # Segment.set_shape
                lines = lines + [[(" " * size, None)]] * (height - len(lines))
            shaped.append(lines)
        for line_no in range(height):
            segments = [segment for lines in shaped for segment in lines[line_no]]
            writer.line(segments, cells_wide)
    return "".join(writer.out)
