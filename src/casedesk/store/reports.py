"""Every SQL statement the reports run, and the report steps they aggregate.

A report needs, for every case, its due time at every moment of the window, which only a replay of
its events through the projection and the rules can tell. Replaying a 100,000-case store (over a
million events) takes far longer than a report may, so the replay is kept: `report_steps` holds
one row per event with the case's report-relevant state after it and running totals
(`reports.Step`), `report_latest` each case's latest step. Every desk write transaction folds
the events it wrote into steps before it commits (`keep_steps`, resuming from the case's latest
step), so reports find them ready. A store far behind (written by an older casedesk, restored,
or after a policy change) is caught up by the next report, with progress. The tables are derived
data: dropping them is always safe (the next report rebuilds them), and they are rebuilt when
the policy changes. They are created here, not in `schema.py`, because nothing but the reports
reads them. A window's figures are then the difference between each case's last step before
`until` and its last step before `since`, aggregated in SQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from casedesk.core.clock import to_text
from casedesk.core.model import CaseState, Event
from casedesk.core.reports import (
    NEVER,
    CaseFigures,
    CaseLine,
    Measure,
    Problem,
    Report,
    ReportCounts,
    Spread,
    Step,
    Window,
    Working,
    WorkingTotals,
    carried,
    case_steps,
    customer_figures,
    make_report,
    measure_of,
    silence_histogram,
    weekly_spreads,
)
from casedesk.store.store import Store, _event_from_row

if TYPE_CHECKING:
    from datetime import datetime

    from casedesk.core.policy import Policy

STEPS_VERSION = "4"  # bump when the meaning of a step column changes: the table is rebuilt
_POLICY_KEY = "report_steps_policy"
_UPTO_KEY = "report_steps_upto"
_CHUNK = 5000  # cases replayed per write transaction (keeps the write lock short)

_CARRIED = "case_id, due, cum_open, cum_overdue, cum_told, wcum_open, wcum_overdue"
_OBJECTS = {"report_steps", "report_latest", "report_steps_from", "report_steps_to"}
_OBJECTS |= {"report_steps_actor", "report_acts", "report_steps_overdue"}
_DAY = 86400
_TABLES = [
    """
    CREATE TABLE IF NOT EXISTS report_steps (
        case_id INTEGER NOT NULL,
        event_id INTEGER NOT NULL,
        customer_id INTEGER NOT NULL,
        created INTEGER NOT NULL,
        at INTEGER NOT NULL,
        prev_at INTEGER,
        prev_due INTEGER,
        due INTEGER,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        owner TEXT,
        res_untold INTEGER NOT NULL,
        resolved_at INTEGER,
        first_told INTEGER NOT NULL,
        silent_since INTEGER,
        longest_silence INTEGER NOT NULL,
        cum_open INTEGER NOT NULL,
        cum_overdue INTEGER NOT NULL,
        cum_told INTEGER NOT NULL,
        first_told_at INTEGER,
        next_at INTEGER NOT NULL,
        problem_id INTEGER,
        wcum_open INTEGER NOT NULL,
        wcum_overdue INTEGER NOT NULL,
        PRIMARY KEY (case_id, event_id)
    ) WITHOUT ROWID
    """,
    # Each case's latest step, side by side: a report up to now reads 100,000 cases from here
    # instead of from 100,000 places scattered over the steps.
    """
    CREATE TABLE IF NOT EXISTS report_latest (
        case_id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL,
        owner TEXT,
        created INTEGER NOT NULL,
        at INTEGER NOT NULL,
        due INTEGER,
        res_untold INTEGER NOT NULL,
        resolved_at INTEGER,
        silent_since INTEGER,
        longest_silence INTEGER NOT NULL,
        cum_open INTEGER NOT NULL,
        cum_overdue INTEGER NOT NULL,
        cum_told INTEGER NOT NULL,
        first_told_at INTEGER,
        problem_id INTEGER,
        wcum_open INTEGER NOT NULL,
        wcum_overdue INTEGER NOT NULL
    )
    """,
    # Events each agent acted (and told events) per UTC day: a window's whole days are summed
    # from here, only its two partial days are counted in `report_steps_actor`.
    """
    CREATE TABLE IF NOT EXISTS report_acts (
        actor TEXT NOT NULL,
        day INTEGER NOT NULL,
        acted INTEGER NOT NULL,
        told INTEGER NOT NULL,
        PRIMARY KEY (actor, day)
    ) WITHOUT ROWID
    """,
]
_INDEXES = [
    # "Each case's last step before t" (at < t <= next_at), from whichever end is shorter; they
    # carry what a window's start needs, so that side is read from an index alone.
    "DROP INDEX IF EXISTS report_steps_at",
    "DROP INDEX IF EXISTS report_steps_next",
    f"CREATE INDEX IF NOT EXISTS report_steps_from ON report_steps(at, next_at, {_CARRIED})",
    f"CREATE INDEX IF NOT EXISTS report_steps_to ON report_steps(next_at, at, {_CARRIED})",
    # Events acted per agent in a window: a range count per agent, read from the index alone.
    "CREATE INDEX IF NOT EXISTS report_steps_actor ON report_steps(actor, at, kind)",
    # The steps a case can be overdue after (its due time comes before its next step): all the
    # overdue chart reads.
    "CREATE INDEX IF NOT EXISTS report_steps_overdue ON report_steps(next_at, at, due, case_id) "
    "WHERE due <= next_at",
]
_CREATE = _TABLES + _INDEXES
_COLUMNS = (
    "case_id, event_id, customer_id, created, at, prev_at, prev_due, due, kind, actor, owner, "
    "res_untold, resolved_at, first_told, silent_since, longest_silence, cum_open, cum_overdue, "
    "cum_told, first_told_at, next_at, problem_id, wcum_open, wcum_overdue"
)
_LATEST_COLUMNS = (
    "case_id, customer_id, owner, created, at, due, res_untold, resolved_at, silent_since, "
    "longest_silence, cum_open, cum_overdue, cum_told, first_told_at, problem_id, wcum_open, "
    "wcum_overdue"
)
_UNTIL_COLUMNS = _LATEST_COLUMNS
_MARKS = ", ".join("?" for _ in _COLUMNS.split(","))
_LATEST_INDEXES = [
    [c.strip() for c in _COLUMNS.split(",")].index(c.strip()) for c in _LATEST_COLUMNS.split(",")
]


class SqliteSql:
    """The few things the report's SQL says differently by engine, as SQLite says them; a
    PostgreSQL store answers `report_sql()` with its own (`postgres_reports.PgSql`), which also
    keeps the steps its own way (row locks instead of the file's one write lock)."""

    tables = _TABLES
    indexes = _INDEXES
    create = _CREATE
    greatest = "max"  # the larger of two values
    least = "min"  # the smaller of two values
    no_limit: int | None = -1  # LIMIT :n for every row
    temp = "temp."  # where DROP finds the report's temporary tables
    in_ids = "IN (SELECT value FROM json_each(?))"  # a list of ids as one parameter
    # Steps found in an index are read whole by joining its keys back to the table.
    key_join = True

    @staticmethod
    def ids(values: Iterable[int]) -> object:
        return json.dumps(list(values))

    @staticmethod
    def has_table(store: Store, name: str) -> bool:
        return bool(
            store.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).fetchone()
        )

    @staticmethod
    def hint(index: str | None) -> str:
        return f"INDEXED BY {index}" if index else ""

    @staticmethod
    def fewer_candidates(store: Store, t: int) -> str | None:
        """The index holding fewer steps to look at for "each case's last step before t".

        Rows before t, or rows whose next step is at or after t: counting both (up to a cap)
        tells which, since events crowd into recent weeks and where t falls in time says
        little."""
        counted = {}
        for index, condition in (
            ("report_steps_from", "at < ?"),
            ("report_steps_to", "next_at >= ?"),
        ):
            counted[index] = store.conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM report_steps INDEXED BY {index} "
                f"WHERE {condition} LIMIT {_COUNT_CAP})",
                (t,),
            ).fetchone()[0]
            if counted[index] < _COUNT_CAP // 2:  # few enough: no need to count the other side
                break
        return min(counted, key=lambda name: counted[name])

    @staticmethod
    def upsert(store: Store, table: str, columns: str, rows: list[tuple[object, ...]]) -> None:
        """Write rows, each replacing the one with its key."""
        marks = ", ".join("?" for _ in columns.split(","))
        store.conn.executemany(f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({marks})", rows)

    @staticmethod
    def rows(store: Store, sql: str, params: object = ()) -> list[Any]:
        """Every row of a read, positionally (the report's reads of one row per case), as plain
        tuples: a `sqlite3.Row` a row cost as much as the read itself."""
        cursor = store.conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchall()

    @staticmethod
    def fast_reads(store: Store) -> None:
        """Memory-map the file: the reports read steps all over it, which the small page
        cache otherwise turns into one system call per page. Only a reading setting."""
        store.conn.execute(f"PRAGMA mmap_size = {1 << 30}")
        store.conn.execute("PRAGMA temp_store = MEMORY")


SQLITE = SqliteSql()


def _sql(store: Store) -> Any:
    """The report SQL of the store's engine."""
    return SQLITE if store.engine == "sqlite" else store.report_sql()  # type: ignore[attr-defined]


def _step_values(step: Step) -> tuple[object, ...]:
    return (
        step.case_id,
        step.event_id,
        step.customer_id,
        step.created,
        step.at,
        step.prev_at,
        step.prev_due,
        step.due,
        step.kind,
        step.actor,
        step.owner,
        int(step.res_untold),
        step.resolved_at,
        int(step.first_told),
        step.silent_since,
        step.longest_silence,
        step.cum_open,
        step.cum_overdue,
        step.cum_told,
        step.first_told_at,
        step.next_at,
        step.problem_id,
        step.wcum_open,
        step.wcum_overdue,
    )


# -- keeping the steps up to date ----------------------------------------------------------------


def _histories(store: Store, case_ids: list[int]) -> Iterator[list[Event]]:
    """The events of these cases, one case at a time, oldest first."""
    current: list[Event] = []
    sql = _sql(store)
    rows = store.conn.execute(
        f"SELECT * FROM events WHERE case_id {sql.in_ids} ORDER BY case_id, id",
        (sql.ids(case_ids),),
    )
    for row in rows:
        event = _event_from_row(row)
        if current and current[0].case_id != event.case_id:
            yield current
            current = []
        current.append(event)
    if current:
        yield current


def _step_from_row(row: sqlite3.Row) -> Step:
    values = list(row)
    values[11], values[13] = bool(values[11]), bool(values[13])
    return Step(*values)


def stored_steps(store: Store, case_id: int) -> list[Step]:
    """A case's steps as kept in `report_steps`, oldest first."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM report_steps WHERE case_id = ? ORDER BY event_id", (case_id,)
    )
    return [_step_from_row(row) for row in rows]


def _latest_step(store: Store, case_id: int) -> Step | None:
    row = store.conn.execute(
        f"SELECT {_COLUMNS} FROM report_steps WHERE case_id = ? ORDER BY event_id DESC LIMIT 1",
        (case_id,),
    ).fetchone()
    return None if row is None else _step_from_row(row)


def _events_after(store: Store, case_id: int, event_id: int) -> list[Event]:
    return [
        _event_from_row(row)
        for row in store.conn.execute(
            "SELECT * FROM events WHERE case_id = ? AND id > ? ORDER BY id", (case_id, event_id)
        )
    ]


def _to_fold(
    store: Store, case_ids: list[int], resume: bool, known: Mapping[int, CaseState]
) -> Iterator[tuple[Step | None, list[Event], CaseState | None]]:
    """For each case: its latest kept step (if resuming), the events to fold, and the state
    right after that step when `known` has it (then only the newer events are read).

    `known` holds each written case's state before the transaction's events (the desk's
    fold); it is the state after the latest kept step when that step's event is the case's
    `version`-th, which one index count confirms. Otherwise the case is replayed."""
    if not resume:
        for events in _histories(store, case_ids):
            yield None, events, None
        return
    for case_id in case_ids:
        after = _latest_step(store, case_id)
        state = known.get(case_id)
        if after is not None and state is not None:
            folded = store.conn.execute(
                "SELECT count(*) FROM events WHERE case_id = ? AND id <= ?",
                (case_id, after.event_id),
            ).fetchone()[0]
            if folded == state.version:
                yield after, _events_after(store, case_id, after.event_id), state
                continue
        events = next(_histories(store, [case_id]), [])
        if events:
            yield after, events, None


def update_steps(
    store: Store,
    policy: Policy,
    progress: Callable[[int, int], None] | None = None,
    limit: int | None = None,
    known: Mapping[int, CaseState] | None = None,
) -> int | None:
    """Bring `report_steps` up to the newest event; returns how many cases were brought up to
    date, or None (nothing done) when more than `limit` cases are behind.

    A case with new events resumes from its latest step: only the new events are folded into
    steps, in one write transaction that reads where the steps stand under the lock (another
    process may have just folded the same events). The first run on a store without steps (or
    after a policy change) folds every case in chunks (tens of seconds on 100,000 cases, the
    write lock taken per chunk); `progress(done, total)` is told how it goes.
    """
    if store.engine != "sqlite":
        return int(_sql(store).update_steps(store, policy, progress))
    conn = store.conn
    fingerprint = steps_fingerprint(policy)
    stale = not SQLITE.has_table(store, "report_steps") or store.meta(_POLICY_KEY) != fingerprint
    if not stale:
        found = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not found >= _OBJECTS:  # written by an earlier casedesk: add what is missing
            with store.transaction():
                for statement in _CREATE:
                    conn.execute(statement)
                if "report_latest" not in found:
                    conn.execute(
                        f"INSERT INTO report_latest ({_LATEST_COLUMNS}) "
                        f"SELECT {_LATEST_COLUMNS} FROM report_steps WHERE next_at = ?",
                        (NEVER,),
                    )
                if "report_acts" not in found:
                    _count_acts(store)
    upto = 0 if stale else int(store.meta(_UPTO_KEY) or 0)
    if upto:
        with store.transaction():
            upto = int(store.meta(_UPTO_KEY) or 0)
            newest = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
            case_ids = _behind(store, upto, newest, _CHUNK if limit is None else limit)
            if case_ids is not None:
                if case_ids:
                    _fold_cases(store, policy, case_ids, True, known or {})
                    store.set_meta(_UPTO_KEY, str(newest))
                return len(case_ids)
            if limit is not None:
                return None
    # No steps yet, of an older kind, never completed, or far behind (written by an older
    # casedesk): fold those cases whole, a chunk per transaction.
    newest = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    case_ids = _behind(store, upto, newest, limit)
    if case_ids is None:
        return None
    if stale:
        with store.transaction():
            recreate_steps(store, fingerprint)
    for start in range(0, len(case_ids), _CHUNK):
        with store.transaction():
            _fold_cases(store, policy, case_ids[start : start + _CHUNK], False, {})
        if progress:
            progress(min(start + _CHUNK, len(case_ids)), len(case_ids))
    with store.transaction():
        _count_acts(store)  # cases were folded again over their old steps, maybe: recount
        if int(store.meta(_UPTO_KEY) or 0) < newest:
            store.set_meta(_UPTO_KEY, str(newest))
    return len(case_ids)


def steps_fingerprint(policy: Policy) -> str:
    """What the kept steps were folded with: when it changes, they are folded again."""
    return f"{STEPS_VERSION}:{policy.fingerprint}"


def recreate_steps(store: Store, fingerprint: str) -> None:
    """Empty step tables for a fold of every case (inside a write transaction)."""
    for table in ("report_steps", "report_latest", "report_acts"):
        store.conn.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in _sql(store).create:
        store.conn.execute(statement)
    store.set_meta(_POLICY_KEY, fingerprint)
    store.set_meta(_UPTO_KEY, "0")


def _behind(store: Store, upto: int, newest: int, limit: int | None) -> list[int] | None:
    """The cases with events after `upto` (up to `newest`), in order; None if more than
    `limit`. Stops at limit + 1: counting every case of a large store would slow each write."""
    if newest <= upto:
        return []
    case_ids = [
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT case_id FROM events WHERE id > ? AND id <= ? LIMIT ?",
            (upto, newest, -1 if limit is None else limit + 1),
        )
    ]
    if limit is not None and len(case_ids) > limit:
        return None
    return sorted(case_ids)


def _fold_cases(
    store: Store, policy: Policy, case_ids: list[int], resume: bool, known: Mapping[int, CaseState]
) -> None:
    """Fold these cases' events into steps (only the events after their latest step when
    resuming); inside the caller's write transaction."""
    conn, sql = store.conn, _sql(store)
    rows, moved, refolded = [], [], []
    for after, events, state in _to_fold(store, case_ids, resume, known):
        steps = [_step_values(step) for step in case_steps(events, policy, after, state)]
        if after is None:
            refolded.append(events[0].case_id)
        elif steps:
            moved.append((steps[0][4], after.case_id, after.event_id))
        rows += steps
    latest = {row[0]: row for row in rows}  # the last step of each case wins
    if resume and refolded:
        conn.execute(f"DELETE FROM report_steps WHERE case_id {sql.in_ids}", (sql.ids(refolded),))
    conn.executemany(
        "UPDATE report_steps SET next_at = ? WHERE case_id = ? AND event_id = ?", moved
    )
    sql.upsert(store, "report_steps", _COLUMNS, rows)
    sql.upsert(
        store,
        "report_latest",
        _LATEST_COLUMNS,
        [tuple(row[i] for i in _LATEST_INDEXES) for row in latest.values()],
    )
    if resume:  # only new steps: add them to the day counts
        _add_acts(store, rows)


def _add_acts(store: Store, rows: Iterable[tuple[Any, ...]]) -> None:
    days: dict[tuple[str, int], list[int]] = {}
    for row in rows:
        counts = days.setdefault((row[9], row[4] // _DAY), [0, 0])
        counts[0] += 1
        counts[1] += row[8] == "told"
    store.conn.executemany(
        "INSERT INTO report_acts (actor, day, acted, told) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (actor, day) DO UPDATE SET acted = report_acts.acted + excluded.acted, "
        "told = report_acts.told + excluded.told",
        [(actor, day, acted, told) for (actor, day), (acted, told) in days.items()],
    )


def _count_acts(store: Store) -> None:
    store.conn.execute("DELETE FROM report_acts")
    store.conn.execute(
        f"INSERT INTO report_acts (actor, day, acted, told) SELECT actor, at / {_DAY}, "
        f"count(*), count(CASE WHEN kind = 'told' THEN 1 END) FROM report_steps "
        f"GROUP BY actor, at / {_DAY}"
    )


# -- building them in bulk (a new store: `casedesk demo`) -----------------------------------


def start_bulk(store: Store) -> None:
    """Empty report tables, without their indexes (built once at the end: far faster than
    keeping them row by row). Inside the caller's transaction, on a store nobody else uses."""
    for table in ("report_steps", "report_latest", "report_acts"):
        store.conn.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in _sql(store).tables:
        store.conn.execute(statement)


def add_bulk(store: Store, rows: Iterable[tuple[Any, ...]], event_ids: Iterable[int]) -> None:
    """Whole cases' steps as `fold_rows` gives them (made before their events had ids), with
    the ids their events were given, in the same order."""
    with_ids = [(row[0], event_id, *row[2:]) for row, event_id in zip(rows, event_ids, strict=True)]
    store.conn.executemany(f"INSERT INTO report_steps ({_COLUMNS}) VALUES ({_MARKS})", with_ids)
    store.conn.executemany(
        f"INSERT INTO report_latest ({_LATEST_COLUMNS}) "
        f"VALUES ({', '.join('?' * len(_LATEST_INDEXES))})",
        [[row[i] for i in _LATEST_INDEXES] for row in with_ids if row[20] == NEVER],
    )


def finish_bulk(store: Store, policy: Policy) -> None:
    """The indexes, the day counts, and the marks that say the steps are complete."""
    for statement in _sql(store).indexes:
        store.conn.execute(statement)
    _count_acts(store)
    store.set_meta(_POLICY_KEY, steps_fingerprint(policy))
    newest = store.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    store.set_meta(_UPTO_KEY, str(newest))


KEEP_LIMIT = 200  # cases a write catches up itself; more (an old store) wait for a report


def keep_steps(store: Store, policy: Policy, known: Mapping[int, CaseState]) -> None:
    """Run at the end of each write transaction: fold the events it wrote into steps, so that
    reports find them ready, resuming each case from the state `known` before them. A store
    far behind (never reported on by this casedesk, or a policy change on a large store) is
    left to the next report, which shows its progress."""
    if store.engine != "sqlite":
        _sql(store).keep_steps(store, policy, known)
        return
    update_steps(store, policy, limit=KEEP_LIMIT, known=known)


# -- the report's queries ---------------------------------------------------------------------


_COUNT_CAP = 200_000  # counting this many index entries takes a few milliseconds


def _last_steps_before(store: Store, param: str, t: int, columns: str) -> str:
    """SQL for each case's last step before the moment `:param` (= t): at < t <= next_at.

    Searched in whichever index holds fewer candidates (on SQLite; PostgreSQL's planner
    chooses by its statistics). Columns the indexes carry are read from them alone; others
    from the rows found (on SQLite by joining the keys found back to the table).
    """
    sql = _sql(store)
    index = sql.hint(sql.fewer_candidates(store, t))
    carried = {c.strip() for c in f"at, next_at, {_CARRIED}".split(",")}
    if {c.strip() for c in columns.split(",")} <= carried or not sql.key_join:
        return (
            f"SELECT {columns} FROM report_steps {index} "
            f"WHERE at < :{param} AND next_at >= :{param}"
        )
    return (
        f"SELECT {', '.join('r.' + c.strip() for c in columns.split(','))} "
        f"FROM (SELECT case_id, event_id FROM report_steps {index} "
        f"WHERE at < :{param} AND next_at >= :{param}) AS k "
        "JOIN report_steps AS r USING (case_id, event_id)"
    )


def _until_rows(store: Store, u: int) -> str:
    """Each case's last step before `until` (param :u) with the `_UNTIL_COLUMNS`."""
    newest = store.conn.execute("SELECT max(at) FROM report_steps").fetchone()[0]
    if newest is None or newest < u:
        return f"SELECT {_UNTIL_COLUMNS} FROM report_latest"
    return _last_steps_before(store, "u", u, _UNTIL_COLUMNS)


# Each case's figures for the window: the difference between its last step before `until` (u)
# and its last step before `since` (s; none for cases created in the window), each carried on to
# its moment with the due time it left in force.
_FIGURES = """
CREATE TEMP TABLE report_figures AS
WITH u AS ({until_rows}), s AS MATERIALIZED ({since_rows})
SELECT u.case_id AS case_id, u.customer_id AS customer_id, u.owner AS owner,
    u.problem_id AS problem_id,
    u.created AS created, u.due AS due, u.res_untold AS res_untold,
    u.resolved_at AS resolved_at,
    u.cum_open + CASE WHEN u.due IS NULL THEN 0 ELSE :u - u.at END
        - coalesce(s.cum_open + CASE WHEN s.due IS NULL THEN 0 ELSE :s - s.at END, 0)
        AS open_s,
    u.cum_overdue
        + CASE WHEN u.due IS NULL THEN 0 ELSE {greatest}(0, :u - {greatest}(u.at, u.due)) END
        - coalesce(s.cum_overdue
            + CASE WHEN s.due IS NULL THEN 0 ELSE {greatest}(0, :s - {greatest}(s.at, s.due)) END,
            0)
        AS overdue_s,
    u.cum_told - coalesce(s.cum_told, 0) AS told,
    u.created >= :s AS created_in,
    CASE WHEN u.created >= :s THEN u.first_told_at - u.created END AS first_response,
    CASE WHEN u.resolved_at >= :s THEN u.resolved_at - u.created END AS resolution,
    CASE WHEN u.due IS NOT NULL AND u.silent_since IS NOT NULL
         THEN {greatest}(u.longest_silence, :u - u.silent_since) END AS longest_silence,
    CASE WHEN u.due IS NOT NULL AND u.silent_since IS NOT NULL
         THEN :u - u.silent_since END AS current_silence,
    u.first_told_at AS first_told_at, u.at AS u_at, u.wcum_open AS u_wopen,
    u.wcum_overdue AS u_wover, s.at AS s_at, s.due AS s_due, s.wcum_open AS s_wopen,
    s.wcum_overdue AS s_wover
FROM u LEFT JOIN s ON s.case_id = u.case_id
WHERE CAST(:owner AS TEXT) IS NULL OR u.owner = :owner
"""

_SINCE_COLUMNS = "case_id, at, due, cum_open, cum_overdue, cum_told, wcum_open, wcum_overdue"

_TOTALS = """
SELECT count(*), count(CASE WHEN open_s > 0 THEN 1 END), count(due),
       count(CASE WHEN created_in AND first_response IS NULL THEN 1 END),
       sum(CASE WHEN open_s > 0 THEN told END), count(CASE WHEN open_s > 0 AND told = 0 THEN 1 END),
       sum(CASE WHEN open_s > 0 THEN open_s END), sum(CASE WHEN open_s > 0 THEN overdue_s END),
       sum(res_untold)
FROM report_figures
"""


def _column(store: Store, column: str) -> list[Any]:
    """A `report_figures` column's values, NULLs left out."""
    return [
        r[0]
        for r in _sql(store).rows(
            store, f"SELECT {column} FROM report_figures WHERE {column} IS NOT NULL"
        )
    ]


def figures_statement(store: Store, window: Window) -> str:
    """The statement that fills `report_figures` (parameters s, u and owner)."""
    sql = _sql(store)
    return _FIGURES.format(
        greatest=sql.greatest,
        until_rows=_until_rows(store, window.u),
        since_rows=_last_steps_before(store, "s", window.s, _SINCE_COLUMNS),
    )


def _figures_table(store: Store, window: Window, owner: str | None) -> dict[str, object]:
    """Fill the connection's temporary `report_figures` with every case's figures."""
    params: dict[str, object] = {"s": window.s, "u": window.u, "owner": owner}
    store.conn.execute(f"DROP TABLE IF EXISTS {_sql(store).temp}report_figures")
    store.conn.execute(figures_statement(store, window), params)
    return params


_TOLD_PER_OPEN_CASE = (
    "SELECT told, count(*) FROM report_figures WHERE open_s > 0 GROUP BY told ORDER BY told"
)
# The sums cast back to integers: PostgreSQL sums BIGINT as NUMERIC.
_OPEN_PER_CUSTOMER = (
    "SELECT customer_id, CAST(sum(open_s) AS BIGINT), CAST(sum(overdue_s) AS BIGINT) "
    "FROM report_figures WHERE open_s > 0 GROUP BY customer_id"
)

_WORKING = (
    "SELECT case_id, created, open_s, first_response, resolution, first_told_at, resolved_at, "
    "due, u_at, u_wopen, u_wover, s_at, s_due, s_wopen, s_wover FROM report_figures"
)


def _working(window: Window, measure: Measure, row: Any) -> Working:
    """A case's working-time figures from its `report_figures` row: the running totals of its
    last steps before `until` and `since`, each carried on to its moment."""
    (_, created, _, first, resolution, first_told_at, resolved_at, due) = row[:8]
    (u_at, u_wopen, u_wover, s_at, s_due, s_wopen, s_wover) = row[8:]
    open_u, over_u = carried(measure, window.u, u_at, due, u_wopen, u_wover)
    open_s = over_s = 0
    if s_at is not None:
        open_s, over_s = carried(measure, window.s, s_at, s_due, s_wopen, s_wover)
    return Working(
        open_u - open_s,
        over_u - over_s,
        None if first is None else measure(created, first_told_at),
        None if resolution is None else measure(created, resolved_at),
    )


def case_figures(
    store: Store, window: Window, measure: Measure | None = None
) -> Iterator[CaseFigures]:
    """Every case created before `until`, with its figures for the window (as the SQL sees it);
    with `measure`, also in working time."""
    _figures_table(store, window, None)
    sql = _sql(store)
    rows = sql.rows(
        store,
        "SELECT case_id, customer_id, owner, created, open_s, overdue_s, told, first_response, "
        "resolution, due, res_untold, resolved_at, longest_silence, current_silence, created_in, "
        "problem_id FROM report_figures ORDER BY case_id",
    )
    work = {}
    if measure is not None:
        work = {r[0]: _working(window, measure, r) for r in sql.rows(store, _WORKING)}
    store.conn.execute(f"DROP TABLE IF EXISTS {_sql(store).temp}report_figures")
    for row in rows:
        values = list(row)
        values[10], values[14] = bool(values[10]), bool(values[14])
        yield CaseFigures(*values, work.get(row[0]))


def agent_events(store: Store, window: Window) -> dict[str, tuple[int, int]]:
    """Each known agent's (events acted, told events) in the window: its whole UTC days from
    the day counts, the partial days at either end from the steps."""
    s, u = window.s, window.u
    first, last = -(-s // _DAY), u // _DAY  # the whole days are [first, last)
    if first >= last:
        first = last = -(-s // _DAY)
        edges = [(s, u)]
    else:
        edges = [(s, first * _DAY), (last * _DAY, u)]
    # A statement for every agent's whole days and one for each partial day: a round trip
    # each, not three per agent.
    conn, sql = store.conn, _sql(store)
    agents = store.agents()
    if not agents:  # nothing written yet: maybe no step tables either
        return {}
    totals = dict.fromkeys(agents, (0, 0))
    for actor, acted, told in conn.execute(
        "SELECT actor, sum(acted), sum(told) FROM report_acts "
        "WHERE day >= ? AND day < ? GROUP BY actor",
        (first, last),
    ):
        if actor in totals:
            totals[actor] = (int(acted), int(told))
    for start, end in edges:
        if start < end:
            for actor, more, more_told in conn.execute(
                "SELECT actor, count(*), count(CASE WHEN kind = 'told' THEN 1 END) "
                f"FROM report_steps {sql.hint('report_steps_actor')} "
                f"WHERE actor {sql.in_ids} AND at >= ? AND at < ? GROUP BY actor",
                (sql.ids(agents), start, end),
            ):
                acted, told = totals[actor]
                totals[actor] = (acted + int(more), told + int(more_told))
    return totals


def customer_names(store: Store, ids: Iterable[int]) -> dict[int, str]:
    sql = _sql(store)
    rows = store.conn.execute(
        f"SELECT id, name FROM customers WHERE id {sql.in_ids}", (sql.ids(sorted(ids)),)
    )
    return {row[0]: row[1] for row in rows}


def has_problems(store: Store) -> bool:
    """Whether the store tracks problems (issue 5's migration added the table)."""
    return bool(_sql(store).has_table(store, "problems"))


def problem_titles(store: Store, window: Window) -> dict[int, str] | None:
    """Every problem that existed at `until`, id → title; None if the store has no problems."""
    if not has_problems(store):
        return None
    rows = store.conn.execute(
        "SELECT id, title FROM problems WHERE created_at < ? ORDER BY id",
        (to_text(window.until),),
    )
    return {row[0]: row[1] for row in rows}


_PROBLEMS = """
SELECT problems.id, problems.title, count(DISTINCT f.customer_id), count(f.case_id)
FROM problems LEFT JOIN report_figures AS f ON f.problem_id = problems.id
WHERE problems.created_at < :until_text
GROUP BY problems.id ORDER BY 3 DESC, 4 DESC, problems.id LIMIT :n
"""


def build_report(
    store: Store,
    policy: Policy,
    window: Window,
    *,
    owner: str | None = None,
    top: int = 10,
    weekly: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """The report for the window, after bringing the steps up to date; aggregated in SQL.

    Gives the same Report as `reports.report_from_events` on the same events (the tests check).
    `weekly=False` leaves out the first response per week (only the charts show it).
    """
    update_steps(store, policy, progress)
    sql = _sql(store)
    sql.fast_reads(store)
    conn = store.conn
    params = _figures_table(store, window, owner)
    measure = measure_of(policy)
    limit = {"n": top if top > 0 else sql.no_limit}
    counts = ReportCounts(*(int(v or 0) for v in conn.execute(_TOTALS).fetchone()))
    by_week: list[tuple[datetime, Spread]] = []
    if weekly:
        first_responses = sql.rows(
            store,
            "SELECT created, first_response FROM report_figures WHERE first_response IS NOT NULL",
        )
        first_response = Spread.of(seconds for _, seconds in first_responses)
        by_week = weekly_spreads(window, first_responses)
    else:
        first_response = Spread.of(_column(store, "first_response"))
    resolutions = _column(store, "resolution")
    # Cases open in the window: updates told per case, open and overdue time per customer
    # (summed in SQL: a row per customer reaches Python, not one per case).
    told_counts = [
        told for told, cases in sql.rows(store, _TOLD_PER_OPEN_CASE) for _ in range(cases)
    ]
    by_customer = {row[0]: (row[1], row[2]) for row in sql.rows(store, _OPEN_PER_CUSTOMER)}
    shares, worst, kept_waiting = customer_figures(by_customer, top)
    silences = sorted(_column(store, "longest_silence"))
    owned = {
        r[0]: (int(r[1]), int(r[2]))
        for r in conn.execute(
            "SELECT owner, count(*), count(CASE WHEN due <= :u THEN 1 END) FROM report_figures "
            "WHERE due IS NOT NULL AND owner IS NOT NULL GROUP BY owner",
            params,
        )
    }
    silent = conn.execute(
        "SELECT case_id, customer_id, owner, longest_silence, current_silence "
        "FROM report_figures WHERE longest_silence IS NOT NULL "
        "ORDER BY longest_silence DESC, case_id LIMIT :n",
        limit,
    ).fetchall()
    untold = conn.execute(
        "SELECT case_id, customer_id, owner, resolved_at FROM report_figures "
        "WHERE res_untold = 1 ORDER BY resolved_at, case_id LIMIT :n",
        limit,
    ).fetchall()
    problems = None
    if has_problems(store):
        problems = [
            Problem(r[0], r[1], r[2], r[3])
            for r in conn.execute(_PROBLEMS, {**limit, "until_text": to_text(window.until)})
        ]
    work = None
    if measure is not None:
        work = WorkingTotals()
        for r in sql.rows(store, _WORKING):
            work.add(r[1], _working(window, measure, r), r[2] > 0)
    # The temporary table is not dropped (freeing 100,000 rows is a tenth of a report): the
    # next report on this connection replaces it, and it goes with the connection.
    return make_report(
        window,
        owner=owner,
        top=top,
        counts=counts,
        first_response=first_response,
        first_response_by_week=by_week,
        resolutions=resolutions,
        told_counts=told_counts,
        customer_shares=shares,
        customers_overdue=kept_waiting,
        worst=worst,
        silence=Spread.of(silences),
        histogram=silence_histogram(silences),
        longest=[CaseLine(r[0], r[1], r[2], r[3], r[4]) for r in silent],
        untold=[CaseLine(r[0], r[1], r[2], window.u - (r[3] or window.u)) for r in untold],
        owned=owned,
        customer_names=lambda ids: customer_names(store, ids),
        agent_events=agent_events(store, window),
        problems=problems,
        work=work,
        weekly=weekly,
    )


def overdue_series(
    store: Store, policy: Policy, window: Window, points: int = 30, owner: str | None = None
) -> list[tuple[int, int]]:
    """How many cases were overdue at `points` evenly spaced moments from `since` on (the last
    one at most `until`), by the events before each moment. With `owner`, only the cases that
    agent owns at `until`. Returns (epoch seconds, count) pairs.

    A case is overdue at t when its last step before t left a due time at or before t: a step
    counts at the moments in [max(at + 1, due), next_at]. Only steps whose due time comes
    before their next step can count (`report_steps_overdue` holds just those); one grouped
    read gives each step's first and last moment, and a running sum the counts.
    """
    update_steps(store, policy)
    sql = _sql(store)
    sql.fast_reads(store)
    s, u = window.s, window.u
    points = max(points, 2)
    step = max((u - s) // (points - 1), 1)
    last = points - 1
    params: dict[str, object] = {"s": s, "step": step, "last": last, "tl": s + last * step}
    owned = ""
    if owner is not None:
        owned = (
            f" AND case_id IN (SELECT case_id FROM ({_until_rows(store, u)}) AS o "
            "WHERE owner = :owner)"
        )
        params |= {"u": u, "owner": owner}
    starts = [0] * (points + 1)  # cases that become overdue at moment k, less those that stop
    for first, final, cases in store.conn.execute(
        f"""
        SELECT first, final, count(*) FROM (
            SELECT CASE WHEN {sql.greatest}(at + 1, due) <= :s THEN 0
                        ELSE ({sql.greatest}(at + 1, due) - :s + :step - 1) / :step END AS first,
                   {sql.least}((next_at - :s) / :step, :last) AS final
            FROM report_steps {sql.hint("report_steps_overdue")}
            WHERE due <= next_at AND next_at >= :s AND at < :tl AND due <= :tl{owned}) AS moments
        WHERE first <= final GROUP BY first, final
        """,
        params,
    ):
        starts[first] += cases
        starts[final + 1] -= cases
    series, overdue = [], 0
    for k in range(points):
        overdue += starts[k]
        series.append((s + k * step, overdue))
    return series
