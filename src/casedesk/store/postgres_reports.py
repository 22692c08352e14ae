"""The reports on PostgreSQL: what their SQL says differently from SQLite's, and how the report
steps are kept when writers do not all wait for one lock.

The steps, the queries and the figures are `reports`' own; this module answers the few
spellings that differ (`PgSql`, what `PostgresStore.report_sql()` gives) and keeps the steps:

- each write transaction folds the events of the cases it wrote (`keep_steps`): it holds those
  cases' rows (it changed them), so no one else folds them meanwhile;
- a report catches up the cases whose newest event has no step yet (a store never reported on,
  a policy change, an import), a chunk per transaction;
- writers take the steps lock shared (they never wait for each other); rebuilding the tables
  and each catch-up chunk take it exclusively, so no write commits events while they are
  read, and every write that commits later folds its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from psycopg.rows import tuple_row

from casedesk.store import reports
from casedesk.store.postgres_rows import translate
from casedesk.store.reports import SqliteSql, recreate_steps, steps_fingerprint

if TYPE_CHECKING:
    from collections.abc import Mapping

    from casedesk.core.model import CaseState
    from casedesk.core.policy import Policy
    from casedesk.store.store import Store

_STEPS_LOCK = 0x63645F7374657073  # "cd_steps": rebuilding the steps (exclusive) vs. keeping them
_CHUNK = 1000  # cases per catch-up transaction (writes wait for each to commit)
_COPY_FROM = 200  # rows: fewer are written a statement each
_WORK_MEM = "64MB"


def _statement(sqlite: str) -> str:
    """One of `reports`' CREATE statements as PostgreSQL takes it: 64-bit integers (`NEVER`
    needs them), text compared byte-wise as SQLite does, no rowid clause."""
    if "CREATE TABLE" not in sqlite:
        return sqlite
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sqlite)
    sql = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', sql)
    return sql.replace("WITHOUT ROWID", "")


# Cases whose newest event has no step yet, among those with events after `?`.
_BEHIND = """
SELECT case_id FROM events WHERE id > ? GROUP BY case_id
HAVING max(id) > coalesce(
    (SELECT max(event_id) FROM report_steps AS r WHERE r.case_id = events.case_id), 0)
ORDER BY case_id
"""


class PgSql:
    """`reports.SqliteSql`'s answers, as PostgreSQL spells them."""

    tables: ClassVar = [_statement(statement) for statement in SqliteSql.tables]
    indexes: ClassVar = SqliteSql.indexes
    create: ClassVar = tables + indexes
    greatest = "greatest"
    least = "least"
    no_limit = None
    temp = "pg_temp."
    in_ids = "= ANY(?)"
    # The rows an index scan finds are fetched by that scan. Joined back by key instead, the
    # planner (which cannot tell how few steps straddle a moment) scanned the whole table.
    key_join = False
    # Part of what the tables were made with: a change to their shape makes them again.
    shape = hashlib.sha256("\n".join(create).encode()).hexdigest()[:12]

    @staticmethod
    def ids(values: Iterable[int]) -> object:
        return list(values)

    @staticmethod
    def has_table(store: Store, name: str) -> bool:
        row = store.conn.execute("SELECT to_regclass(CAST(? AS TEXT)) IS NOT NULL", (name,))
        return bool(row.fetchone()[0])

    @staticmethod
    def hint(index: str | None) -> str:
        return ""  # the planner chooses the index by its statistics

    @staticmethod
    def fewer_candidates(store: Store, t: int) -> str | None:
        return None

    @staticmethod
    def rows(
        store: Store, sql: str, params: Sequence[object] | dict[str, object] = ()
    ) -> list[Any]:
        """Every row of a read as plain tuples, which psycopg builds in C: the Store's rows
        (readable by name) cost a Python call each, most of a report's time on 100,000 cases."""
        text, _ = translate(sql)
        cursor = store.conn.raw.cursor(row_factory=tuple_row)  # type: ignore[attr-defined]
        with cursor:
            return cursor.execute(
                text, params if isinstance(params, dict) else list(params)
            ).fetchall()

    @staticmethod
    def fast_reads(store: Store) -> None:
        """Room for the hash of every case's latest step (17 MB on 100,000 cases), which the
        default 4 MB splits into batches written out and read back."""
        store.conn.execute(f"SET work_mem = '{_WORK_MEM}'")

    @staticmethod
    def upsert(store: Store, table: str, columns: str, rows: list[tuple[object, ...]]) -> None:
        """Write rows, each replacing the one with its key; many of them (a catch-up) through
        COPY into a table of the transaction's own, a statement per row being far slower."""
        if len(rows) < _COPY_FROM:
            SqliteSql.upsert(store, table, columns, rows)  # INSERT OR REPLACE, translated
            return
        incoming = f"incoming_{table}"
        raw = store.conn.raw  # type: ignore[attr-defined]
        raw.execute(f"CREATE TEMP TABLE {incoming} (LIKE {table}) ON COMMIT DROP")
        with raw.cursor().copy(f"COPY {incoming} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        store.conn.execute(
            f"INSERT OR REPLACE INTO {table} ({columns}) SELECT {columns} FROM {incoming}"
        )

    # -- keeping the steps -------------------------------------------------------------------

    def fingerprint(self, policy: Policy) -> str:
        return f"{steps_fingerprint(policy)}:{self.shape}"

    def fresh(self, store: Store, policy: Policy) -> bool:
        """Whether the step tables are there, folded with this policy, in this shape."""
        return self.has_table(store, "report_steps") and store.meta(
            reports._POLICY_KEY
        ) == self.fingerprint(policy)

    def keep_steps(self, store: Store, policy: Policy, known: Mapping[int, CaseState]) -> None:
        """At the end of a write transaction: fold the events of the cases it wrote (from
        each case's latest step, and the state `known` before them). Tables missing or stale
        are made again here when the store is small, else left to the next report (which
        shows its progress)."""
        written = sorted(store.written_cases)  # type: ignore[attr-defined]
        store.written_cases.clear()  # type: ignore[attr-defined]
        if not written:
            return
        few = False
        if not self.fresh(store, policy):
            few = (
                store.conn.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM cases LIMIT ?) AS c",
                    (reports.KEEP_LIMIT + 1,),
                ).fetchone()[0]
                <= reports.KEEP_LIMIT
            )
        # Held to the commit: a rebuild waits for this write, or this write for the rebuild.
        lock = "pg_advisory_xact_lock" if few else "pg_advisory_xact_lock_shared"
        store.conn.execute(f"SELECT {lock}(?)", (_STEPS_LOCK,))
        if self.fresh(store, policy):
            reports._fold_cases(store, policy, written, True, known)
        elif few:
            recreate_steps(store, self.fingerprint(policy))
            everyone = [row[0] for row in store.conn.execute(_BEHIND, (0,))]
            reports._fold_cases(store, policy, everyone, False, {})
            reports._count_acts(store)

    def update_steps(
        self,
        store: Store,
        policy: Policy,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Fold every case that has events without steps, a chunk per transaction; how many
        cases that was. Each chunk holds the steps lock: no write commits new events while
        it reads them, and the writes that come after fold their own."""
        conn = store.conn
        rebuilt = False
        if not self.fresh(store, policy):
            with store.transaction(cases=()):  # the steps lock keeps writes out
                conn.execute("SELECT pg_advisory_xact_lock(?)", (_STEPS_LOCK,))
                if not self.fresh(store, policy):  # another report may have just done it
                    recreate_steps(store, self.fingerprint(policy))
                    rebuilt = True
        upto = int(store.meta(reports._UPTO_KEY) or 0)
        newest = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        behind = [row[0] for row in conn.execute(_BEHIND, (upto,))]
        for start in range(0, len(behind), _CHUNK):
            with store.transaction(cases=()):  # the steps lock keeps writes out
                conn.execute("SELECT pg_advisory_xact_lock(?)", (_STEPS_LOCK,))
                # After a rebuild no case has steps but those a writer kept meanwhile, which a
                # fold of the whole history gives again.
                chunk = behind[start : start + _CHUNK]
                reports._fold_cases(store, policy, chunk, not rebuilt, {})
                if rebuilt and start + _CHUNK >= len(behind):
                    reports._count_acts(store)  # under the lock: no write adds to them meanwhile
            if progress:
                progress(min(start + _CHUNK, len(behind)), len(behind))
        if rebuilt or len(behind) >= _CHUNK:  # the planner's statistics, for the queries
            with store.transaction(cases=()):
                conn.execute("ANALYZE report_steps")
                conn.execute("ANALYZE report_latest")
        if newest > upto:
            with store.transaction(cases=()):
                if int(store.meta(reports._UPTO_KEY) or 0) < newest:
                    store.set_meta(reports._UPTO_KEY, str(newest))
        return len(behind)


PG_SQL = PgSql()
