"""The PostgreSQL engine: the same Store, on a server database (psycopg 3).

The Store's statements are written once, in the SQL both engines share, with SQLite's `?` and
`:name` parameters; `PgConnection` turns those into psycopg's and rewrites the two SQLite
spellings they share the meaning of (INSERT OR IGNORE / OR REPLACE), with `translate` of
`store/postgres_rows.py`. What really differs — transactions and locking, similar-text
matching, integrity, backup — is written out in `PostgresStore`, here; what it reads
differently (search) in `postgres_rows.PgReads`, which the read verbs' libpq path shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from casedesk.core.clock import to_text
from casedesk.core.errors import Interrupted, InvalidInput, SearchSyntaxError, StoreError
from casedesk.core.model import Customer, Event
from casedesk.paths import ServerStore
from casedesk.store import postgres_schema as pg_schema
from casedesk.store.connection import BUSY_TIMEOUT_MS
from casedesk.store.postgres_rows import (
    CONNECT_TIMEOUT,
    PgReads,
    Row,
    to_tsquery,
    translate,
    version,
)
from casedesk.store.rows import too_large
from casedesk.store.store import Store

try:
    import psycopg
except ImportError:  # pragma: no cover - exercised by a test in a venv without the extra
    psycopg = None  # type: ignore[assignment]

EXTRA_HINT = "pip install 'casedesk[postgres]'"
# The store-wide lock every write transaction takes first. A change to named cases takes it
# shared (so such changes run side by side) and then locks those cases' rows; any other change
# (mail intake, merging customers, repair, import, migrations) takes it alone, as SQLite's
# BEGIN IMMEDIATE takes the file's, so what it reads cannot change under it.
_WRITE_LOCK = 0x636173656465736B  # "casedesk"
# Held while a case or customer is created (the next case number, a customer by address) …
_CREATE_LOCK = _WRITE_LOCK + 1
# … and while an agent's name is remembered for the first time, so that two changes that each
# name two new agents cannot wait on each other's uncommitted rows.
_NEW_AGENT_LOCK = _WRITE_LOCK + 2
TEMP_BUFFERS = "128MB"


class ConnectionLost(StoreError):
    """The server went away (a restart, the network) while casedesk was using it."""


_CHANGES_NOTHING = re.compile(r"^\s*(BEGIN|SELECT|SHOW)\b", re.IGNORECASE)


def require_driver() -> None:
    if psycopg is None:
        raise StoreError(f"a PostgreSQL store needs the psycopg driver: {EXTRA_HINT}")


# -- rows and cursors shaped like sqlite3's, so the Store reads both alike --------------------


def _row_factory(cursor: Any) -> Any:
    names = [column.name for column in cursor.description or ()]
    index = {name: position for position, name in enumerate(names)}

    def make(values: Sequence[Any]) -> Row:
        return Row(values, index)

    return make


class PgCursor:
    def __init__(self, cursor: Any, returns_id: bool) -> None:
        self._cursor = cursor
        self.lastrowid: int | None = None
        if returns_id:
            row = cursor.fetchone()
            self.lastrowid = row[0] if row else None

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def fetchone(self) -> Row | None:
        if self._cursor.description is None:
            return None
        return self._cursor.fetchone()  # type: ignore[no-any-return]

    def fetchall(self) -> list[Row]:
        if self._cursor.description is None:
            return []
        return self._cursor.fetchall()  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Row]:
        if self._cursor.description is None:
            return iter(())
        return iter(self._cursor)


class PgConnection:
    """One psycopg connection in autocommit mode (the Store says BEGIN and COMMIT itself), with
    sqlite3's execute/executemany. A connection lost between transactions is opened again."""

    def __init__(self, location: ServerStore) -> None:
        self.location = location
        self.in_transaction = False
        self._conn = self._connect()

    def _connect(self) -> Any:
        require_driver()
        try:
            conn = psycopg.connect(
                self.location.url,
                autocommit=True,
                row_factory=_row_factory,
                connect_timeout=CONNECT_TIMEOUT,
                application_name="casedesk",
            )
            # A change waits for a lock as long as one waits for a SQLite file's, then says so.
            # A report's table of every case's figures (17 MB on 100,000 cases) stays in memory
            # instead of being written out and read back at each of its reads; this can only be
            # set before the connection's first temporary table, and is allocated as used.
            conn.execute(
                f"SELECT set_config('lock_timeout', '{BUSY_TIMEOUT_MS}', false), "
                f"set_config('temp_buffers', '{TEMP_BUFFERS}', false)"
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {self.location}: {_first_line(exc)}") from None
        return conn

    @property
    def raw(self) -> Any:
        """The psycopg connection (LISTEN, COPY)."""
        return self._conn

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> PgCursor:
        text, returns_id = translate(sql)
        if self._lost() and not self.in_transaction:
            self._conn = self._connect()
        try:
            cursor = self._conn.execute(text, _params(params))
        except psycopg.OperationalError as exc:
            if not self._lost():
                raise
            if not self.in_transaction and _CHANGES_NOTHING.match(sql):
                # The server went away before this (a BEGIN, or a read on its own): nothing
                # can have been done, so connecting again and asking once more is safe.
                self._conn = self._connect()
                cursor = self._conn.execute(text, _params(params))
            else:
                # Lost in the middle of a change: the transaction is gone with the
                # connection (never half done), and it is not tried again behind the agent.
                raise ConnectionLost(
                    f"lost the connection to {self.location} ({_first_line(exc)}); "
                    "what you were doing was not done: try again"
                ) from None
        return PgCursor(cursor, returns_id)

    def _lost(self) -> bool:
        return bool(self._conn.closed or self._conn.broken)

    def executemany(self, sql: str, seq: Sequence[Any]) -> None:
        text, _ = translate(sql)
        if text.endswith(" RETURNING id"):
            text = text[: -len(" RETURNING id")]
        try:
            with self._conn.cursor() as cursor:
                cursor.executemany(text, [_params(p) for p in seq])
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(describe_read_only(self.location, exc)) from None

    def interrupt(self) -> None:
        """Cancel the statement running on this connection (from another thread); the server
        ignores a cancel that finds the connection idle."""
        with suppress(psycopg.Error):
            self._conn.cancel_safe(timeout=CONNECT_TIMEOUT)

    def close(self) -> None:
        self._conn.close()


def _params(params: Sequence[Any] | dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
    return params if isinstance(params, dict) else list(params)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def describe_pg_error(location: ServerStore, exc: BaseException) -> str:
    return f"{location}: {_first_line(exc)}"


def describe_read_only(location: ServerStore, exc: BaseException) -> str:
    """A change refused because this role may only read (as `describe_sqlite_error` says it)."""
    return f"{location} is read-only for you ({_first_line(exc)}); nothing was changed"


# -- the store --------------------------------------------------------------------------------


class PostgresStore(PgReads, Store):
    """A casedesk store in a PostgreSQL database."""

    conn: PgConnection
    # The cases the running write transaction locked; None: the whole store (or none running).
    _locked_cases: frozenset[int] | None = None

    def __init__(self, location: ServerStore, conn: PgConnection) -> None:
        super().__init__(location, conn)
        self.written_cases: set[int] = set()  # by the running transaction (the report steps)

    def append_event(self, event: Event) -> int:
        self.written_cases.add(event.case_id)
        return super().append_event(event)

    def report_sql(self) -> Any:
        """What the reports say differently here (`store.reports` asks)."""
        from casedesk.store.postgres_reports import PG_SQL

        return PG_SQL

    @classmethod
    def open_server(cls, location: ServerStore) -> PostgresStore:
        conn = PgConnection(location)
        store = cls(location, conn)
        try:
            migrate(conn)
            # A role that may only read reads the store as it is, as a read-only file is read.
            found = conn.execute("SELECT has_table_privilege('cases', 'UPDATE')").fetchone()
            store.read_only = not (found and found[0])
        except psycopg.Error as exc:
            conn.close()
            raise StoreError(describe_pg_error(location, exc)) from None
        except BaseException:
            conn.close()
            raise
        return store

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self, cases: Iterable[int] | None = None) -> Iterator[None]:
        """A write transaction. With `cases`, it changes only those cases: their rows are
        locked (in id order, so two changes of several cases never wait on each other in a
        circle) and changes of other cases go on beside it. Without, it has the store alone."""
        wanted = None if cases is None else frozenset(cases)
        if self._in_transaction:
            self._check_nested(wanted)
            yield
            return
        self._begin("BEGIN")
        try:
            if wanted is None:
                self._execute("SELECT pg_advisory_xact_lock(?)", (_WRITE_LOCK,))
            else:
                self._execute("SELECT pg_advisory_xact_lock_shared(?)", (_WRITE_LOCK,))
                if wanted:
                    # NO KEY UPDATE: what UPDATE cases takes anyway; rows that only refer to
                    # the case (presence, drafts) can still be added meanwhile.
                    self._execute(
                        "SELECT id FROM cases WHERE id = ANY(?) ORDER BY id FOR NO KEY UPDATE",
                        (sorted(wanted),),
                    )
            self._locked_cases = wanted
        except BaseException:
            self._end("ROLLBACK")
            raise
        try:
            yield
            for hook in list(self.before_commit.values()):
                hook()
        except BaseException:
            self._end("ROLLBACK")
            raise
        else:
            self._end("COMMIT")

    def _check_nested(self, wanted: frozenset[int] | None) -> None:
        """A transaction inside one that locked only some cases may not need more: locks taken
        later, out of order, are how deadlocks happen."""
        held = self._locked_cases
        if held is None or (wanted is not None and wanted <= held):
            return
        more = "the whole store" if wanted is None else f"cases {sorted(wanted - held)}"
        raise RuntimeError(f"a change of {more} inside one that locked only cases {sorted(held)}")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: one consistent view while others keep writing."""
        if self._in_transaction:
            yield
            return
        self._begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield
        finally:
            self._end("COMMIT")

    def _begin(self, statement: str) -> None:
        self.conn.execute(statement)
        self._in_transaction = self.conn.in_transaction = True

    def _end(self, statement: str) -> None:
        self._in_transaction = self.conn.in_transaction = False
        self._locked_cases = None
        self.folded_from.clear()
        self.written_cases.clear()
        try:
            self.conn.execute(statement)
        except ConnectionLost as exc:
            if statement == "COMMIT":
                # The server may have committed just before the connection went: say so
                # rather than claim it was not done (it is never half done either way).
                raise ConnectionLost(
                    f"lost the connection to {self.path} while saving; look whether it was "
                    "done before doing it again"
                ) from exc
        except StoreError:
            if statement == "COMMIT":
                raise
        except psycopg.Error as exc:
            if statement == "COMMIT":
                self._rollback_quietly()
                raise StoreError(describe_pg_error(self.path, exc)) from None

    def _rollback_quietly(self) -> None:
        with suppress(psycopg.Error, StoreError):
            self.conn.execute("ROLLBACK")

    def _execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        try:
            return self.conn.execute(sql, params)
        except psycopg.errors.IntegrityError:
            raise
        except psycopg.errors.RaiseException as exc:
            raise StoreError(describe_pg_error(self.path, exc)) from None
        except psycopg.errors.LockNotAvailable:
            raise StoreError(
                f"{self.path} is busy: another casedesk kept what this change needs locked too "
                "long; try again"
            ) from None
        except psycopg.errors.QueryCanceled:
            # `interrupt()` from another thread (a search the agent replaced or abandoned).
            raise Interrupted("stopped before it finished") from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(describe_read_only(self.path, exc)) from None
        except psycopg.errors.NumericValueOutOfRange:
            raise InvalidInput(too_large(params)) from None  # as SQLite's OverflowError
        except psycopg.OperationalError as exc:
            raise StoreError(describe_pg_error(self.path, exc)) from None

    # -- what differs from SQLite ---------------------------------------------------------

    def next_case_id(self) -> int:
        self._execute("SELECT pg_advisory_xact_lock(?)", (_CREATE_LOCK,))
        return super().next_case_id()

    def find_or_create_customer(self, name: str, email: str | None, at: Any) -> Customer:
        self._execute("SELECT pg_advisory_xact_lock(?)", (_CREATE_LOCK,))
        return super().find_or_create_customer(name, email, at)

    def remember_agent(self, name: str, at: Any) -> None:
        if self._execute("SELECT 1 FROM agents WHERE name = ?", (name,)).fetchone() is None:
            self._execute("SELECT pg_advisory_xact_lock(?)", (_NEW_AGENT_LOCK,))
            super().remember_agent(name, at)

    def purge_presence(self, before: Any) -> None:
        # Two consoles purging at once skip each other's rows instead of waiting on them.
        self._execute(
            "DELETE FROM presence WHERE (session, case_id) IN (SELECT session, case_id "
            "FROM presence WHERE expires_at < ? FOR UPDATE SKIP LOCKED)",
            (to_text(before),),
        )

    def bulk_customers(self, customers: Sequence[tuple[int, str, str | None]], at: Any) -> None:
        super().bulk_customers(customers, at)
        self.sync_ids()

    def sync_ids(self) -> None:
        """After rows were written with their ids (bulk loads, imports), new rows get the next."""
        for table in sorted(pg_schema.IDENTITY_TABLES):
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )

    def search(
        self, query: str, limit: int = 50, *, snippets: bool = True
    ) -> list[tuple[int, str]]:
        try:
            return super().search(query, limit, snippets=snippets)
        except psycopg.errors.SyntaxError as exc:
            raise SearchSyntaxError(f"cannot search for {query!r}: {_first_line(exc)}") from None
        except Interrupted:
            raise Interrupted(f"the search for {query!r} was stopped") from None

    def integrity_problems(self) -> list[str]:
        """PostgreSQL keeps its own files whole (WAL, checksums if enabled); what casedesk can
        check is that every table it needs is there."""
        found = {
            row[0]
            for row in self._execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        needed = {"cases", "events", "customers", "agents", "meta"}
        return [f"table {name} is missing" for name in sorted(needed - found)]

    def trigger_problems(self) -> dict[str, str]:
        """The append-only trigger on `events` (search needs none here: it is an index)."""
        found = self._execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events'::regclass "
            "AND tgname = 'events_never_change' AND tgenabled != 'D'"
        ).fetchone()[0]
        return {} if found else {"events_never_change": "is missing or disabled"}

    def restore_triggers(self, names: Sequence[str]) -> None:
        if names:
            self.conn.raw.execute(pg_schema.EVENTS_IMMUTABLE)

    def backup(self, destination: Any, *args: Any, **options: Any) -> None:
        raise StoreError(
            f"{self.path} is a PostgreSQL store: back it up with pg_dump (or `casedesk export`); "
            "see docs/postgres.md"
        )


# -- similar reports (English stemming, the title weighted up as bm25(3, 1) does on SQLite) ---

_SIMILAR_VECTOR = (
    "(setweight(to_tsvector('english', {t}.title), 'A') || to_tsvector('english', {t}.{body}))"
)
SIMILAR_CASES = f"""
    SELECT cases.id, cases.title, customers.name AS customer, cases.status, cases.problem_id
    FROM cases JOIN customers ON customers.id = cases.customer_id,
         to_tsquery('english', :q) AS q
    WHERE {_SIMILAR_VECTOR.format(t="cases", body="body")} @@ q AND cases.id != :exclude
      AND cases.status NOT IN ('resolved', 'closed')
    ORDER BY ts_rank({_SIMILAR_VECTOR.format(t="cases", body="body")}, q) DESC, cases.id DESC
    LIMIT :limit
"""
SIMILAR_PROBLEMS = f"""
    SELECT problems.id FROM problems, to_tsquery('english', :q) AS q
    WHERE {_SIMILAR_VECTOR.format(t="problems", body="description")} @@ q
      AND problems.resolved_at IS NULL
    ORDER BY ts_rank({_SIMILAR_VECTOR.format(t="problems", body="description")}, q) DESC,
             problems.id
    LIMIT :limit
"""


def similar_rows(store: Store, sql: str, params: dict[str, Any]) -> list[Any]:
    """Rows for a similarity query written in the CLI's search forms; none when its words
    cannot form one (never an error: these are suggestions)."""
    try:
        tsquery = to_tsquery(str(params["q"]))
    except SearchSyntaxError:
        return []
    return list(store._execute(sql, {**params, "q": tsquery}).fetchall())


# -- schema -----------------------------------------------------------------------------------


def migrate(conn: PgConnection, target: int = pg_schema.LATEST) -> int:
    """Run every migration the database has not had, each in its own transaction; a second
    casedesk starting at the same moment waits for the first (an advisory lock)."""
    current = version(conn)
    if current > pg_schema.LATEST:
        raise StoreError(
            f"{conn.location} was written by a newer casedesk (schema {current}, this one "
            f"knows {pg_schema.LATEST}); upgrade casedesk"
        )
    while current < target:
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (_WRITE_LOCK,))
            conn.execute(pg_schema.VERSION_TABLE)
            found = conn.execute("SELECT max(version) FROM casedesk_schema").fetchone()
            if int(found[0] or 0) != current:
                conn.execute("ROLLBACK")
                current = version(conn)
                continue
            conn.raw.execute(pg_schema.MIGRATIONS[current])
            conn.execute("DELETE FROM casedesk_schema")
            conn.execute("INSERT INTO casedesk_schema(version) VALUES (?)", (current + 1,))
            conn.execute("COMMIT")
        except BaseException:
            if not conn.raw.closed:
                conn.raw.execute("ROLLBACK")
            raise
        current += 1
    return current


# -- live refresh -----------------------------------------------------------------------------


class Listener:
    """LISTENs on its own connection, in a thread, for the NOTIFY every committed change sends;
    `changed()` only looks at a flag (no query, no wait on the UI thread). A lost connection is
    opened again, and counts as a change (something may have happened meanwhile)."""

    def __init__(self, location: ServerStore) -> None:
        import threading

        require_driver()
        self.location = location
        self._heard = threading.Event()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True, name="casedesk-listen")
        self._thread.start()
        self._ready.wait(CONNECT_TIMEOUT)

    def _listen(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self.location.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT
                ) as conn:
                    conn.execute(f"LISTEN {pg_schema.NOTIFY_CHANNEL}")
                    if not first:
                        self._heard.set()  # missed while away: look again
                    first = False
                    self._ready.set()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.5):
                            self._heard.set()
            except psycopg.Error:
                self._ready.set()
                self._stop.wait(1.0)  # the server is away: try again shortly

    def changed(self) -> bool:
        """True once after any commits anyone made since the last call."""
        if self._heard.is_set():
            self._heard.clear()
            return True
        return False

    def wait(self, timeout: float) -> bool:
        """Block until a change was heard (not consuming it); False after `timeout` seconds."""
        return self._heard.wait(timeout)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


# -- export and import ------------------------------------------------------------------------


class PgTables:
    """The store's tables for export and import (portable.py), from PostgreSQL's catalogue."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def names(self) -> list[str]:
        return [
            row[0]
            for row in self.store._execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename != 'casedesk_schema' ORDER BY tablename"
            )
        ]

    def refers_to(self, table: str) -> set[str]:
        return {
            row[0]
            for row in self.store._execute(
                "SELECT confrelid::regclass::text FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ?::regclass",
                (table,),
            )
        }

    def columns(self, table: str) -> set[str]:
        return {
            row[0]
            for row in self.store._execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = ?::regclass "
                "AND attnum > 0 AND NOT attisdropped",
                (table,),
            )
        }

    def primary_key(self, table: str) -> list[str]:
        return [
            row[0]
            for row in self.store._execute(
                "SELECT a.attname FROM pg_index i "
                "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON TRUE "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                "WHERE i.indrelid = ?::regclass AND i.indisprimary ORDER BY k.n",
                (table,),
            )
        ]

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        order = ", ".join(self.primary_key(table)) or "1"
        return self.stream(f"SELECT * FROM {table} ORDER BY {order}")

    def stream(self, sql: str) -> Iterator[dict[str, Any]]:
        """Rows fetched a few thousand at a time through a server-side cursor (inside the
        export's snapshot), so exporting millions of events takes constant memory."""
        with self.store.conn.raw.cursor(name="casedesk_export") as cursor:
            cursor.itersize = 5000
            cursor.execute(sql)
            for row in cursor:
                yield dict(row)

    def insert(self, table: str, row: dict[str, Any]) -> None:
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        self.store._execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", row)


class BulkLoad:
    """An import's rows written with COPY, in batches, inside the import's transaction.

    The store's secondary indexes and foreign keys are dropped first and made again at the end,
    as pg_restore does: one sorted index build and one join per foreign key instead of millions
    of index inserts and row checks (a 2,000,000-event store moves in minutes, not hours).
    A batch the server refuses is rolled back to its savepoint and written again row by row
    through `retry(where, table, row)`, which names the line at fault.
    """

    BATCH = 20_000  # rows held before they are sent

    def __init__(self, store: Store, retry: Any) -> None:
        self.store = store
        self.retry = retry
        self.raw = store.conn.raw
        self.pending: list[tuple[str, str, dict[str, Any]]] = []
        self.indexes: list[str] = []
        self.foreign_keys: list[tuple[str, str, str]] = []

    def start(self) -> None:
        schema = "current_schema()::regnamespace"
        self.raw.execute("SET LOCAL maintenance_work_mem = '256MB'")
        self.foreign_keys = self.raw.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            f"FROM pg_constraint WHERE contype = 'f' AND connamespace = {schema} ORDER BY conname"
        ).fetchall()
        found = self.raw.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            f"JOIN pg_class t ON t.oid = i.indrelid WHERE t.relnamespace = {schema} "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1"
        ).fetchall()
        for table, name, _ in self.foreign_keys:
            self.raw.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in found:
            self.raw.execute(f"DROP INDEX {name}")
        self.indexes = [definition for _, definition in found]

    def add(self, where: str, table: str, row: dict[str, Any]) -> None:
        self.pending.append((where, table, row))
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.raw.execute("SAVEPOINT casedesk_bulk")
        try:
            # One COPY for each table and set of columns, in the order first met (no foreign
            # key is checked before `finish`, so cases and their events need not alternate).
            groups: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
            for _, table, row in self.pending:
                groups.setdefault((table, tuple(row)), []).append(row)
            for (table, keys), rows in groups.items():
                columns = ", ".join(keys)
                with self.raw.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(list(row.values()))
        except psycopg.Error:
            self.raw.execute("ROLLBACK TO SAVEPOINT casedesk_bulk")
            for where, table, row in self.pending:
                self.retry(where, table, row)  # raises, naming the row at fault
        self.raw.execute("RELEASE SAVEPOINT casedesk_bulk")
        self.pending.clear()

    def finish(self, progress: Any = None) -> None:
        """The last rows, then the indexes and foreign keys again (the long part, told to
        `progress(done, total)`), the ids' next values and fresh planner statistics."""
        self.flush()
        steps = len(self.indexes) + len(self.foreign_keys) + 1
        for done, definition in enumerate(self.indexes):
            if progress:
                progress(done, steps)
            self.raw.execute(definition)
        for done, (table, name, definition) in enumerate(self.foreign_keys, len(self.indexes)):
            if progress:
                progress(done, steps)
            self.raw.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        self.store.sync_ids()  # type: ignore[attr-defined]
        if progress:
            progress(steps, steps)

    def vacuum(self) -> None:
        """After the commit: planner statistics, and the visibility map that lets counts
        (the nag's, the queue's) read the indexes alone instead of every row they count."""
        tables = self.raw.execute(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
            "WHERE schemaname = current_schema()"
        ).fetchone()[0]
        self.raw.execute(f"VACUUM (ANALYZE) {tables}")
