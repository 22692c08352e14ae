"""Search queries as casedesk takes them, and snippets built from a bounded piece of text.

Engine-neutral on purpose: the store indexes at most `INDEXED_CHARS` of each text and hands the
matched text (never more than `SNIPPET_CHARS` of it) to `snippet`, so one hostile mail that
repeats a word for megabytes costs no more to search than an ordinary one. The query syntax is
SQLite FTS5's; `parse_query` reads it only far enough to refuse what would be slow or confusing
and to know which words to mark in a snippet.
"""

from __future__ import annotations

import re
import unicodedata
from collections import namedtuple

from casedesk.core.errors import SearchSyntaxError

# Each event's text is indexed up to here: enough for any real message (a long mail thread is
# ~20,000 characters), and small enough that ranking a hit costs next to nothing.
INDEXED_CHARS = 64 * 1024
# A snippet is looked for in at most this much of the matched text.
SNIPPET_CHARS = INDEXED_CHARS
SNIPPET_WORDS = 12
MAX_TERMS = 32
# Each prefix term (`a*`) walks every indexed word that starts with it: 800 of them took 26 s.
MAX_PREFIX_TERMS = 8

_KEYWORDS = {"AND", "OR", "NOT", "NEAR"}
_WORD = re.compile(r"[^\W_]+")


# Named tuples, not dataclasses: the read verbs' JSON path searches without loading those.
class Term(namedtuple("Term", ["words", "prefix"], defaults=[False])):
    """One word or phrase to look for: its folded words (a tuple of str), and whether the last
    is a prefix."""

    __slots__ = ()


class ParsedQuery(namedtuple("ParsedQuery", ["terms"])):
    """The terms of a query (a tuple of Term), NOTed ones left out."""

    __slots__ = ()


def _bareword_char(char: str) -> bool:
    return char.isalnum() or char in "_\x1a" or ord(char) > 127


def parse_query(query: str) -> ParsedQuery:
    """The words and phrases of an FTS5 query; refuses column filters and too many terms."""
    terms: list[Term] = []
    everything: list[Term] = []  # with the NOTed ones: they cost as much to look up
    i, n = 0, len(query)
    negated = False

    def add(text: str, prefix: bool) -> None:
        nonlocal negated
        words = tuple(fold(w) for w in _WORD.findall(text))
        if words:
            everything.append(Term(words, prefix))
            if not negated:
                terms.append(everything[-1])
        negated = False

    while i < n:
        char = query[i]
        if char == '"':
            end, text = _quoted(query, i)
            prefix = end < n and query[end] == "*"
            add(text, prefix)
            i = end + (1 if prefix else 0)
        elif _bareword_char(char):
            start = i
            while i < n and _bareword_char(query[i]):
                i += 1
            word = query[start:i]
            rest = query[i:].lstrip()
            if rest.startswith(":"):
                _refuse_column(word, query)
            if word in _KEYWORDS:
                negated = word == "NOT"
                continue
            prefix = i < n and query[i] == "*"
            add(word, prefix)
            i += 1 if prefix else 0
        elif char == "{":
            end = query.find("}", i)
            _refuse_column(query[i : end + 1] if end >= 0 else query[i:], query)
        else:
            i += 1
    _check_size(query, everything)
    return ParsedQuery(tuple(terms))


def _quoted(query: str, start: int) -> tuple[int, str]:
    """The end (just past the closing quote) and the text of a "quoted phrase" ("" is a quote)."""
    i, parts = start + 1, []
    while i < len(query):
        if query[i] == '"':
            if query[i + 1 : i + 2] == '"':
                parts.append('"')
                i += 2
                continue
            return i + 1, "".join(parts)
        parts.append(query[i])
        i += 1
    return i, "".join(parts)


def _refuse_column(name: str, query: str) -> None:
    raise SearchSyntaxError(
        f"cannot search for {query!r}: search has no columns to filter on ({name}:); it looks "
        "in case titles, customers and every message and note at once. Search the words alone, "
        f'or put "{name}:" in double quotes to find that text'
    )


def _check_size(query: str, terms: list[Term]) -> None:
    shown = query if len(query) <= 60 else query[:59] + "…"
    prefixes = sum(1 for term in terms if term.prefix)
    if prefixes > MAX_PREFIX_TERMS:
        raise SearchSyntaxError(
            f"cannot search for {shown!r}: {prefixes} prefix terms (word*), at most "
            f"{MAX_PREFIX_TERMS} in one search; spell some of them out"
        )
    if len(terms) > MAX_TERMS:
        raise SearchSyntaxError(
            f"cannot search for {shown!r}: {len(terms)} words or phrases, "
            f"at most {MAX_TERMS} in one search"
        )


_FOLDED: dict[str, str] = {}


def _fold_char(char: str) -> str:
    folded = _FOLDED.get(char)
    if folded is None:
        parts = unicodedata.normalize("NFD", char)
        base = parts[0] if all(unicodedata.combining(c) for c in parts[1:]) else char
        folded = base.lower()[:1] or base
        _FOLDED[char] = folded
    return folded


class _FoldTable(dict[int, str]):
    """str.translate table: each character to one lowercase, accent-free character (same length,
    so positions in the folded text are positions in the original)."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lowercase without accents, one character for one (as SQLite's unicode61 compares words)."""
    return text.translate(_FOLD_TABLE)


def _pattern(terms: tuple[Term, ...]) -> re.Pattern[str] | None:
    alternatives = []
    for term in sorted(terms, key=lambda t: -sum(map(len, t.words))):
        body = r"[\W_]+".join(re.escape(word) for word in term.words)
        tail = r"[^\W_]*" if term.prefix else r"(?![^\W_])"
        alternatives.append(rf"(?<![^\W_]){body}{tail}")
    return re.compile("|".join(alternatives)) if alternatives else None


def snippet(text: str, query: ParsedQuery, words: int = SNIPPET_WORDS) -> str:
    """About `words` words of `text` around the first match, matches marked «like this».

    Reads at most `SNIPPET_CHARS` of `text`: the work is bounded whatever the text holds."""
    bounded = text[:SNIPPET_CHARS]
    folded = fold(bounded)
    pattern = _pattern(query.terms)
    first = pattern.search(folded) if pattern else None
    at = first.start() if first else 0
    # Up to three words before the first match, then the rest of the window after it.
    before = list(_WORD.finditer(folded, max(at - 200, 0), at))[-3:]
    start = before[0].start() if before else at
    end, limit = start, min(start + 400, len(folded))
    for count, word in enumerate(_WORD.finditer(folded, start, limit)):
        if count >= words:
            break
        end = word.end()
    else:
        end = limit if limit - start <= 80 or limit == len(folded) else max(end, start + 80)
    parts: list[str] = ["…"] if start > 0 else []
    cursor = start
    for match in pattern.finditer(folded, start, end) if pattern else ():
        parts += [bounded[cursor : match.start()], "«", bounded[match.start() : match.end()], "»"]
        cursor = match.end()
    parts.append(bounded[cursor:end])
    if end < len(text):
        parts.append("…")
    return "".join(parts)
