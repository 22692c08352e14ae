"""`casedesk nag` on a PostgreSQL store: the same two index walks as on SQLite, over one
connection. Imports psycopg and casedesk's pure rules only, never the Store."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from casedesk.core.errors import StoreError
from casedesk.paths import ServerStore, file_signature, policy_file

if TYPE_CHECKING:
    from collections.abc import Callable

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
    the store layer does not import the Desk)."""
    try:
        import psycopg
        from psycopg.rows import dict_row
    except ImportError:
        raise StoreError(
            "a PostgreSQL store needs the psycopg driver: pip install 'casedesk[postgres]'"
        ) from None
    from casedesk.core.clock import to_text

    try:
        with psycopg.connect(location.url, autocommit=True, connect_timeout=10) as conn:
            if _needs_full_path(conn):
                refresh(location)
            cutoff = to_text(now)
            groups: list[tuple[str, list[object]]] = (
                [("cases.due_at IS NOT NULL", [])]
                if agent is None
                else [("cases.owner = %s", [agent]), ("cases.owner IS NULL", [])]
            )
            rows: list[Any] = []
            total = 0
            with conn.cursor(row_factory=dict_row) as cursor:
                for owner, params in groups:
                    cursor.execute(_SELECT.format(owner=owner), [*params, cutoff, limit])
                    rows += cursor.fetchall()
            for owner, params in groups:
                found = conn.execute(
                    _COUNT.format(owner=owner.replace("cases.", "")), [*params, cutoff]
                ).fetchone()
                total += found[0] if found else 0
    except psycopg.Error as exc:
        raise StoreError(f"{location}: {(str(exc).strip().splitlines() or ['error'])[0]}") from None
    rows.sort(key=lambda row: row["due_at"])
    return rows[:limit], total


def _needs_full_path(conn: Any) -> bool:
    """True when the store is new or the policy file changed since due times were computed."""
    if conn.execute("SELECT to_regclass('meta') IS NULL").fetchone()[0]:
        return True
    row = conn.execute("SELECT value FROM meta WHERE key = 'policy_signature'").fetchone()
    return row is None or row[0] != file_signature(policy_file(None))
