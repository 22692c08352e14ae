"""Just enough of libpq, through ctypes, for `casedesk nag`'s few read-only queries.

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
from collections.abc import Sequence

_CONNECTION_OK = 0
_TUPLES_OK = 2
_NAMES = ("libpq.so.5", "libpq.5.dylib", "libpq.dylib")


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


class Connection:
    """One connection; `query` returns rows as dicts of text (None for NULL)."""

    def __init__(self, lib: ctypes.CDLL, url: str, timeout: int) -> None:
        self.lib = lib
        keys = ["dbname", "connect_timeout", "client_encoding", "application_name"]
        values = [url, str(timeout), "UTF8", "casedesk nag"]
        # expand_dbname=1: the URL's own settings come first, the others fill what it leaves.
        self.conn = lib.PQconnectdbParams(_strings(keys), _strings(values), 1)
        if lib.PQstatus(self.conn) != _CONNECTION_OK:
            message = _first_line(lib.PQerrorMessage(self.conn))
            self.close()
            raise LibpqError(message)

    def query(self, sql: str, params: Sequence[str | None] = ()) -> list[dict[str, str | None]]:
        """Rows of one statement; its parameters are written %s, as for psycopg."""
        lib = self.lib
        pieces = sql.split("%s")
        sql = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], 1))
        values = _strings(params)
        result = lib.PQexecParams(self.conn, sql.encode(), len(params), None, values, None, None, 0)
        try:
            if lib.PQresultStatus(result) != _TUPLES_OK:
                raise LibpqError(
                    _first_line(lib.PQresultErrorMessage(result) or lib.PQerrorMessage(self.conn))
                )
            names = [lib.PQfname(result, n).decode() for n in range(lib.PQnfields(result))]
            return [
                {
                    name: None
                    if lib.PQgetisnull(result, row, n)
                    else lib.PQgetvalue(result, row, n).decode()
                    for n, name in enumerate(names)
                }
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
