"""A mail's own words and its quoted rest, split where `mail/quote.py` found the quote to start.

Standard library only, without a regular expression: the read verbs' fast path folds quotes.
"""

from __future__ import annotations


def fold(text: str, quote_at: int | None) -> tuple[str, str]:
    """(the new words, the quoted rest) of a mail event, for a timeline that folds quotes.

    `quote_at` is the event's `data["quote_at"]`; the event's text always holds both parts.
    """
    if quote_at is None or not 0 < quote_at < len(text):
        return text, ""
    return text[:quote_at].rstrip(), text[quote_at:]
