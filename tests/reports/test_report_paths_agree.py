"""The fast SQL path and the pure replay give the same report on a realistic store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casedesk.demo import build_demo
from casedesk.policy import DEFAULT_POLICY
from casedesk.reports import Window, case_steps, report_from_events, summarize_case
from casedesk.store import Store
from casedesk.store.reports import agent_events, build_report, case_figures, problem_titles


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
