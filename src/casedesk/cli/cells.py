"""Text measured in terminal cells as rich measures it, without loading rich for the
characters it measures by their count.

`rich.cells` (and the tables it loads) cost more to import than a read verb's query; the read
verbs' words and most customer text are made of characters one cell wide, which rich measures
by their count too. Any other text is measured by `rich.cells`, loaded then.
"""

from __future__ import annotations

# Characters rich measures as one cell by their count alone (`rich.cells`' single-cell ranges),
# and the few others the verbs' own words are made of, each one cell in rich's table (a test
# checks): text of these is measured and cut here; any other goes to `rich.cells`.
_RICH_SINGLE = frozenset(
    chr(code)
    for start, end in [
        (0x20, 0x7E),
        (0xA0, 0xAC),
        (0xAE, 0x2FF),
        (0x370, 0x482),
        (0x2500, 0x25FC),
        (0x2800, 0x28FF),
    ]
    for code in range(start, end + 1)
)
NARROW_WORDS = "—…→←✓“”‘’•"
_NARROW = _RICH_SINGLE | frozenset(NARROW_WORDS)


def cell_len(text: str) -> int:
    """`rich.cells.cell_len`."""
    if _NARROW.issuperset(text):
        return len(text)
    from rich.cells import cell_len as measured

    return measured(text)


def set_cell_size(text: str, total: int) -> str:
    """`rich.cells.set_cell_size`: cropped or padded to `total` cells."""
    narrow = _RICH_SINGLE.issuperset(text)
    if not narrow and _NARROW.issuperset(text):
        if total <= 0:  # (rich's way for text beyond its single-cell ranges)
            return ""
        narrow = True
    if narrow:
        size = len(text)
        return text + " " * (total - size) if size < total else text[:total]
    from rich.cells import set_cell_size as sized

    return sized(text, total)


def chop_cells(text: str, width: int) -> list[str]:
    """`rich.cells.chop_cells`: lines of at most `width` cells."""
    if _NARROW.issuperset(text):
        return [text[i : i + width] for i in range(0, len(text), width)]
    from rich.cells import chop_cells as chopped

    return chopped(text, width)
