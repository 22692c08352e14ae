"""How PostgreSQL runs the report's queries on a store the size of a shop's: the planner's
statistics of a real-looking `report_steps` (many cases, most of them created late), and the
plans it chooses. A plan that reads the whole table is seconds on 100,000 cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from casedesk.core.policy import DEFAULT_POLICY
from casedesk.core.reports import Window
from casedesk.paths import ServerStore
from casedesk.store import Store
from casedesk.store.reports import (
    _COLUMNS,
    _LATEST_COLUMNS,
    NEVER,
    build_report,
    figures_statement,
    recreate_steps,
)

CASES, STEPS = 20_000, 10
GAP, SPACING = 100, 1_000  # a case every 100 s; its steps 1,000 s apart


@pytest.fixture
def steps_store(pg_url: str) -> Iterator[Store]:
    """200,000 steps: case c created at c * GAP with STEPS steps, the last one open-ended; the
    planner's statistics gathered as a report's catch-up gathers them."""
    store = Store.open(ServerStore(pg_url))
    with store.transaction():
        recreate_steps(store, "plans")
        store.conn.execute(
            f"INSERT INTO report_steps ({_COLUMNS}) "
            f"SELECT c, c * {STEPS} + k, 1, c * {GAP}, c * {GAP} + k * {SPACING}, NULL, NULL, "
            f"c * {GAP} + 5 * {SPACING}, 'note', 'ann', NULL, 0, NULL, 0, NULL, 0, 0, 0, 0, NULL, "
            f"CASE WHEN k = {STEPS - 1} THEN {NEVER} ELSE c * {GAP} + (k + 1) * {SPACING} END, "
            f"NULL, 0, 0 FROM generate_series(1, {CASES}) AS c, "
            f"generate_series(0, {STEPS - 1}) AS k"
        )
        store.conn.execute(
            f"INSERT INTO report_latest ({_LATEST_COLUMNS}) "
            f"SELECT {_LATEST_COLUMNS} FROM report_steps WHERE next_at = ?",
            (NEVER,),
        )
        store.conn.execute("ANALYZE report_steps")
        store.conn.execute("ANALYZE report_latest")
    yield store
    store.close()


def _plan(store: Store, since: int, until: int) -> str:
    window = Window(datetime.fromtimestamp(since, UTC), datetime.fromtimestamp(until, UTC))
    rows = store.conn.execute(
        "EXPLAIN " + figures_statement(store, window), {"s": since, "u": until, "owner": None}
    )
    return "\n".join(row[0] for row in rows)


def test_a_past_window_reads_only_the_steps_that_straddle_its_ends(steps_store: Store) -> None:
    # A window long past: a few thousand cases existed then, of 20,000.
    plan = _plan(steps_store, 50_000 * GAP // 100, 100_000 * GAP // 100)
    assert "Seq Scan on report_steps" not in plan, plan


def test_a_report_keeps_its_figures_and_hashes_in_memory(steps_store: Store) -> None:
    """A report's temporary table of every case's figures (17 MB on 100,000 cases) and its hash
    of every case's latest step would otherwise be written out and read back (temp_buffers and
    work_mem default to 8 and 4 MB); temp_buffers only counts if set before the connection's
    first temporary table, so the connection sets it."""
    window = Window(datetime.fromtimestamp(50_000, UTC), datetime.fromtimestamp(100_000, UTC))
    build_report(steps_store, DEFAULT_POLICY, window, weekly=False)
    settings = steps_store.conn.execute(
        "SELECT current_setting('temp_buffers'), current_setting('work_mem')"
    ).fetchone()
    assert tuple(settings) == ("128MB", "64MB")
