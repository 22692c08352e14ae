"""Every SQL statement the reports run, and the report steps they aggregate.

A report needs, for every case, its due time at every moment of the window, which only a replay of
its events through the projection and the rules can tell. Replaying a 100,000-case store (over a
million events) takes far longer than a report may, so the replay is kept: `report_steps` holds
one row per event with the case's report-relevant state after it (`reports.Step`). Like the events
it comes from, a step never changes once written; new events add steps for their cases only. The
table is derived data: dropping it is always safe (the next report rebuilds it), and it is rebuilt
when the policy changes. It is created lazily here, not in `schema.py`, because nothing but the
reports reads it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from casedesk.model import Event
from casedesk.reports import (
    CaseFigures,
    Problem,
    Report,
    Step,
    Window,
    assemble,
    case_steps,
    close_case_figures,
)
from casedesk.store.store import Store, _event_from_row

if TYPE_CHECKING:
    from casedesk.policy import Policy

STEPS_VERSION = "1"  # bump when the meaning of a step column changes: the table is rebuilt
_POLICY_KEY = "report_steps_policy"
_UPTO_KEY = "report_steps_upto"
_CHUNK = 5000  # cases replayed per write transaction (keeps the write lock short)

_CREATE = [
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
        PRIMARY KEY (case_id, event_id)
    ) WITHOUT ROWID
    """,
    # Events acted per agent in a window: a range count per agent.
    "CREATE INDEX IF NOT EXISTS report_steps_actor_at ON report_steps(actor, at)",
]
_COLUMNS = (
    "case_id, event_id, customer_id, created, at, prev_at, prev_due, due, kind, actor, owner, "
    "res_untold, resolved_at, first_told, silent_since, longest_silence"
)


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
    )


# -- keeping the steps up to date ----------------------------------------------------------------


def _histories(store: Store, case_ids: list[int]) -> Iterator[list[Event]]:
    """The events of these cases, one case at a time, oldest first."""
    current: list[Event] = []
    rows = store.conn.execute(
        "SELECT * FROM events WHERE case_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY case_id, id",
        (json.dumps(case_ids),),
    )
    for row in rows:
        event = _event_from_row(row)
        if current and current[0].case_id != event.case_id:
            yield current
            current = []
        current.append(event)
    if current:
        yield current


def update_steps(
    store: Store, policy: Policy, progress: Callable[[int, int], None] | None = None
) -> int:
    """Bring `report_steps` up to the newest event; returns how many cases were replayed.

    The first run on a large store replays every case (tens of seconds on 100,000 cases), later
    runs only the cases with new events. `progress(done, total)` is told how it goes.
    """
    conn = store.conn
    fingerprint = f"{STEPS_VERSION}:{policy.fingerprint}"
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'report_steps'"
    ).fetchone()
    if not exists or store.meta(_POLICY_KEY) != fingerprint:
        with store.transaction():
            conn.execute("DROP TABLE IF EXISTS report_steps")
            for statement in _CREATE:
                conn.execute(statement)
            store.set_meta(_POLICY_KEY, fingerprint)
            store.set_meta(_UPTO_KEY, "0")
    upto = int(store.meta(_UPTO_KEY) or 0)
    newest = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    if newest <= upto:
        return 0
    if upto == 0:
        case_ids = [r[0] for r in conn.execute("SELECT DISTINCT case_id FROM events ORDER BY 1")]
    else:
        case_ids = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT case_id FROM events WHERE id > ? AND id <= ? ORDER BY 1",
                (upto, newest),
            )
        ]
    for start in range(0, len(case_ids), _CHUNK):
        chunk = case_ids[start : start + _CHUNK]
        rows = [
            _step_values(step)
            for events in _histories(store, chunk)
            for step in case_steps(events, policy)
        ]
        with store.transaction():
            if upto:
                conn.execute(
                    "DELETE FROM report_steps WHERE case_id IN (SELECT value FROM json_each(?))",
                    (json.dumps(chunk),),
                )
            conn.executemany(
                f"INSERT OR REPLACE INTO report_steps ({_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                rows,
            )
        if progress:
            progress(min(start + _CHUNK, len(case_ids)), len(case_ids))
    with store.transaction():
        if int(store.meta(_UPTO_KEY) or 0) < newest:
            store.set_meta(_UPTO_KEY, str(newest))
    return len(case_ids)


# -- the report's queries ---------------------------------------------------------------------

# One pass over every step before `until`, case by case (the table is ordered by case): the sums
# cover the stretches between events inside the window; the bare columns come from the case's
# last step before `until` (SQLite takes them from the max(event_id) row), i.e. its state then.
_FIGURES = """
SELECT case_id, max(event_id) AS last_id, customer_id, owner, created, at, due, res_untold,
       resolved_at, silent_since, longest_silence,
       total(CASE WHEN at >= :s AND prev_due IS NOT NULL AND prev_at IS NOT NULL
                  THEN at - max(prev_at, :s) END) AS open_before,
       total(CASE WHEN at >= :s AND prev_due IS NOT NULL AND prev_at IS NOT NULL
                  THEN max(0, at - max(prev_at, :s, prev_due)) END) AS overdue_before,
       total(at >= :s AND kind = 'told') AS told,
       sum(CASE WHEN first_told THEN at END) AS first_told_at
FROM report_steps WHERE at < :u GROUP BY case_id
"""


def case_figures(store: Store, window: Window) -> Iterator[CaseFigures]:
    """Every case created before `until`, with its figures for the window."""
    for row in store.conn.execute(_FIGURES, {"s": window.s, "u": window.u}):
        yield close_case_figures(
            window,
            case_id=row[0],
            customer_id=row[2],
            owner=row[3],
            created=row[4],
            last_at=row[5],
            due=row[6],
            res_untold=bool(row[7]),
            resolved_at=row[8],
            silent_since=row[9],
            longest_silence=row[10],
            open_before=int(row[11]),
            overdue_before=int(row[12]),
            told=int(row[13]),
            first_told_at=row[14],
        )


def agent_events(store: Store, window: Window) -> dict[str, tuple[int, int]]:
    """Each known agent's (events acted, told events) in the window."""
    result: dict[str, tuple[int, int]] = {}
    for agent in store.agents():
        acted, told = store.conn.execute(
            "SELECT count(*), total(kind = 'told') FROM report_steps "
            "WHERE actor = ? AND at >= ? AND at < ?",
            (agent, window.s, window.u),
        ).fetchone()
        result[agent] = (int(acted), int(told))
    return result


def customer_names(store: Store, ids: Iterable[int]) -> dict[int, str]:
    rows = store.conn.execute(
        "SELECT id, name FROM customers WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(ids)),),
    )
    return {row[0]: row[1] for row in rows}


def problems_by_affected(store: Store) -> list[Problem] | None:
    """Problems with their affected customers, most first; None while the store has none.

    The problems table arrives with issue 5. Until then this is None, and the report says so. When
    it exists, cases are taken to link to it through `cases.problem_id` (as of now, not as of the
    window's end: linking has no event yet to replay).
    """
    conn = store.conn
    if not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'problems'"
    ).fetchone():
        return None
    try:
        rows = conn.execute(
            "SELECT problems.id, problems.title, count(DISTINCT cases.customer_id), "
            "count(cases.id) FROM problems LEFT JOIN cases ON cases.problem_id = problems.id "
            "GROUP BY problems.id ORDER BY 3 DESC, problems.id"
        ).fetchall()
    except sqlite3.OperationalError:
        return None  # a problems table of a shape this version does not know
    return [Problem(r[0], r[1], r[2], r[3]) for r in rows]


def build_report(
    store: Store,
    policy: Policy,
    window: Window,
    *,
    owner: str | None = None,
    top: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """The report for the window, after bringing the steps up to date."""
    update_steps(store, policy, progress)
    return assemble(
        case_figures(store, window),
        window,
        owner=owner,
        customer_names=lambda ids: customer_names(store, ids),
        agent_events=agent_events(store, window),
        problems=problems_by_affected(store),
        top=top,
    )


def overdue_series(
    store: Store, window: Window, points: int = 30, owner: str | None = None
) -> list[tuple[int, int]]:
    """How many cases were overdue at `points` evenly spaced moments from `since` on.

    Every stretch between two events during which a case was overdue adds one at each sample
    moment it covers: a difference array in SQL (+1 at the first sample at or after the stretch
    starts, -1 at the first at or after it ends), summed up here. A case's stretch after its last
    event before `until` runs on to the end. Returns (epoch seconds, count) pairs.
    """
    s, u = window.s, window.u
    points = max(points, 2)
    step = max((u - s) // (points - 1), 1)
    counts = [0] * (points + 1)
    for k, d in store.conn.execute(_OVERDUE_SERIES, {"s": s, "u": u, "step": step, "owner": owner}):
        if k is not None and k < points:
            counts[k] += int(d)
    series, running = [], 0
    for k in range(points):
        running += counts[k]
        series.append((s + k * step, running))
    return series


# ceil((t - s) / step) for t >= s, else 0: the index of the first sample at or after t.
_FIRST_SAMPLE = "(max(0, {t} - :s) + :step - 1) / :step"
_STRETCH = (
    "FROM report_steps WHERE at > :s AND at < :u AND prev_at IS NOT NULL "
    "AND prev_due IS NOT NULL AND prev_due < at "
    "AND (:owner IS NULL OR case_id IN (SELECT case_id FROM last WHERE owner = :owner))"
)
_OVERDUE_SERIES = f"""
WITH last AS (
    SELECT case_id, max(event_id), at, due, owner FROM report_steps WHERE at < :u
    GROUP BY case_id
)
SELECT k, sum(d) FROM (
    SELECT {_FIRST_SAMPLE.format(t="max(prev_at, prev_due)")} AS k, 1 AS d {_STRETCH}
    UNION ALL
    SELECT {_FIRST_SAMPLE.format(t="at")}, -1 {_STRETCH}
    UNION ALL
    SELECT {_FIRST_SAMPLE.format(t="max(at, due)")}, 1 FROM last
    WHERE due IS NOT NULL AND (:owner IS NULL OR owner = :owner)
) GROUP BY k
"""
