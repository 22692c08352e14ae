"""Report steps kept at every write equal a fold of the whole event log, on random stores."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casedesk import paths
from casedesk.core.errors import CasedeskError
from casedesk.core.model import Channel, Status
from casedesk.core.reports import Window, case_steps, report_from_events
from casedesk.desk.desk import Desk
from casedesk.store.reports import agent_events, build_report, problem_titles, stored_steps

from .conftest import acted_from_steps

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ACTIONS = [
    "new",
    "note",
    "heard",
    "tell",
    "promise",
    "assign",
    "status",
    "resolve",
    "close",
    "reopen",
    "snooze",
]

actions = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(1, 4),  # which case
        st.floats(-2, 40),  # hours to move the clock first (backwards now and then)
    ),
    min_size=1,
    max_size=40,
)


def _act(desk: Desk, action: str, case_id: int) -> None:
    now = desk.now()
    if action == "new":
        owner = "ann" if case_id % 2 else None
        desk.new_case(f"c{case_id}@example.com", f"case {case_id}", owner=owner)
    elif action == "note":
        desk.note(case_id, "looked")
    elif action == "heard":
        desk.heard(case_id, "any news?", Channel.PHONE)
    elif action == "tell":
        desk.tell(case_id, "working on it", Channel.PHONE)
    elif action == "promise":
        desk.tell(case_id, "tomorrow", Channel.PHONE, promise=now + timedelta(hours=20))
    elif action == "assign":
        desk.assign(case_id, "bob")
    elif action == "status":
        desk.set_status(case_id, Status.WAITING_CUSTOMER)
    elif action == "resolve":
        desk.resolve(case_id, "fixed")
    elif action == "close":
        desk.close_case(case_id, None)
    elif action == "reopen":
        desk.reopen(case_id, "again")
    elif action == "snooze":
        desk.snooze(case_id, now + timedelta(hours=30), "away")


@pytest.fixture(params=["sqlite", "postgres"])
def new_store(request, tmp_path) -> Iterator[Callable[[], ContextManager[Desk]]]:
    """Opens a fresh, empty store of the engine at each call (one per hypothesis example)."""
    counter = iter(range(10**6))

    @contextlib.contextmanager
    def sqlite() -> Iterator[Desk]:
        folder = tmp_path / str(next(counter))
        folder.mkdir()
        desk = Desk.open(folder / "s.db", "ann", policy_path=folder / "policy.toml")
        try:
            yield desk
        finally:
            desk.close()

    @contextlib.contextmanager
    def postgres() -> Iterator[Desk]:
        server = request.getfixturevalue("pg_server")
        url = server.new_store()
        desk = Desk.open(paths.store_location(url), "ann", policy_path=tmp_path / "none.toml")
        try:
            yield desk
        finally:
            desk.close()
            server.drop_store(url)

    yield sqlite if request.param == "sqlite" else postgres


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=actions)
def test_steps_kept_at_each_write_equal_a_full_fold(new_store, steps):
    with new_store() as desk:
        moment = [T0]
        desk.now = lambda: moment[0]  # type: ignore[method-assign]
        for action, case_id, hours in steps:
            moment[0] += timedelta(hours=hours)
            # Not allowed in the case's state, or no such case yet: nothing is written.
            with contextlib.suppress(CasedeskError):
                _act(desk, action, case_id)
        store, policy = desk.store, desk.policy
        histories = [store.events(c) for c in store.all_case_ids()]
        for events in histories:
            assert stored_steps(store, events[0].case_id) == list(case_steps(events, policy))
        window = Window(T0 + timedelta(hours=5), max(moment[0], T0) + timedelta(hours=10))
        slow = report_from_events(
            histories,
            policy,
            window,
            top=0,
            customer_names=lambda ids: {i: store.customer(i).name for i in ids},
            agent_events=agent_events(store, window),
            problem_titles=problem_titles(store, window),
        )
        assert build_report(store, policy, window, top=0) == slow
        # Events acted per agent, kept per day at each write, against the fold.
        for since in (T0, T0 + timedelta(hours=5), T0 + timedelta(hours=30)):
            part = Window(since, max(moment[0], since) + timedelta(hours=1))
            kept = {a: c for a, c in agent_events(store, part).items() if c[0]}
            assert kept == acted_from_steps(store, histories, part, policy)


def test_a_write_resumes_the_steps_from_the_case_as_it_was_without_replaying_it(
    tmp_path, clock, monkeypatch
):
    """The report figures are kept inside every write's lock: a note on a long case must read
    the one new event, not the case's whole history (a 500-event case held the lock for a
    replay of 500 events, and a busy store's writes timed out)."""
    from casedesk.desk.demo import build_demo
    from casedesk.store import reports

    path = build_demo(tmp_path / "demo.db", cases=12, seed=5)  # case #1 has ~500 events
    desk = Desk.open(path, "ann", policy_path=tmp_path / "policy.toml")
    desk.now = clock
    try:
        history = len(desk.store.events(1))
        assert history > 400
        read: list[int] = []
        real = reports._event_from_row
        monkeypatch.setattr(
            reports, "_event_from_row", lambda row: read.append(row["id"]) or real(row)
        )
        clock.advance(hours=1)
        desk.note(1, "one more")
        desk.tell(1, "and an update")
        assert len(read) == 2  # each write read its own event only
        monkeypatch.undo()
        events = desk.store.events(1)
        assert stored_steps(desk.store, 1) == list(case_steps(events, desk.policy))
    finally:
        desk.close()
