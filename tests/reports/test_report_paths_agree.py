"""The fast SQL path and the pure replay give the same report on a realistic store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casedesk.core.policy import DEFAULT_POLICY
from casedesk.core.reports import Window, case_steps, report_from_events, summarize_case
from casedesk.desk.demo import build_demo
from casedesk.store import Store
from casedesk.store.reports import (
    agent_events,
    build_report,
    case_figures,
    overdue_series,
    problem_titles,
    stored_steps,
    update_steps,
)

from .conftest import acted_from_steps


@pytest.fixture
def demo_store(tmp_path, clock):
    path = build_demo(tmp_path / "demo.db", cases=120, seed=3)
    store = Store.open(path)
    yield store
    store.close()


@pytest.mark.parametrize(
    ("start_days", "end_days"),
    [(-30, 0), (-7, 0), (-90, -60), (-400, 2), (-20, -19.5)],
)
def test_sql_and_replay_agree_on_every_figure(demo_store, clock, start_days, end_days):
    store = demo_store
    window = Window(clock.now + timedelta(days=start_days), clock.now + timedelta(days=end_days))
    fast = build_report(store, DEFAULT_POLICY, window, top=0)
    histories = [store.events(case_id) for case_id in store.all_case_ids()]
    slow = report_from_events(
        histories,
        DEFAULT_POLICY,
        window,
        top=0,
        customer_names=lambda ids: {i: store.customer(i).name for i in ids},
        agent_events=agent_events(store, window),
        problem_titles=problem_titles(store, window),
    )
    assert fast == slow
    by_case = {f.case_id: f for f in case_figures(store, window)}
    for events in histories:
        expected = summarize_case(list(case_steps(events, DEFAULT_POLICY)), window)
        assert by_case.get(events[0].case_id) == expected


def test_owner_filter_agrees(demo_store, clock):
    window = Window(clock.now - timedelta(days=30), clock.now)
    store = demo_store
    fast = build_report(store, DEFAULT_POLICY, window, owner="bob", top=0)
    slow = report_from_events(
        [store.events(case_id) for case_id in store.all_case_ids()],
        DEFAULT_POLICY,
        window,
        owner="bob",
        top=0,
        customer_names=lambda ids: {i: store.customer(i).name for i in ids},
        agent_events=agent_events(store, window),
        problem_titles=problem_titles(store, window),
    )
    assert fast == slow
    assert fast.cases_existing > 0


@pytest.mark.parametrize("owner", [None, "chris"])
def test_overdue_series_counts_what_a_replay_says(demo_store, clock, owner):
    store = demo_store
    window = Window(clock.now - timedelta(days=45), clock.now)
    series = overdue_series(store, DEFAULT_POLICY, window, points=12, owner=owner)
    cases = [list(case_steps(store.events(c), DEFAULT_POLICY)) for c in store.all_case_ids()]
    if owner is not None:
        cases = [steps for steps in cases if steps[-1].owner == owner]
    for t, count in series:
        expected = 0
        for steps in cases:
            before = [step for step in steps if step.at < t]
            if before and before[-1].due is not None and before[-1].due <= t:
                expected += 1
        assert count == expected, t
    assert max(count for _, count in series) > 0


def test_the_demo_builds_the_steps_a_fold_gives_and_the_day_counts(demo_store, clock):
    store = demo_store
    histories = [store.events(case_id) for case_id in store.all_case_ids()]
    for events in histories:
        assert stored_steps(store, events[0].case_id) == case_steps(events, DEFAULT_POLICY)
    assert update_steps(store, DEFAULT_POLICY) == 0  # nothing left to fold
    # Windows starting and ending mid-day, on day boundaries, and inside one day.
    day = timedelta(days=1)
    midnight = clock.now.replace(hour=0, minute=0, second=0, microsecond=0)
    for since, until in [
        (clock.now - 30 * day, clock.now),
        (midnight - 20 * day, midnight),
        (midnight - 3 * day + timedelta(hours=5), midnight - 3 * day + timedelta(hours=9)),
        (midnight - day, midnight + timedelta(seconds=1)),
    ]:
        window = Window(since, until)
        expected = acted_from_steps(store, histories, window, DEFAULT_POLICY)
        found = agent_events(store, window)
        assert expected == {a: c for a, c in found.items() if c[0]}
        assert any(acted for acted, _ in found.values())
