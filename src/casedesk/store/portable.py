"""Export a store to JSON Lines and import it back, losslessly, ids kept.

Events are the truth, so case rows are not exported: importing replays each case's events through
the same projection that wrote them. Every other table (customers, agents, and whatever later
migrations add, such as mail) is exported row by row, found through sqlite-utils' introspection so
a new table is carried without touching this module.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

import sqlite_utils

from casedesk.core.errors import CasedeskError, InvalidInput, Refused, StoreError
from casedesk.core.model import Event
from casedesk.core.projection import replay
from casedesk.core.safetext import json_text
from casedesk.store import schema
from casedesk.store.connection import describe_sqlite_error
from casedesk.store.store import Store, _event_from_row, _state_to_values

FORMAT_VERSION = 1
# Exported first (customers, agents, events); derived and rebuilt from the events (cases, the
# report's steps, FTS); or meaningless elsewhere (meta, presence).
_NOT_EXPORTED = {
    "cases",
    "events",
    "meta",
    "presence",
    "customers",
    "agents",
    "report_steps",
    "report_latest",
    "report_acts",
}


class _Tables:
    """The store's tables as this module needs them (names, what each refers to, primary keys,
    rows in key order, inserting a row), through sqlite-utils' introspection on SQLite."""

    def __init__(self, store: Store) -> None:
        self.db = sqlite_utils.Database(store.conn)

    def names(self) -> list[str]:
        return self.db.table_names()

    def refers_to(self, table: str) -> set[str]:
        return {fk.other_table for fk in self.db[table].foreign_keys}  # type: ignore[union-attr]

    def columns(self, table: str) -> set[str]:
        return set(self.db[table].columns_dict)

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        order = ", ".join(f"[{pk}]" for pk in self.db[table].pks)  # type: ignore[union-attr]
        return self.db[table].rows_where(order_by=order)  # type: ignore[union-attr]

    def stream(self, sql: str) -> Iterator[dict[str, Any]]:
        return (dict(row) for row in self.db.conn.execute(sql))

    def insert(self, table: str, row: dict[str, Any]) -> None:
        self.db[table].insert(row)  # type: ignore[union-attr]


def _tables(store: Store) -> Any:
    if store.engine == "postgres":
        from casedesk.store.postgres import PgTables

        return PgTables(store)
    return _Tables(store)


def _portable_tables(db: Any) -> list[str]:
    """Tables carried row by row after the events: each after the tables it refers to."""
    names = db.names()
    fts_shadows = {
        name
        for table in names
        if table.endswith("_fts")
        for name in names
        if name.startswith(table)
    }
    remaining = sorted(set(names) - _NOT_EXPORTED - fts_shadows)
    ordered: list[str] = []
    while remaining:
        ready = [
            table
            for table in remaining
            if all(other == table or other not in remaining for other in db.refers_to(table))
        ]
        ready = ready or remaining[:1]  # a cycle (none today): take the first by name
        ordered += ready
        remaining = [table for table in remaining if table not in ready]
    return ordered


def _encode(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {"$base64": base64.b64encode(value).decode()} if isinstance(value, bytes) else value
        for key, value in row.items()
    }


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: base64.b64decode(value["$base64"])
        if isinstance(value, dict) and set(value) == {"$base64"}
        else value
        for key, value in row.items()
    }


def export_lines(store: Store) -> Iterator[str]:
    """The store as JSON lines: a header, customers, agents, events by case, other tables."""
    db = _tables(store)
    yield json.dumps({"casedesk_export": FORMAT_VERSION, "schema": schema.LATEST}, sort_keys=True)
    for table, rows in (("customers", store.customers_rows()), ("agents", store.agents_rows())):
        for row in rows:
            yield _line(table, dict(row))
    for row in db.stream("SELECT * FROM events ORDER BY case_id, id"):
        yield _line("events", row)
    for table in _portable_tables(db):
        for row in db.rows(table):
            yield _line(table, row)


def _line(table: str, row: dict[str, Any]) -> str:
    return json_text({"table": table, "row": _encode(row)}, sort_keys=True)


def export_to(store: Store, out: IO[str]) -> int:
    """Write the export; damage met on the way stops it with how far it got (a StoreError)."""
    count = 0
    try:
        for line in export_lines(store):
            out.write(line + "\n")
            count += 1
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"export stopped after {count} lines: {describe_sqlite_error(store.path, exc)}"
        ) from None
    return count


def import_lines(
    store: Store,
    lines: Iterable[str],
    due_for: Callable[[Any], Any],
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Load an export into an empty store in one transaction; returns rows per table.

    Any line that cannot be loaded stops the import with its line number, and nothing of the
    file stays in the store. On PostgreSQL the rows go in by COPY and the indexes are built
    once at the end (`postgres.BulkLoad`), told to `progress("indexes", done, total)`.
    """
    if not store.is_empty():
        raise Refused(
            f"{store.path} already has cases; import a JSON Lines export into an "
            "empty store (casedesk --db NEW.db import --format jsonl FILE)"
        )
    db = _tables(store)
    columns = {table: db.columns(table) for table in db.names()}
    counts: dict[str, int] = {}
    header_seen = False
    # One case's events: their lines, rows and Events (read once, to check and to replay).
    case_rows: list[tuple[int, dict[str, Any], Event]] = []

    def write(where: str, table: str, row: dict[str, Any]) -> None:
        with _blame(where):
            if table == "cases":
                store.insert_case_row(row)
            elif table == "customers":
                store.insert_customer_row(row)
            elif table == "agents":
                store.insert_agent_row(row)
            elif table == "events":
                store.insert_event_row(row)
            else:
                db.insert(table, row)

    bulk = None
    if store.engine == "postgres":
        from casedesk.store.postgres import BulkLoad

        bulk = BulkLoad(store, retry=write)
    add = bulk.add if bulk else write

    def flush_case() -> None:
        if not case_rows:
            return
        first, last = case_rows[0][0], case_rows[-1][0]
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        where += f" (the events of case #{case_rows[0][1]['case_id']})"
        with _blame(where):
            state = replay(event for _, _, event in case_rows)
            values = _state_to_values(state, due_for(state))
        add(where, "cases", values)
        for number, row, _ in case_rows:
            add(f"line {number}", "events", row)
        case_rows.clear()

    with store.transaction():
        if bulk:
            bulk.start()
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"line {number}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict):
                raise InvalidInput(f'line {number}: expected {{"table": …, "row": …}}')
            if not header_seen:
                if item.get("casedesk_export") != FORMAT_VERSION:
                    raise InvalidInput("not a casedesk JSON Lines export (no header line)")
                if not isinstance(item.get("schema", 0), int) or item.get("schema", 0) > (
                    schema.LATEST
                ):
                    raise InvalidInput("this export is from a newer casedesk; upgrade first")
                header_seen = True
                continue
            table, row = item.get("table"), item.get("row")
            if not isinstance(table, str) or not isinstance(row, dict):
                raise InvalidInput(f'line {number}: expected {{"table": …, "row": …}}')
            if table not in columns or (table in _NOT_EXPORTED and table not in _ROW_TABLES):
                raise InvalidInput(f"line {number}: unknown table {table!r}")
            unknown = sorted(set(row) - columns[table])
            if unknown:
                raise InvalidInput(f"line {number}: {table} has no column {unknown[0]!r}")
            with _blame(f"line {number}"):
                row = _decode(row)
                event = _checked_event(row) if table == "events" else None
            if event is not None:
                if case_rows and case_rows[-1][1]["case_id"] != row["case_id"]:
                    flush_case()
                case_rows.append((number, row, event))
            else:
                flush_case()
                add(f"line {number}", table, row)
            counts[table] = counts.get(table, 0) + 1
        flush_case()
        if bulk:
            bulk.finish(
                (lambda done, total: progress("indexes", done, total)) if progress else None
            )
    if bulk:
        bulk.vacuum()
    if not header_seen:
        raise InvalidInput("the file is empty: not a casedesk export")
    return counts


_ROW_TABLES = {"customers", "agents", "events"}  # not carried by _portable_tables, but loaded


def _checked_event(row: dict[str, Any]) -> Event:
    """The Event an event row reads back as (kind, time, channel, data), or an error."""
    missing = sorted({"id", "case_id", "at", "actor", "kind"} - set(row))
    if missing:
        raise ValueError(f"the event has no {missing[0]!r}")
    if not all(isinstance(row[key], int) for key in ("id", "case_id")):
        raise ValueError("an event's id and case_id must be whole numbers")
    row.setdefault("channel", None)
    row.setdefault("text", "")
    row.setdefault("data", "{}")
    event = _event_from_row(row)  # type: ignore[arg-type]
    if not isinstance(event.data, dict):
        raise ValueError("an event's data must be a JSON object")
    return event


@contextmanager
def _blame(where: str) -> Iterator[None]:
    """Whatever goes wrong with the file's data, say where: one line, and the import stops."""
    try:
        yield
    except CasedeskError as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    except (KeyError, ValueError, TypeError, OverflowError, sqlite3.Error) as exc:
        text = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise InvalidInput(f"{where}: {text}") from None
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):
            raise
        raise InvalidInput(f"{where}: {str(exc).strip().splitlines()[0]}") from None
