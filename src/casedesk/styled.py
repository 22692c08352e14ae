"""Styled text without rich, and the lines of a case that the console and the CLI both show.

`Styled` is what `rich.text.Text` is to these surfaces (a base style, then pieces of text each
with a style of its own) and becomes one only when rich prints it: building hundreds of rich
Texts, and importing rich to do it, cost more than reading the case. The words come from
`core/wording.py`; the line functions take plain values, so a stored row and the model render
through the same words. Standard library only at import.
"""

from __future__ import annotations

from casedesk.core.safetext import one_line, printable
from casedesk.core.wording import (
    describe_reason,
    due_words,
    explain_parts,
    humanize,
    relative,
)

TYPE_CHECKING = False  # not `typing`'s: the read verbs' fast path loads this module
if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from rich.text import Text

OVERDUE_MARK = "!"
LOUD = "bold red"


class Styled:
    """Text in pieces, each with a style, under a base style for the whole (as rich's Text)."""

    __slots__ = ("parts", "style")

    def __init__(self, text: str = "", style: str = "") -> None:
        self.style = style
        self.parts: list[tuple[str, str]] = [(text, "")] if text else []

    def append(self, text: str | Styled, style: str = "") -> Styled:
        if isinstance(text, Styled):
            if text.style or style:
                raise ValueError("append the pieces of a styled Styled, not the whole")
            self.parts.extend(text.parts)
        elif text:
            self.parts.append((text, style))
        return self

    @property
    def plain(self) -> str:
        return "".join(piece for piece, _ in self.parts)

    def to_text(self) -> Text:
        """The same as a rich Text, built the way the surfaces built it before."""
        from rich.text import Text

        text = Text(style=self.style)
        for piece, style in self.parts:
            text.append(piece, style=style or None)
        return text

    __rich__ = to_text


def last_heard_line(
    told_at: datetime | None,
    channel: str | None,
    by: str | None,
    words: str | None,
    now: datetime,
) -> Styled:
    """What the customer last heard from us, when, how and from whom."""
    line = Styled("Customer last heard: ", style="bold")
    if told_at is None:
        return line.append("nothing yet", style="yellow")
    line.append(f"{humanize(now - told_at)} ago, by {channel}, from ")
    line.append(printable(by or "?"))
    line.append(" — ")
    return line.append(f"“{one_line(words or '', 70)}”")


def next_due_line(
    at: datetime | None,
    since: datetime,
    reason: str,
    detail: str,
    now: datetime,
    working: timedelta | None = None,
) -> Styled:
    """When the customer must next hear from us, and why; `working`, the working time left
    when the due time counts it (`[hours]`)."""
    line = Styled("Next update due: ", style="bold")
    if at is None:
        return line.append("nothing due")
    if working is not None:
        words = due_words(at, since, now, working).removeprefix("due ")
        words += f" ({describe_reason(reason)})"
        if at <= now:  # "overdue 2h working time, waiting 2d 18h (…)"
            return line.append(f"{OVERDUE_MARK} {words.replace('overdue', 'OVERDUE', 1)}", LOUD)
        return line.append(words)
    explained = explain_parts(reason, at, since, detail, now)
    if at <= now:
        text = f"{OVERDUE_MARK} OVERDUE {humanize(now - at)} — {explained}"
        return line.append(text, style=LOUD)
    return line.append(f"{relative(at, now)} ({explained})")
