"""Where a reply's own words end and the quoted earlier mail begins. Pure text in, offset out.

The full text is always kept; the offset only lets the timeline fold the quote away.
"""

from __future__ import annotations

import re

# "On Mon, 23 Nov 2026 at 09:00, Ann <ann@example.com> wrote:" and its cousins in other languages.
_ATTRIBUTION = re.compile(
    r"^\s*(on|am|le|el|il|op|den|em)\b.{0,300}?"
    r"(wrote|schrieb|a\s+écrit|escribió|ha\s+scritto|schreef|skrev|escreveu)\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_OUTLOOK_FROM = re.compile(r"^\s*\*?(from|von|de|da|van)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|to|an|à|para|a|aan|"
    r"subject|betreff|objet|asunto|oggetto|onderwerp)\s*:",
    re.IGNORECASE,
)


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _outlook_header_at(lines: list[str], i: int) -> bool:
    """A 'From: … / Sent: … / To: … / Subject: …' block, as Outlook puts above the old mail."""
    if not _OUTLOOK_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 5] if line.strip()]
    return sum(1 for line in following if _OUTLOOK_NEXT.match(line)) >= 2


def quote_start(text: str) -> int | None:
    """The character offset where the quoted previous mail starts, or None when there is none.

    None too when nothing but quote would be left to show (then there is nothing to fold).
    """
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    start: int | None = None

    for i, line in enumerate(lines):
        if _ORIGINAL.match(line) or _outlook_header_at(lines, i):
            start = i
            # The line of underscores Outlook draws above the header belongs to the quote.
            previous = _previous_nonblank(lines, i)
            if previous is not None and _RULE.match(lines[previous]):
                start = previous
            break
        attribution = _attribution_at(lines, i)
        if attribution and _next_is_quoted(lines, i + attribution):
            start = i
            break

    trailing = _trailing_quote(lines)
    if trailing is not None:
        previous = _previous_nonblank(lines, trailing)
        attribution = _attribution_ends_at(lines, previous) if previous is not None else None
        if attribution is not None:
            trailing = attribution
        if start is None or trailing < start:
            start = trailing

    if start is None or not "".join(lines[:start]).strip():
        return None
    return offsets[start]


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines (1 or 2) an attribution starting at line i takes; 0 when none."""
    if not lines[i].strip():
        return 0
    if _ATTRIBUTION.match(lines[i].rstrip("\r\n")):
        return 1
    if i + 1 < len(lines):
        joined = lines[i].rstrip("\r\n") + " " + lines[i + 1].rstrip("\r\n")
        if _ATTRIBUTION.match(joined) and not _is_quoted(lines[i]):
            return 2
    return 0


def _attribution_ends_at(lines: list[str], last: int) -> int | None:
    """The first line of an attribution whose last line is `last`, if there is one."""
    if _attribution_at(lines, last) == 1:
        return last
    if last > 0 and _attribution_at(lines, last - 1) == 2:
        return last - 1
    return None


def _next_is_quoted(lines: list[str], i: int) -> bool:
    for line in lines[i:]:
        if line.strip():
            return _is_quoted(line)
    return False


def _previous_nonblank(lines: list[str], i: int) -> int | None:
    for j in range(i - 1, -1, -1):
        if lines[j].strip():
            return j
    return None


def _trailing_quote(lines: list[str]) -> int | None:
    """The first line of the block of '>' lines (and blanks) that runs to the end."""
    start = None
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if not line.strip():
            continue
        if _is_quoted(line):
            start = i
        else:
            break
    return start


def fold(text: str, quote_at: int | None) -> tuple[str, str]:
    """(the new words, the quoted rest) of a mail event, for a timeline that folds quotes.

    `quote_at` is the event's `data["quote_at"]`; the event's text always holds both parts.
    """
    if quote_at is None or not 0 < quote_at < len(text):
        return text, ""
    return text[:quote_at].rstrip(), text[quote_at:]
