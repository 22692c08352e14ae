"""The console's read-only queries: queue views and pages, header counts, change detection.

The console needs a few questions the Store does not answer (resolved-but-not-told, counts for
the header, "did anything change?"); their SQL lives here, beside the Store, so screens hold none.
Every function takes a Store and only reads.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from casedesk.core.clock import to_text
from casedesk.core.model import DueReason, Priority
from casedesk.paths import ServerStore, StoreLocation
from casedesk.store.rows import CASE_SELECT
from casedesk.store.store import CaseRow, Store


class View(StrEnum):
    """The queue's saved views: the default first (key 0), then the order keys 1-7 pick them."""

    MINE_AND_UNASSIGNED = "mine+unassigned"  # what `casedesk nag` reports: the default
    MINE = "mine"
    ALL = "all"
    UNASSIGNED = "unassigned"
    OVERDUE = "overdue"
    WAITING = "waiting"
    RESOLVED_NOT_TOLD = "resolved-not-told"
    CLOSED = "closed"


class Sort(StrEnum):
    """How the queue is ordered; `due` (overdue first) is the default."""

    DUE = "due"
    NEWEST = "newest"
    UPDATED = "updated"
    PRIORITY = "priority"


# Each sort keeps the case id last, so paging with OFFSET is stable.
_ORDER = {
    Sort.DUE: "cases.due_at IS NULL, cases.due_at, cases.id",
    Sort.NEWEST: "cases.id DESC",
    Sort.UPDATED: "cases.updated_at DESC, cases.id DESC",
    Sort.PRIORITY: (
        "CASE cases.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 "
        "ELSE 3 END, cases.due_at IS NULL, cases.due_at, cases.id"
    ),
}


@dataclass(frozen=True, slots=True)
class Query:
    """What the queue shows: a view, an order, and optionally only the cases a search found."""

    view: View = View.MINE_AND_UNASSIGNED
    sort: Sort = Sort.DUE
    agent: str = ""
    ids: tuple[int, ...] | None = None


# What "overdue" means for view 4, the header's count, the catch-up round and the console's bell
# (`casedesk nag` asks the same): the customer's next update is past due. A closed case can be:
# its check-in, once the resolution was told, is an update the customer is owed. So every view
# but "closed" shows the cases still being worked on and closed ones with something due, as
# `casedesk list` does.
OVERDUE = "cases.due_at <= ?"
_LIVE = "(cases.status != 'closed' OR cases.due_at IS NOT NULL)"


def _where(query: Query, now: datetime, dated: bool | None = None) -> tuple[str, list[Any]]:
    """The query's WHERE clause; `dated` keeps only the cases with a due time (True) or only
    those without (False). Its dated half says nothing about the status, so an index on
    `(…, due_at)` alone answers it, without reading the cases."""
    clauses: list[str] = []
    params: list[Any] = []
    view = query.view
    if view is View.CLOSED:
        clauses.append("cases.status = 'closed'")
    elif dated is None:
        clauses.append(_LIVE)
    elif not dated:
        clauses.append("cases.status != 'closed'")  # _LIVE, for a case with nothing due
    if dated is not None:
        clauses.append("cases.due_at IS NOT NULL" if dated else "cases.due_at IS NULL")
    if view is View.MINE:
        clauses.append("cases.owner = ?")
        params.append(query.agent)
    elif view is View.MINE_AND_UNASSIGNED:
        clauses.append("(cases.owner = ? OR cases.owner IS NULL)")
        params.append(query.agent)
    elif view is View.UNASSIGNED:
        clauses.append("cases.owner IS NULL")
    elif view is View.OVERDUE:
        clauses.append(OVERDUE)
        params.append(to_text(now))
    elif view is View.WAITING:
        clauses.append("cases.status IN ('waiting-customer', 'waiting-third-party')")
    elif view is View.RESOLVED_NOT_TOLD:
        clauses.append("cases.status = 'resolved' AND cases.resolution_told_at IS NULL")
    if query.ids is not None:
        clauses.append(f"cases.id IN ({', '.join('?' for _ in query.ids) or 'NULL'})")
        params += list(query.ids)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _parts(query: Query) -> list[Query]:
    """The query as views that do not overlap, each walked by one index in due order: the
    default view is the agent's cases and the unassigned ones (an OR of the two would read
    and sort every case of both, ~0.3 s on 100,000 cases, for the first page)."""
    if query.view is View.MINE_AND_UNASSIGNED:
        return [replace(query, view=View.MINE), replace(query, view=View.UNASSIGNED)]
    return [query]


def count(store: Store, query: Query, now: datetime) -> int:
    """How many cases the query shows: the dated ones counted on the index, then the others."""
    counts, params = [], []
    for part in _parts(query):
        for dated in (True, False):
            where, part_params = _where(part, now, dated)
            counts.append(f"(SELECT count(*) FROM cases{where})")
            params += part_params
    return store.conn.execute("SELECT " + " + ".join(counts), params).fetchone()[0]


def page(store: Store, query: Query, now: datetime, offset: int, limit: int) -> list[CaseRow]:
    """One page of the queue, in the query's order."""
    if query.sort is Sort.DUE:
        return _due_page(store, query, now, offset, limit)
    where, params = _where(query, now)
    sql = f"{CASE_SELECT}{where} ORDER BY {_ORDER[query.sort]} LIMIT ? OFFSET ?"
    return _rows(store, sql, [*params, limit, offset])


def overdue_in(
    store: Store, query: Query, now: datetime, limit: int = 500
) -> list[tuple[int, int]]:
    """(case id, version) of the query's overdue cases, most overdue first (the catch-up round)."""
    where, params = _where(query, now)
    sql = (
        f"SELECT cases.id, cases.version FROM cases{where} AND {OVERDUE} "
        "ORDER BY cases.due_at, cases.id LIMIT ?"
    )
    return [(r[0], r[1]) for r in store.conn.execute(sql, [*params, to_text(now), limit])]


def overdue_count(store: Store, query: Query, now: datetime) -> int:
    """How many of the query's cases are overdue now."""
    where, params = _where(query, now)
    return _count(store, f"{where} AND {OVERDUE}", [*params, to_text(now)])


def is_empty(store: Store) -> bool:
    """No case at all yet (the console then says how to begin)."""
    return store.conn.execute("SELECT id FROM cases LIMIT 1").fetchone() is None


def _due_page(store: Store, query: Query, now: datetime, offset: int, limit: int) -> list[CaseRow]:
    """Dated cases by due time, then undated ones: index walks instead of one big sort.

    `ORDER BY due_at IS NULL, due_at` cannot use the due_at index and sorts the whole view
    (0.1 s for the first page of 100,000 cases, 0.6 s deep down); this stays at a few ms.
    A view made of parts (`_parts`) takes the first `offset + limit` ids of each part from its
    index and merges them, reading only the page's cases.
    """
    parts = _parts(query)
    if len(parts) == 1:
        dated, params = _where(query, now, dated=True)
        sql = f"{CASE_SELECT}{dated} ORDER BY cases.due_at, cases.id LIMIT ? OFFSET ?"
        rows = _rows(store, sql, [*params, limit, offset])
    else:
        walks, params = [], []
        for i, part in enumerate(parts):
            where, part_params = _where(part, now, dated=True)
            walks.append(
                f"SELECT id, due_at FROM (SELECT cases.id, cases.due_at FROM cases{where} "
                f"ORDER BY cases.due_at, cases.id LIMIT ?) AS part{i}"
            )
            params += [*part_params, offset + limit]
        ids = f"SELECT id FROM ({' UNION ALL '.join(walks)} ORDER BY 2, 1 LIMIT ? OFFSET ?) AS ids"
        sql = f"{CASE_SELECT} WHERE cases.id IN ({ids}) ORDER BY cases.due_at, cases.id"
        rows = _rows(store, sql, [*params, limit, offset])
    if len(rows) < limit:
        # The dated cases ran out on this page (or before it): undated ones follow. Only a page
        # that starts past the last dated case needs to count them.
        n_dated = offset + len(rows) if rows or offset == 0 else _dated_count(store, query, now)
        undated, params = _where(query, now, dated=False)
        sql = f"{CASE_SELECT}{undated} ORDER BY cases.id LIMIT ? OFFSET ?"
        rows += _rows(store, sql, [*params, limit - len(rows), max(offset - n_dated, 0)])
    return rows


def _dated_count(store: Store, query: Query, now: datetime) -> int:
    return sum(_count(store, *_where(part, now, dated=True)) for part in _parts(query))


def affected_counts(store: Store, rows: list[CaseRow]) -> dict[int, int]:
    """How many cases each problem linked from `rows` has: one report is evidence for all."""
    problems = sorted({p for r in rows if (p := getattr(r.case, "problem_id", None)) is not None})
    if not problems:
        return {}
    marks = ", ".join("?" for _ in problems)
    sql = f"SELECT problem_id, count(*) FROM cases WHERE problem_id IN ({marks}) GROUP BY 1"
    return {pid: n for pid, n in store.conn.execute(sql, problems)}


def _count(store: Store, where: str, params: list[Any]) -> int:
    return store.conn.execute("SELECT count(*) FROM cases" + where, params).fetchone()[0]


def _rows(store: Store, sql: str, params: list[Any]) -> list[CaseRow]:
    return [store._case_row(row) for row in store.conn.execute(sql, params).fetchall()]


@dataclass(frozen=True, slots=True)
class HeaderCounts:
    """The queue's header line: overdue · due today · open · unassigned."""

    overdue: int
    due_today: int
    open: int
    unassigned: int
    mail_in: datetime | None = None  # when mail last came in
    intake: str | None = None  # "watching", "stopped", or None when no watcher ever ran


def header_counts(store: Store, agent: str, now: datetime) -> HeaderCounts:
    """Counts for this agent's work: overdue and due today cover their cases and unassigned ones."""
    local = now.astimezone()
    end_of_day = (local.replace(hour=0, minute=0, second=0, microsecond=0)) + timedelta(days=1)
    mine = "(cases.owner = :agent OR cases.owner IS NULL)"
    overdue = OVERDUE.replace("?", ":now")
    row = store.conn.execute(
        f"""
        SELECT
          (SELECT count(*) FROM cases WHERE {overdue} AND {mine}),
          (SELECT count(*) FROM cases WHERE due_at > :now AND due_at < :eod AND {mine}),
          (SELECT count(*) FROM cases WHERE status NOT IN ('resolved', 'closed')),
          (SELECT count(*) FROM cases WHERE owner IS NULL AND status != 'closed')
        """,
        {"agent": agent, "now": to_text(now), "eod": to_text(end_of_day)},
    ).fetchone()
    from casedesk.store.mail import WatchStore  # the mail statements: not needed for the rows

    watch = WatchStore(store)
    watchers = watch.watchers()
    intake = None
    if watchers:
        intake = "watching" if any(w.running(now) for w in watchers) else "stopped"
    return HeaderCounts(*row, mail_in=watch.last_mail_in(), intake=intake)


@dataclass(frozen=True, slots=True)
class OverdueCase:
    id: int
    title: str
    due_at: datetime
    priority: Priority
    due_reason: DueReason


def overdue_for(store: Store, agent: str, now: datetime, limit: int = 500) -> list[OverdueCase]:
    """This agent's and unassigned cases whose customer is overdue for an update, worst first."""
    rows = store.conn.execute(
        f"SELECT id, title, due_at, priority, due_reason FROM cases WHERE {OVERDUE} "
        "AND (owner = ? OR owner IS NULL) ORDER BY due_at LIMIT ?",
        (to_text(now), agent, limit),
    ).fetchall()
    return [_overdue_case(r) for r in rows]


def _overdue_case(row: Any) -> OverdueCase:
    return OverdueCase(
        row[0], row[1], datetime.fromisoformat(row[2]), Priority(row[3]), DueReason(row[4])
    )


def became_overdue(store: Store, agent: str, after: datetime, now: datetime) -> list[OverdueCase]:
    """Cases (this agent's or unassigned) whose due time fell in (after, now]."""
    rows = store.conn.execute(
        "SELECT id, title, due_at, priority, due_reason FROM cases WHERE due_at > ? "
        f"AND {OVERDUE} AND (owner = ? OR owner IS NULL) ORDER BY due_at",
        (to_text(after), to_text(now), agent),
    ).fetchall()
    return [_overdue_case(r) for r in rows]


class ChangeWatcher:
    """Notices writes by any process (or our own) with `PRAGMA data_version`, which is cheap;
    on PostgreSQL by LISTEN/NOTIFY (a trigger notifies every commit that changes a case).

    It keeps its own connection: data_version only moves for commits made by *other*
    connections, so a dedicated one sees every writer, the console's own desk included.
    """

    def __init__(self, location: StoreLocation) -> None:
        self._listener: Any = None
        if isinstance(location, ServerStore):
            from casedesk.store.postgres import Listener

            self._listener = Listener(location)
            return
        self._conn = sqlite3.connect(location, timeout=1, check_same_thread=False)
        self._seen = self._version()

    def _version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        """True once after each commit anyone made since the last call."""
        if self._listener is not None:
            return bool(self._listener.changed())
        try:
            version = self._version()
        except sqlite3.Error:
            return False  # a busy moment; the next tick will see it
        if version == self._seen:
            return False
        self._seen = version
        return True

    def wait(self, timeout: float) -> None:
        """Until a change is there to be seen (PostgreSQL delivers NOTIFY a moment after the
        commit; SQLite's data_version moves with it), at most `timeout` seconds. For tests."""
        if self._listener is not None:
            self._listener.wait(timeout)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
        else:
            self._conn.close()
