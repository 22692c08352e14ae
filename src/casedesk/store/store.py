"""The Store: every SQL statement casedesk runs against its file (except the nag's fast path)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from casedesk import safe_files as files
from casedesk.core.clock import from_text, to_text
from casedesk.core.errors import (
    StoreError,
)
from casedesk.core.identity import os_login
from casedesk.core.model import (
    CaseState,
    Channel,
    Customer,
    Due,
    DueReason,
    Event,
    EventKind,
    Presence,
    Priority,
    Status,
    Urgency,
)
from casedesk.core.search import (
    INDEXED_CHARS,
)
from casedesk.paths import ServerStore, StoreLocation, command
from casedesk.store import schema
from casedesk.store.connection import (
    SERVER_OPENER,
    connect,
    connect_read_only,
    describe_access_problem,
    describe_sqlite_error,
)
from casedesk.store.rows import Rows

_STATE_FIELDS = [f.name for f in fields(CaseState)]
_ENUMS: dict[str, type] = {
    "status": Status,
    "priority": Priority,
    "urgency": Urgency,
    "channel": Channel,
    "told_channel": Channel,
    "inbound_channel": Channel,
}
_TIMES = {name for name in _STATE_FIELDS if name.endswith(("_at", "_since", "_until"))}
_DUE_COLUMNS = ("due_at", "due_reason", "due_since", "due_detail")


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case as lists and the queue show it: its state, its customer and its due time."""

    case: CaseState
    customer: Customer
    due: Due | None
    problem: ProblemRef | None = None


@dataclass(frozen=True, slots=True)
class ProblemRef:
    """The problem a case is linked to, with how many cases it affects (the evidence)."""

    id: int
    title: str
    affected: int


def _state_from_row(row: sqlite3.Row) -> CaseState:
    values: dict[str, Any] = {}
    for name in _STATE_FIELDS:
        value = row[name]
        if value is not None:
            if name in _TIMES:
                value = from_text(value)
            elif name in _ENUMS:
                value = _ENUMS[name](value)
        values[name] = value
    return CaseState(**values)


def _state_to_values(state: CaseState, due: Due | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in _STATE_FIELDS:
        value = getattr(state, name)
        if isinstance(value, datetime):
            value = to_text(value)
        elif hasattr(value, "value"):
            value = value.value
        values[name] = value
    values.update(_due_values(due))
    return values


def _due_values(due: Due | None) -> dict[str, Any]:
    if due is None:
        return dict.fromkeys(_DUE_COLUMNS)
    return {
        "due_at": to_text(due.at),
        "due_reason": due.reason.value,
        "due_since": to_text(due.since),
        "due_detail": due.detail,
    }


def _due_from_row(row: sqlite3.Row) -> Due | None:
    if row["due_at"] is None:
        return None
    return Due(
        from_text(row["due_at"]),
        DueReason(row["due_reason"]),
        from_text(row["due_since"]),
        row["due_detail"] or "",
    )


def _event_from_row(row: sqlite3.Row) -> Event:
    return Event(
        id=row["id"],
        case_id=row["case_id"],
        at=from_text(row["at"]),
        actor=row["actor"],
        kind=EventKind(row["kind"]),
        channel=Channel(row["channel"]) if row["channel"] else None,
        text=row["text"],
        data=json.loads(row["data"]),
        os_user=_os_user(row),
    )


def _os_user(row: sqlite3.Row) -> str | None:
    try:
        return row["os_user"]
    except (IndexError, KeyError):  # a row selected without it, or from an older export
        return None


_INSERT_EVENT = (
    "INSERT INTO events(case_id, at, actor, kind, channel, text, data, os_user) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _event_values(event: Event, os_user: str | None = None) -> tuple[Any, ...]:
    return (
        event.case_id,
        to_text(event.at),
        event.actor,
        event.kind.value,
        event.channel.value if event.channel else None,
        event.text,
        json.dumps(event.data, ensure_ascii=False, sort_keys=True),
        os_user or event.os_user,
    )


def stored_event(event: Event) -> dict[str, Any]:
    """An event's columns as stored, but for `data` (see `cli.serialize.event_json`)."""
    return {
        "id": event.id,
        "case_id": event.case_id,
        "at": to_text(event.at),
        "actor": event.actor,
        "os_user": event.os_user,
        "kind": event.kind.value,
        "channel": event.channel.value if event.channel else None,
        "text": event.text,
    }


def stored_values(row: CaseRow) -> dict[str, Any]:
    """A CaseRow as `CASE_SELECT` reads it: the inverse of `Store._case_row`."""
    values = _state_to_values(row.case, row.due)
    values.update(
        cu_id=row.customer.id,
        cu_name=row.customer.name,
        cu_email=row.customer.email,
        pr_title=row.problem.title if row.problem else None,
        pr_affected=row.problem.affected if row.problem else None,
    )
    return values


def _customer_from_row(row: sqlite3.Row, prefix: str = "") -> Customer:
    return Customer(id=row[f"{prefix}id"], name=row[f"{prefix}name"], email=row[f"{prefix}email"])


def _readable(path: Path) -> bool:
    return os.access(path.parent, os.X_OK) and os.access(path, os.R_OK) and path.is_file()


class Store(Rows):
    """One casedesk store: a SQLite file, or a PostgreSQL database (`PostgresStore`, a subclass
    that writes the statements that differ). Open either with `Store.open(location)`."""

    def __init__(self, path: StoreLocation, conn: Any) -> None:
        super().__init__(path, conn)
        self._in_transaction = False
        self.read_only = False
        self.os_user = os_login()  # recorded on every event this store writes
        # Run at the end of every write transaction, inside it (e.g. the report steps kept
        # up to date with the events just written), by name.
        self.before_commit: dict[str, Callable[[], None]] = {}
        # Each case's state before this transaction's first event on it (the desk's fold fills
        # it): the report steps resume from there instead of replaying the case. Emptied when
        # the transaction ends.
        self.folded_from: dict[int, CaseState] = {}

    @classmethod
    def open(cls, location: StoreLocation, *, allow_read_only: bool = False) -> Store:
        """Open (creating if needed) and migrate the store at `location` (a file or a server).

        `allow_read_only` (verbs that only read): a store file this user may read but not write
        opens read-only instead of being refused (`read_only` is then True)."""
        if isinstance(location, ServerStore):
            return SERVER_OPENER[0](location)  # PostgresStore.open_server
        path = location
        problem = describe_access_problem(path)
        if problem and allow_read_only and _readable(path):
            return cls._open_read_only(path)
        if problem:
            raise StoreError(problem)
        files.refuse_planted_links(path)
        conn = connect(path)
        store = cls(path, conn)
        try:
            found = schema.version(conn)
            if found > schema.LATEST:
                raise StoreError(
                    f"{path} was written by a newer casedesk (schema {found}, this one knows "
                    f"{schema.LATEST}); upgrade casedesk"
                )
            if found < schema.LATEST:
                schema.migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(describe_sqlite_error(path, exc)) from None
        return store

    @classmethod
    def _open_read_only(cls, path: Path) -> Store:
        files.refuse_planted_links(path)
        conn = connect_read_only(path)
        store = cls(path, conn)
        store.read_only = True
        try:
            found = schema.version(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(describe_sqlite_error(path, exc)) from None
        if found != schema.LATEST:
            conn.close()
            raise StoreError(
                f"{path} is read-only for you and was written by "
                + (
                    f"an older casedesk (schema {found}, this one reads {schema.LATEST}): "
                    "someone who may write to it must open it once to upgrade it"
                    if found < schema.LATEST
                    else f"a newer casedesk (schema {found}); upgrade casedesk"
                )
            )
        return store

    def interrupt(self) -> None:
        """Stop the statement running on this store's connection (safe from another thread)."""
        self.conn.interrupt()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self, cases: Iterable[int] | None = None) -> Iterator[None]:
        """A write transaction that takes the write lock up front (no upgrade deadlocks).

        `cases`: it changes only these cases (a server store then locks just their rows); a
        file has one writer at a time either way."""
        if self._in_transaction:
            yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(self.path, exc)) from None
        self._in_transaction = True
        try:
            yield
            for hook in list(self.before_commit.values()):
                hook()
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self.conn.execute("ROLLBACK")
                raise StoreError(describe_sqlite_error(self.path, exc)) from None
        finally:
            self._in_transaction = False
            self.folded_from.clear()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: one consistent view of the file while others keep writing."""
        if self._in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        self._in_transaction = True
        try:
            yield
        finally:
            self._in_transaction = False
            try:
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError:
                # Ending a read on a damaged file can fail too: nothing was written, and what
                # the read met is already being reported.
                with suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")

    # -- meta -----------------------------------------------------------------------------

    def set_meta(self, key: str, value: str) -> None:
        self._execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- customers ------------------------------------------------------------------------

    def find_or_create_customer(self, name: str, email: str | None, at: datetime) -> Customer:
        """The customer with this address (case-insensitive), created if new."""
        if email:
            row = self._execute(
                "SELECT id, name, email FROM customers WHERE email = ?", (email,)
            ).fetchone()
            if row:
                return self.merged_target(_customer_from_row(row))
        cursor = self._execute(
            "INSERT INTO customers(name, email, created_at) VALUES (?, ?, ?)",
            (name, email or None, to_text(at)),
        )
        return Customer(id=int(cursor.lastrowid or 0), name=name, email=email or None)

    def customer(self, customer_id: int) -> Customer:
        return _customer_from_row(self.customer_row(customer_id))

    def find_customer(self, key: str) -> Customer:
        """A customer by id (`12` or `#12`) or email address."""
        return _customer_from_row(self.find_customer_row(key))

    def merged_target(self, customer: Customer) -> Customer:
        """A duplicate merged into another customer stands for that one (new cases go there)."""
        seen = {customer.id}
        while True:
            into = self.merged_into_id(customer.id)
            if into is None or into in seen:
                return customer
            seen.add(into)
            customer = self.customer(into)

    # -- agents ---------------------------------------------------------------------------

    def remember_agent(self, name: str, at: datetime) -> None:
        self._execute(
            "INSERT OR IGNORE INTO agents(name, first_seen) VALUES (?, ?)", (name, to_text(at))
        )

    def agents(self) -> list[str]:
        return [row[0] for row in self._execute("SELECT name FROM agents ORDER BY name")]

    # -- cases and events -----------------------------------------------------------------

    def next_case_id(self) -> int:
        """The id the next case gets; call inside the transaction that creates it."""
        return self._execute("SELECT coalesce(max(id), 0) + 1 FROM cases").fetchone()[0]

    def case(self, case_id: int) -> CaseState:
        return _state_from_row(self.case_state_row(case_id))

    def case_row(self, case_id: int) -> CaseRow:
        return self._case_row(self.case_select_row(case_id))

    def _case_row(self, row: sqlite3.Row) -> CaseRow:
        problem = None
        if row["problem_id"] is not None:
            problem = ProblemRef(row["problem_id"], row["pr_title"] or "", row["pr_affected"])
        return CaseRow(
            _state_from_row(row), _customer_from_row(row, "cu_"), _due_from_row(row), problem
        )

    def insert_case(self, state: CaseState, due: Due | None) -> None:
        self.insert_case_row(_state_to_values(state, due))

    def insert_case_row(self, values: dict[str, Any]) -> None:
        columns = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        self._execute(f"INSERT INTO cases ({columns}) VALUES ({marks})", values)

    def update_case(self, state: CaseState, due: Due | None) -> None:
        values = _state_to_values(state, due)
        assignments = ", ".join(f"{name} = :{name}" for name in values if name != "id")
        self._execute(f"UPDATE cases SET {assignments} WHERE id = :id", values)

    def append_event(self, event: Event) -> int:
        cursor = self._execute(_INSERT_EVENT, _event_values(event, self.os_user))
        return int(cursor.lastrowid or 0)

    def events(self, case_id: int, limit: int | None = None) -> list[Event]:
        """A case's history, oldest first (the newest `limit` events when limited)."""
        return [_event_from_row(row) for row in self.event_rows(case_id, limit)]

    def event_count(self, case_id: int) -> int:
        return self._execute(
            "SELECT count(*) FROM events WHERE case_id = ?", (case_id,)
        ).fetchone()[0]

    def last_event(self, case_id: int) -> Event | None:
        row = self._execute(
            "SELECT * FROM events WHERE case_id = ? ORDER BY id DESC LIMIT 1", (case_id,)
        ).fetchone()
        return _event_from_row(row) if row else None

    # -- bulk loading (demo stores, imports) ---------------------------------------------

    def bulk_customers(
        self, customers: Sequence[tuple[int, str, str | None]], at: datetime
    ) -> None:
        self.conn.executemany(
            "INSERT INTO customers(id, name, email, created_at) VALUES (?, ?, ?, ?)",
            [(cid, name, email, to_text(at)) for cid, name, email in customers],
        )

    def bulk_cases(
        self, cases: Sequence[tuple[CaseState, Sequence[Event], Due | None]]
    ) -> list[int]:
        """Insert whole cases with their histories; call inside a transaction. Returns the
        events' ids, in the order given."""
        if not cases:
            return []
        first = _state_to_values(cases[0][0], cases[0][2])
        columns = ", ".join(first)
        marks = ", ".join(f":{name}" for name in first)
        self.conn.executemany(
            f"INSERT INTO cases ({columns}) VALUES ({marks})",
            [_state_to_values(state, due) for state, _, due in cases],
        )
        before = self.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        self.conn.executemany(
            _INSERT_EVENT, [_event_values(e) for _, events, _ in cases for e in events]
        )
        # Inside the write transaction the new rows took the ids after the largest, in order.
        added = self.conn.execute("SELECT id FROM events WHERE id > ? ORDER BY id", (before,))
        return [row[0] for row in added]

    # -- lists ----------------------------------------------------------------------------

    def list_cases(self, **filters: Any) -> list[CaseRow]:
        """Cases in queue order (`Rows.case_rows`, which takes the same filters)."""
        return [self._case_row(row) for row in self.case_rows(**filters)]

    # -- due times ------------------------------------------------------------------------

    def active_states(self) -> Iterator[CaseState]:
        """Cases that can have something due: not closed, or closed after a told resolution."""
        for row in self._execute(
            "SELECT * FROM cases WHERE status != 'closed' OR resolution_told_at IS NOT NULL"
        ):
            yield _state_from_row(row)

    def set_due_many(self, dues: Sequence[tuple[int, Due | None]]) -> None:
        self.conn.executemany(
            "UPDATE cases SET due_at = :due_at, due_reason = :due_reason, "
            "due_since = :due_since, due_detail = :due_detail WHERE id = :id",
            [{"id": case_id, **_due_values(due)} for case_id, due in dues],
        )

    # -- presence -------------------------------------------------------------------------

    def set_presence(
        self,
        agent: str,
        session: str,
        case_id: int,
        customer_id: int,
        activity: str,
        expires_at: datetime,
    ) -> None:
        self._execute(
            "INSERT INTO presence(agent, session, case_id, customer_id, activity, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(session, case_id) DO UPDATE SET "
            "activity = excluded.activity, expires_at = excluded.expires_at",
            (agent, session, case_id, customer_id, activity, to_text(expires_at)),
        )

    def clear_presence(self, session: str, case_id: int | None = None) -> None:
        """Remove the marks of `session` (and of its "session/activity" sub-keys)."""
        mine = "(session = :session OR session LIKE :session || '/%')"
        if case_id is None:
            self._execute(f"DELETE FROM presence WHERE {mine}", {"session": session})
        else:
            self._execute(
                f"DELETE FROM presence WHERE {mine} AND case_id = :case",
                {"session": session, "case": case_id},
            )

    def purge_presence(self, before: datetime) -> None:
        self._execute("DELETE FROM presence WHERE expires_at < ?", (to_text(before),))

    def presence_near(
        self, case_id: int, customer_id: int, now: datetime, session: str
    ) -> list[Presence]:
        """Other sessions (not `session` nor its "session/activity" keys) at this case, or
        writing to this case's customer, not yet expired."""
        rows = self._execute(
            "SELECT agent, case_id, activity, expires_at FROM presence "
            "WHERE session != :session AND session NOT LIKE :session || '/%' "
            "AND expires_at > :now AND (case_id = :case OR "
            "(customer_id = :customer AND activity = 'composing')) "
            "ORDER BY activity = 'composing' DESC, agent",
            {"session": session, "now": to_text(now), "case": case_id, "customer": customer_id},
        ).fetchall()
        return [
            Presence(
                row["agent"],
                row["case_id"],
                row["activity"],
                from_text(row["expires_at"]),
                row["case_id"] == case_id,
            )
            for row in rows
        ]

    # -- integrity, backup, export -------------------------------------------------------

    def all_case_ids(self) -> list[int]:
        return [row[0] for row in self._execute("SELECT id FROM cases ORDER BY id")]

    def histories(self) -> Iterator[tuple[CaseState | None, Due | None, list[Event]]]:
        """Every case as stored (state and due) with its events, in id order, streamed.

        Damage met on the way is a StoreError that names the file."""
        try:
            yield from self._histories()
        except sqlite3.DatabaseError as exc:
            raise StoreError(describe_sqlite_error(self.path, exc)) from None

    def _histories(self) -> Iterator[tuple[CaseState | None, Due | None, list[Event]]]:
        cases = self.conn.execute("SELECT * FROM cases ORDER BY id")
        events = self.conn.execute("SELECT * FROM events ORDER BY case_id, id")
        pending = events.fetchone()
        for row in cases:
            history: list[Event] = []
            while pending is not None and pending["case_id"] <= row["id"]:
                if pending["case_id"] == row["id"]:
                    history.append(_event_from_row(pending))
                pending = events.fetchone()
            yield _state_from_row(row), _due_from_row(row), history
        orphans: list[Event] = []
        while pending is not None:
            orphans.append(_event_from_row(pending))
            pending = events.fetchone()
        if orphans:
            yield None, None, orphans

    def replace_projection(self, state: CaseState, due: Due | None) -> None:
        """Write a case row rebuilt from its events (repair): insert it if it went missing."""
        values = _state_to_values(state, due)
        columns = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        self._execute(f"INSERT OR REPLACE INTO cases ({columns}) VALUES ({marks})", values)

    def customers_rows(self) -> Iterator[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM customers ORDER BY id")

    def agents_rows(self) -> Iterator[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM agents ORDER BY name")

    def events_rows(self) -> Iterator[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM events ORDER BY id")

    def is_empty(self) -> bool:
        return self._execute("SELECT NOT EXISTS (SELECT 1 FROM events)").fetchone()[0] == 1

    def insert_customer_row(self, row: dict[str, Any]) -> None:
        self._execute(
            "INSERT INTO customers(id, name, email, created_at, notes) "
            "VALUES (:id, :name, :email, :created_at, :notes)",
            row,
        )

    def insert_agent_row(self, row: dict[str, Any]) -> None:
        self._execute(
            "INSERT OR IGNORE INTO agents(name, first_seen) VALUES (:name, :first_seen)", row
        )

    def insert_event_row(self, row: dict[str, Any]) -> None:
        self._execute(
            "INSERT INTO events(id, case_id, at, actor, kind, channel, text, data, os_user) "
            "VALUES (:id, :case_id, :at, :actor, :kind, :channel, :text, :data, :os_user)",
            {"os_user": None, **row},  # exports from before the login was recorded
        )

    def latest_event_at(self) -> str | None:
        return self._execute("SELECT max(at) FROM events").fetchone()[0]

    def integrity_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong with the file, in its words; a file too
        damaged to be checked at all is one such problem."""
        try:
            rows = self.conn.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as exc:
            return [f"the file is damaged and cannot be checked through ({exc})"]
        return [row[0] for row in rows if row[0] != "ok"]

    def trigger_problems(self) -> dict[str, str]:
        """Each trigger on `events` that is missing or not as casedesk made it, with what is
        wrong with it (empty when all are in place)."""
        found = {
            row[0]: " ".join((row[1] or "").split())
            for row in self._execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
            ).fetchall()
        }
        problems = {}
        for name, sql in schema.EVENT_TRIGGERS.items():
            if name not in found:
                problems[name] = "is missing"
            elif found[name] != " ".join(sql.split()):
                problems[name] = "was changed"
        return problems

    def restore_triggers(self, names: Sequence[str]) -> None:
        """Put triggers on `events` back as casedesk made them; call inside a transaction.

        Events added while the search trigger was gone are indexed again."""
        for name in names:
            self._execute(f"DROP TRIGGER IF EXISTS {name}")
            self._execute(schema.EVENT_TRIGGERS[name])
        if "events_fts_add" in names:
            self._execute("INSERT INTO events_fts(events_fts) VALUES ('delete-all')")
            self._execute(
                "INSERT INTO events_fts(rowid, text) SELECT id, substr(text, 1, ?) FROM events",
                (INDEXED_CHARS,),
            )

    def verify_copy(self, path: Path) -> None:
        """A copy of this store passes SQLite's quick check, or this says why it does not."""
        try:
            with closing(sqlite3.connect(path)) as copy:
                rows = copy.execute("PRAGMA quick_check").fetchall()
            problems = [row[0] for row in rows if row[0] != "ok"]
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        if problems:
            raise StoreError(
                f"{self.path} is damaged ({problems[0]}): its copy failed the check and was not "
                f"kept; run `{command('check')}`, and restore an earlier backup if it finds damage"
            )

    def backup(self, destination: Path, *, replace: bool = False, unique: bool = False) -> Path:
        """A consistent copy through SQLite's online backup API, safe while others write.

        The copy is a new file (see `files`): never written through a symlink or over another
        file (unless `replace`; with `unique` it takes the next free name, which is returned),
        0600, or the store's own mode and group when the store is shared.
        """
        mode, group = files.copy_mode(self.path)

        def fill(path: Path) -> None:
            target = sqlite3.connect(path)
            try:
                with target:
                    self.conn.backup(target)
            except sqlite3.Error as exc:
                raise StoreError(f"backup to {destination} failed: {exc}") from None
            finally:
                target.close()
            # The backup API copies pages as they are, damage included: a copy that fails
            # the check never reaches `destination` (its private folder goes with it).
            self.verify_copy(path)

        return files.copy_sqlite(
            fill, destination, mode=mode, group=group, replace=replace, unique=unique
        )

    def counts(self) -> dict[str, int]:
        return {
            name: self._execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for name in ("customers", "cases", "events")
        }
