"""The timeline's line layout (widgets/timeline.py `lay_out`) wraps exactly as textwrap does.

`lay_out` skips textwrap for a paragraph that already fits; these check that the shortcut never
changes a line, with whitespace, tabs and long words where the shortcut must not apply.
"""

from __future__ import annotations

import textwrap

from hypothesis import given
from hypothesis import strategies as st

from casedesk.widgets.timeline import INDENT, lay_out


def by_textwrap(bodies: list[str], width: int) -> list[tuple[int, str | None]]:
    wrap = textwrap.TextWrapper(
        width=width,
        initial_indent=INDENT,
        subsequent_indent=INDENT,
        replace_whitespace=False,
        drop_whitespace=True,
    )
    lines: list[tuple[int, str | None]] = []
    for index, body in enumerate(bodies):
        lines.append((index, None))
        for paragraph in body.splitlines() if body else []:
            wrapped = wrap.wrap(paragraph) if paragraph.strip() else [""]
            lines.extend((index, line) for line in wrapped)
    return lines


pieces = st.sampled_from([*"abcdé漢 \t\u00a0\u2003\n.,-", "word ", "Übergrößenträger"])
words = st.lists(pieces, max_size=40).map("".join)


@given(st.lists(words, max_size=6), st.integers(min_value=5, max_value=60))
def test_lay_out_wraps_as_textwrap_does(bodies, width):
    lines, starts = lay_out(bodies, width)
    assert lines == by_textwrap(bodies, width)
    assert [lines[i] for i in starts] == [(i, None) for i in range(len(bodies))]


def test_a_paragraph_that_fits_is_indented_unchanged():
    lines, _ = lay_out(["Laptop won't charge.\n\nThanks, Greta"], 40)
    assert lines == [
        (0, None),
        (0, INDENT + "Laptop won't charge."),
        (0, ""),
        (0, INDENT + "Thanks, Greta"),
    ]
