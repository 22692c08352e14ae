"""A case's whole history as a scrollable, foldable list: fast for 500 events and more.

Textual's OptionList measures every entry through Rich wrapping (about 0.9 s for 500 events);
this widget wraps the words with `textwrap` once per width and renders only the lines on screen,
so opening a long case stays well under 100 ms.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from casedesk import keys
from casedesk.core.model import Event
from casedesk.widgets.render import body_style, event_body_text, event_head, is_long

INDENT = "    "


def lay_out(bodies: list[str], width: int) -> tuple[list[tuple[int, str | None]], list[int]]:
    """The timeline's lines for entries with these bodies: (entry, None) for an entry's head,
    (entry, text) for each line of its body, wrapped to `width` and indented; and the index of
    each entry's first line."""
    lines: list[tuple[int, str | None]] = []
    starts: list[int] = []
    wrap = textwrap.TextWrapper(
        width=width,
        initial_indent=INDENT,
        subsequent_indent=INDENT,
        replace_whitespace=False,
        drop_whitespace=True,
    )
    # Most paragraphs fit on a line as they are, and textwrap would return them indented and
    # unchanged, at ~15 µs each: 9 ms of opening a case of 500 events.
    fits = width - len(INDENT)
    for index, body in enumerate(bodies):
        starts.append(len(lines))
        lines.append((index, None))
        for paragraph in body.splitlines() if body else []:
            if len(paragraph) <= fits and "\t" not in paragraph and paragraph == paragraph.strip():
                lines.append((index, INDENT + paragraph if paragraph else ""))
            else:
                wrapped = wrap.wrap(paragraph) if paragraph.strip() else [""]
                lines.extend((index, line) for line in wrapped)
    return lines, starts


class Timeline(ScrollView, can_focus=True):
    """Events oldest first; the cursor is on one event; `x`/enter folds or unfolds it."""

    BINDINGS = keys.TIMELINE
    COMPONENT_CLASSES: ClassVar[set[str]] = {"timeline--cursor"}
    DEFAULT_CSS = """
    Timeline { height: 1fr; }
    Timeline > .timeline--cursor { background: $block-cursor-blurred-background; }
    Timeline:focus > .timeline--cursor { background: $block-cursor-background; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Toggled(Message):
        def __init__(self, event: Event, unfolded: bool) -> None:
            super().__init__()
            self.event = event
            self.unfolded = unfolded

    def __init__(self, now: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._now = now
        self.events: list[Event] = []
        self.unfolded: set[int] = set()
        # Flat list of lines: (event index, None for its head or the body line's text).
        self._lines: list[tuple[int, str | None]] = []
        self._starts: list[int] = []
        self._width = 0
        self._heads: dict[int, Text] = {}

    # -- content --------------------------------------------------------------------------

    def show(self, events: list[Event], follow: bool = False) -> None:
        """Show `events`; `follow` puts the cursor on the newest (else it stays put)."""
        at_end = not self.events or self.cursor >= len(self.events) - 1
        self.events = events
        self._heads.clear()
        self._layout()
        if follow or at_end:
            self.cursor = len(events) - 1
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)
        else:
            self.cursor = min(self.cursor, len(events) - 1)
        self.refresh()

    def repaint(self) -> None:
        """Time moved on: the heads say "(3h ago)"."""
        self._heads.clear()
        self.refresh()

    def entry_text(self, index: int) -> str:
        """What an entry shows right now (folded or not), as plain text."""
        if index < 0:
            index += len(self.events)
        event = self.events[index]
        body = event_body_text(event, folded=event.id not in self.unfolded)
        head = event_head(event, self._now()).plain
        return head + ("\n" + body if body else "")

    def _layout(self) -> None:
        width = self.scrollable_content_region.width
        self._width = width
        if not width:
            return  # not sized yet: on_resize lays it out once (saves a pass on open)
        bodies = [event_body_text(e, folded=e.id not in self.unfolded) for e in self.events]
        self._lines, self._starts = lay_out(bodies, width)
        self.virtual_size = Size(width, len(self._lines))

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width:
            self._layout()
            self._show_cursor()

    # -- cursor and folding ---------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.events) - 1)) if self.events else 0

    def watch_cursor(self) -> None:
        self._show_cursor()
        self.refresh()

    def _event_region(self, index: int) -> tuple[int, int]:
        if not self._starts:
            return 0, 0
        start = self._starts[index]
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self._lines)
        return start, end

    def _show_cursor(self) -> None:
        if not self.events:
            return
        start, end = self._event_region(self.cursor)
        self.scroll_to_region(
            Region(0, start, 1, max(end - start, 1)), animate=False, immediate=True, top=False
        )

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.events) - 1

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(1)

    def _page(self, direction: int) -> None:
        if not self._lines:
            return
        height = max(self.scrollable_content_region.height - 1, 1)
        start, _ = self._event_region(self.cursor)
        line = max(0, min(start + direction * height, len(self._lines) - 1))
        self.cursor = self._lines[line][0]

    def action_toggle(self) -> None:
        if not self.events:
            return
        event = self.events[self.cursor]
        if event.id is None or not is_long(event):
            return
        self.unfolded ^= {event.id}
        self._layout()
        self._show_cursor()
        self.refresh()
        self.post_message(self.Toggled(event, event.id in self.unfolded))

    def toggle_all(self) -> None:
        every = {e.id for e in self.events if e.id is not None and is_long(e)}
        self.unfolded = set() if every <= self.unfolded else every
        self._layout()
        self._show_cursor()
        self.refresh()

    async def _on_click(self, event: events.Click) -> None:
        line = int(self.scroll_y) + event.y
        if 0 <= line < len(self._lines):
            index = self._lines[line][0]
            if index == self.cursor:
                self.action_toggle()
            else:
                self.cursor = index

    # -- rendering ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        line = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if line >= len(self._lines):
            return Strip.blank(width, base)
        index, body = self._lines[line]
        event = self.events[index]
        if body is None:
            text = self._heads.get(index)
            if text is None:
                text = self._heads[index] = event_head(event, self._now())
            text = text.copy()
        else:
            text = Text(body, style=body_style(event))
        if index == self.cursor:
            text.pad_right(max(width - text.cell_len, 0))
            text.stylize(self.get_component_rich_style("timeline--cursor"))
        segments = list(text.render(self.app.console))
        segments = [s for s in segments if s.text != "\n"] or [Segment("")]
        return Strip(segments).crop_extend(0, width, base).apply_style(base)
