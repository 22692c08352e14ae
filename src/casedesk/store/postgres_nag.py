"""`casedesk nag` on a PostgreSQL store: the same two index walks as on SQLite, over one
connection. Imports libpq (through ctypes; psycopg when libpq cannot be found) and casedesk's
pure rules only, never the Store."""

from __future__ import annotations

from casedesk.core.errors import StoreError
from casedesk.paths import ServerStore, file_signature, policy_file

TYPE_CHECKING = False  # not `typing`'s: loading it would cost the nag more than its queries
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from typing import Any

_SELECT = """
    SELECT cases.id, cases.title, cases.owner, cases.due_at, cases.due_reason, cases.due_since,
           cases.due_detail, customers.name AS customer
    FROM cases JOIN customers ON customers.id = cases.customer_id
    WHERE {owner} AND cases.due_at <= %s ORDER BY cases.due_at LIMIT %s
"""
_COUNT = "SELECT count(*) FROM cases WHERE {owner} AND due_at <= %s"


def overdue(
    location: ServerStore,
    now: datetime,
    agent: str | None,
    limit: int,
    refresh: Callable[[ServerStore], None],
) -> tuple[list[Any], int]:
    """The `limit` most overdue cases (of `agent` and nobody, or everyone's) and their total.

    `refresh` stores the due times anew when the policy changed (the nag passes the Desk's way:
    the store layer does not import the Desk). Read through libpq itself when it can be loaded
    (`store.libpq`: psycopg's import alone would take longer than the whole nag may)."""
    from casedesk.core.clock import to_text
    from casedesk.store import libpq

    lib = libpq.load()
    query = _psycopg_query(location) if lib is None else None
    try:
        with query or libpq.Connection(lib, location.url, _CONNECT_TIMEOUT) as conn:
            run = conn.query
            if _needs_full_path(run):
                refresh(location)
            cutoff = to_text(now)
            groups: list[tuple[str, list[str]]] = (
                [("cases.due_at IS NOT NULL", [])]
                if agent is None
                else [("cases.owner = %s", [agent]), ("cases.owner IS NULL", [])]
            )
            rows: list[dict[str, Any]] = []
            total = 0
            for owner, params in groups:
                rows += run(_SELECT.format(owner=owner), [*params, cutoff, str(limit)])
                counted = run(_COUNT.format(owner=owner.replace("cases.", "")), [*params, cutoff])
                total += int(counted[0]["count"])
    except libpq.LibpqError as exc:
        raise StoreError(f"{location}: {exc}") from None
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):
            raise
        raise StoreError(f"{location}: {_first_line(exc)}") from None
    for row in rows:
        row["id"] = int(row["id"])
    rows.sort(key=lambda row: row["due_at"])
    return rows[:limit], total


_CONNECT_TIMEOUT = 10


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or ["error"])[0]


def _needs_full_path(run: Callable[..., list[dict[str, Any]]]) -> bool:
    """True when the store is new or the policy file changed since due times were computed."""
    if run("SELECT to_regclass('meta') IS NULL AS new")[0]["new"] in (True, "t"):
        return True
    found = run("SELECT value FROM meta WHERE key = 'policy_signature'")
    return not found or found[0]["value"] != file_signature(policy_file(None))


class _Psycopg:
    """The same `query` as libpq.Connection, through psycopg (when no libpq can be loaded)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def query(self, sql: str, params: Sequence[str] = ()) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        with self.conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def __enter__(self) -> _Psycopg:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def _psycopg_query(location: ServerStore) -> _Psycopg:
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "a PostgreSQL store needs the psycopg driver: pip install 'casedesk[postgres]'"
        ) from None
    try:
        return _Psycopg(
            psycopg.connect(location.url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT)
        )
    except psycopg.Error as exc:
        raise StoreError(f"{location}: {_first_line(exc)}") from None
