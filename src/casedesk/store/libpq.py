"""Just enough of libpq, through ctypes, for the read-only queries of `casedesk nag` and of the
read verbs (`store/postgres_rows.py`).

Importing psycopg costs several times a bare interpreter's start (it loads asyncio, logging,
typing_extensions and importlib.metadata), which a login script pays at every shell; libpq
itself connects in a few milliseconds. libpq is the same library psycopg drives, so the URL,
the `PG*` variables and `~/.pgpass` mean the same. `load()` returns None when no libpq can be
found (the caller then uses psycopg).
"""

from __future__ import annotations

import ctypes
import glob
import os
import re

TYPE_CHECKING = False  # not `typing`'s: the read verbs' fast path loads this module
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

_CONNECTION_OK = 0
_TUPLES_OK = 2
_NAMES = ("libpq.so.5", "libpq.5.dylib", "libpq.dylib")
# Values come as text; these types (by oid) are read as psycopg reads them, the rest stay text.
_BOOL, _INTEGERS, _FLOATS = 16, (20, 21, 23, 26), (700, 701)


class LibpqError(Exception):
    """What libpq said went wrong (its first line)."""


def _bundled() -> list[str]:
    """The libpq that psycopg's binary wheel carries, found without importing psycopg."""
    from importlib.util import find_spec

    spec = find_spec("psycopg_binary")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = os.path.dirname(next(iter(spec.submodule_search_locations)))
    return sorted(glob.glob(os.path.join(folder, "psycopg_binary.libs", "libpq*")))


def load() -> ctypes.CDLL | None:
    for name in (*_NAMES, *_bundled()):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        _declare(lib)
        return lib
    return None


def _declare(lib: ctypes.CDLL) -> None:
    p, c, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    strings = ctypes.POINTER(c)
    for name, result, args in (
        ("PQconnectdbParams", p, [strings, strings, i]),
        ("PQstatus", i, [p]),
        ("PQerrorMessage", c, [p]),
        ("PQfinish", None, [p]),
        ("PQexecParams", p, [p, c, i, p, strings, p, p, i]),
        ("PQresultStatus", i, [p]),
        ("PQresultErrorMessage", c, [p]),
        ("PQntuples", i, [p]),
        ("PQnfields", i, [p]),
        ("PQfname", c, [p, i]),
        ("PQftype", ctypes.c_uint, [p, i]),
        ("PQgetvalue", c, [p, i, i]),
        ("PQgetisnull", i, [p, i, i]),
        ("PQclear", None, [p]),
    ):
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = args


def _strings(values: Sequence[str | None]) -> ctypes.Array[ctypes.c_char_p]:
    return (ctypes.c_char_p * (len(values) + 1))(
        *[None if v is None else v.encode() for v in values], None
    )


def _first_line(message: bytes | None) -> str:
    return ((message or b"").decode("utf-8", "replace").strip().splitlines() or ["libpq error"])[0]


_PLACEHOLDER = re.compile(r"%(?:(s)|\((\w+)\)s|(%))")


def _numbered(sql: str, params: Sequence[Any] | dict[str, Any]) -> tuple[str, list[Any]]:
    """psycopg's placeholders (`%s`, `%(name)s`, `%%`) as libpq's `$1`…, with their values."""
    values: list[Any] = []
    named: dict[str, int] = {}

    def number(found: re.Match[str]) -> str:
        positional, name, percent = found.groups()
        if percent:
            return "%"
        if positional:
            values.append(params[len(values)])  # type: ignore[index]
            return f"${len(values)}"
        if name not in named:
            values.append(params[name])  # type: ignore[call-overload]
            named[name] = len(values)
        return f"${named[name]}"

    return _PLACEHOLDER.sub(number, sql), values


def _text(value: object) -> str | None:
    """A parameter as libpq takes it: text, the server infers its type from the statement."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    raise LibpqError(f"cannot send a {type(value).__name__} as a parameter")


def _reader(oid: int) -> Callable[[str], Any]:
    if oid == _BOOL:
        return lambda text: text == "t"
    if oid in _INTEGERS:
        return int
    if oid in _FLOATS:
        return float
    return str


class Connection:
    """One connection to the server; `rows` and `query` run one read-only statement each."""

    def __init__(
        self, lib: ctypes.CDLL, url: str, timeout: int, application: str = "casedesk nag"
    ) -> None:
        self.lib = lib
        keys = ["dbname", "connect_timeout", "client_encoding", "application_name"]
        values = [url, str(timeout), "UTF8", application]
        # expand_dbname=1: the URL's own settings come first, the others fill what it leaves.
        self.conn = lib.PQconnectdbParams(_strings(keys), _strings(values), 1)
        if lib.PQstatus(self.conn) != _CONNECTION_OK:
            message = _first_line(lib.PQerrorMessage(self.conn))
            self.close()
            raise LibpqError(message)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows of one statement as dicts; its parameters are written as for psycopg."""
        names, rows = self.rows(sql, params)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and rows of one statement (parameters written `%s` or `%(name)s`,
        as for psycopg); integers, booleans and floats read as such, None for NULL."""
        lib = self.lib
        sql, values = _numbered(sql, params)
        texts = _strings([_text(v) for v in values])
        result = lib.PQexecParams(self.conn, sql.encode(), len(values), None, texts, None, None, 0)
        try:
            if lib.PQresultStatus(result) != _TUPLES_OK:
                raise LibpqError(
                    _first_line(lib.PQresultErrorMessage(result) or lib.PQerrorMessage(self.conn))
                )
            columns = range(lib.PQnfields(result))
            names = [lib.PQfname(result, n).decode() for n in columns]
            readers = [_reader(lib.PQftype(result, n)) for n in columns]
            get, null = lib.PQgetvalue, lib.PQgetisnull
            return names, [
                tuple(
                    None if null(result, row, n) else readers[n](get(result, row, n).decode())
                    for n in columns
                )
                for row in range(lib.PQntuples(result))
            ]
        finally:
            lib.PQclear(result)

    def close(self) -> None:
        if self.conn:
            self.lib.PQfinish(self.conn)
            self.conn = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
