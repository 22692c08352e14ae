"""A PostgreSQL store's reads, without psycopg: the Store's statements in PostgreSQL's spelling
(`translate`), its search (a tsquery where SQLite has FTS5) and `LibpqRows`, the read statements
of `store.rows.Rows` run through libpq itself (`store.libpq`).

`PostgresStore` (`store/postgres.py`) runs the same statements through psycopg. The read verbs'
fast path (`cli/json_reads.py`) uses `LibpqRows`: importing psycopg alone costs about twelve
times a bare interpreter's start (it loads asyncio), and these verbs' queries take milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from casedesk.core.errors import SearchSyntaxError, StoreError
from casedesk.core.search import INDEXED_CHARS
from casedesk.store import postgres_schema as pg_schema
from casedesk.store.libpq import LibpqError
from casedesk.store.rows import Rows

TYPE_CHECKING = False  # not `typing`'s: the read verbs' fast path loads this module
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any

    from casedesk.paths import ServerStore
    from casedesk.store import libpq

# How long a connection may take before the server counts as unreachable (both drivers).
CONNECT_TIMEOUT = 10
# -- parameters and the few spellings that differ ---------------------------------------------

_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)", re.IGNORECASE)
_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_COLUMNS = re.compile(r"INTO\s+\w+\s*\(([^)]*)\)", re.IGNORECASE)
# The conflict target of each table the Store writes with INSERT OR REPLACE.
_KEYS = {
    "cases": ("id",),
    "mail_watchers": ("name",),
    "report_steps": ("case_id", "event_id"),
    "report_latest": ("case_id",),
}


@lru_cache(maxsize=512)
def translate(sql: str) -> tuple[str, bool]:
    """(psycopg's SQL, whether it returns the new row's id) for one of the Store's statements."""
    returns_id = False
    found = _INSERT_OR.match(sql)
    if found:
        kind, table = found[1].upper(), found[2]
        sql = sql[: found.start()] + f"INSERT INTO {table}" + sql[found.end() :]
        if kind == "IGNORE":
            sql += " ON CONFLICT DO NOTHING"
        else:
            columns = [c.strip() for c in _COLUMNS.search(sql)[1].split(",")]  # type: ignore[index]
            keys = _KEYS[table]
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
            sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    else:
        inserted = _INSERT.match(sql)
        if inserted and inserted[1] in pg_schema.IDENTITY_TABLES and "RETURNING" not in sql.upper():
            sql += " RETURNING id"
            returns_id = True
    return _placeholders(sql), returns_id


def _placeholders(sql: str) -> str:
    """`?` → `%s`, `:name` → `%(name)s`, `%` → `%%`, leaving quoted text and `::` casts alone."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            end = sql.find(c, i + 1)
            end = n - 1 if end < 0 else end
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
            continue
        if c == "?":
            out.append("%s")
        elif c == "%":
            out.append("%%")
        elif c == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 2
            continue
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(f"%({sql[i + 1 : j]})s")
            i = j
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def version(conn: Any) -> int:
    """The schema version of a store (0 for a new one), on psycopg's connection or libpq's."""
    row = conn.execute("SELECT to_regclass('casedesk_schema') IS NOT NULL AS known").fetchone()
    if not row or not row[0]:
        return 0
    found = conn.execute("SELECT max(version) FROM casedesk_schema").fetchone()
    return int(found[0] or 0) if found else 0


# -- rows shaped like sqlite3's --------------------------------------------------------------


class Row:
    """A result row readable by position and by column name, like sqlite3.Row."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


# -- what a PostgreSQL store reads differently ------------------------------------------------

# The indexed words of an event: its first INDEXED_CHARS characters (the index's expression).
_EVENT_WORDS = f"casedesk_words(left(text, {INDEXED_CHARS}))"
_SEARCH = f"""
    SELECT case_id, max(score) AS best,
           (array_agg(source ORDER BY score DESC))[1] AS source,
           (array_agg(ref ORDER BY score DESC))[1] AS ref
    FROM (
        SELECT * FROM (
            SELECT rowid AS case_id, ts_rank_cd(fts, q) * 2 AS score,
                   'case' AS source, rowid AS ref
            FROM cases_fts, to_tsquery('simple', :q) AS q
            WHERE fts @@ q ORDER BY score DESC, rowid DESC LIMIT :pool
        ) AS by_case
        UNION ALL
        SELECT * FROM (
            SELECT case_id, ts_rank_cd({_EVENT_WORDS}, q) AS score,
                   'event' AS source, id AS ref
            FROM events, to_tsquery('simple', :q) AS q
            WHERE {_EVENT_WORDS} @@ q ORDER BY score DESC, id DESC LIMIT :pool
        ) AS by_event
    ) AS hits GROUP BY case_id ORDER BY best DESC, case_id DESC LIMIT :limit
"""


class PgReads:
    """What `Rows` reads differently on PostgreSQL; mixed in before it (`PostgresStore`,
    `LibpqRows`)."""

    engine = "postgres"
    # The planner finds the queue order for several statuses without being steered.
    _MANY_STATUSES = "cases.status"

    def search(
        self, query: str, limit: int = 50, *, snippets: bool = True
    ) -> list[tuple[int, str]]:
        """Case ids matching the query (the CLI's forms: words, "phrases", prefix*, AND/OR/NOT,
        parentheses), best first and the newest case first among equal matches, each with a
        snippet built as on SQLite (`core.search`)."""
        from casedesk.core.search import parse_query

        parsed = parse_query(query)
        params = {"q": to_tsquery(query), "limit": limit, "pool": max(limit * 10, 200)}
        rows = self._execute(_SEARCH, params).fetchall()  # type: ignore[attr-defined]
        return self._with_snippets(rows, parsed, snippets)  # type: ignore[attr-defined,no-any-return]


# -- the search syntax -----------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:(")|(\()|(\))|([^\s()"]+))')


def to_tsquery(query: str) -> str:
    """The CLI's search forms (SQLite FTS5's: words, "a phrase", prefix*, AND, OR, NOT,
    parentheses; words side by side must all match) as a PostgreSQL tsquery."""
    parts: list[str] = []
    need_operand = True
    depth = 0
    pos = 0
    text = query.strip()
    if not text:
        _bad(query, "nothing to search for")
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if not found or found.end() == pos:
            break
        pos = found.end()
        quote, opening, closing, word = found.groups()
        if quote:
            end = text.find('"', pos)
            if end < 0:
                _bad(query, "a phrase is missing its closing double quote")
            prefix = text[end + 1 : end + 2] == "*"
            operand = _phrase(text[pos:end], prefix)
            pos = end + 1 + prefix
            if operand:
                parts += [] if need_operand else ["&"]
                parts.append(operand)
                need_operand = False
        elif opening:
            parts += [] if need_operand else ["&"]
            parts.append("(")
            depth += 1
            need_operand = True
        elif closing:
            if depth == 0 or need_operand:
                _bad(query, "a ')' without its '(' or with nothing before it")
            parts.append(")")
            depth -= 1
        elif word in ("AND", "OR", "NOT"):
            if need_operand:
                _bad(query, f"{word} needs a word before it")
            parts.append({"AND": "&", "OR": "|", "NOT": "& !"}[word])
            need_operand = True
        else:
            operand = _phrase(word.rstrip("*"), word.endswith("*"))
            if operand:
                parts += [] if need_operand else ["&"]
                parts.append(operand)
                need_operand = False
    if need_operand and parts:
        _bad(query, "the query ends with an operator")
    if depth:
        _bad(query, "a '(' is missing its ')'")
    if not parts:
        _bad(query, "no words to search for")
    return " ".join(parts)


_LATIN_ACCENTS = re.compile(r"([a-z])[\u0300-\u036f]+")


def fold_words(text: str) -> str:
    """Text as `casedesk_words` (postgres_schema migration 10) folds it before splitting it into
    words: lowercase, and Latin letters without their accents (café → cafe), as SQLite's
    unicode61 remove_diacritics does; other scripts keep theirs (й is not и)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return unicodedata.normalize("NFC", _LATIN_ACCENTS.sub(r"\1", decomposed))


def _phrase(text: str, prefix: bool = False) -> str:
    """Words (letters and digits, as FTS5's unicode61 splits them) that must follow each other;
    with `prefix`, the last one may go on."""
    words = [f"'{w}'" for w in re.findall(r"[^\W_]+", fold_words(text))]
    if not words:
        return ""
    if prefix:
        words[-1] += ":*"
    return f"({' <-> '.join(words)})" if len(words) > 1 else words[0]


def _bad(query: str, why: str) -> None:
    raise SearchSyntaxError(
        f"cannot search for {query!r}: {why}. Put phrases in double quotes, e.g. '\"battery swap\"'"
    )


# -- the reads through libpq ------------------------------------------------------------------


class LibpqRows(PgReads, Rows):
    """`Rows` on a libpq connection, for the read verbs' fast path. What libpq reports is left
    to the full path (`unhandled`), which says it as psycopg does."""

    unhandled = (LibpqError,)

    def __init__(self, location: ServerStore, conn: libpq.Connection) -> None:
        super().__init__(location, _Statements(conn))

    @classmethod
    def open(cls, location: ServerStore) -> LibpqRows | None:
        """The store's rows through libpq; None when no libpq can be loaded or it cannot connect
        (psycopg then connects, and says why not in its own words). A server that does not
        answer in time is said here, rather than waited for twice."""
        from casedesk.store import libpq

        lib = libpq.load()
        if lib is None:
            return None
        try:
            conn = libpq.Connection(lib, location.url, CONNECT_TIMEOUT, "casedesk")
        except LibpqError as exc:
            if str(exc).endswith("timeout expired"):
                raise StoreError(
                    f"cannot connect to {location}: connection timeout expired"
                ) from None
            return None
        return cls(location, conn)

    def schema_current(self) -> bool:
        return version(self.conn) == pg_schema.LATEST


class _Statements:
    """The Store's statements (SQLite's spelling, `translate`d) on a libpq connection, answered
    as sqlite3 answers them: a cursor of rows readable by position and by name."""

    def __init__(self, conn: libpq.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> _Cursor:
        names, values = self._conn.rows(translate(sql)[0], params)
        index = {name: position for position, name in enumerate(names)}
        return _Cursor([Row(row, index) for row in values])

    def close(self) -> None:
        self._conn.close()


class _Cursor:
    def __init__(self, rows: list[Row]) -> None:
        self._rows = rows

    def fetchone(self) -> Row | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Row]:
        return self._rows

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)
