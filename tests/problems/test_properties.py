"""Hypothesis: any sequence of actions replays to the stored case; the check-in rule is pure."""

from __future__ import annotations

import tempfile
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casedesk.core.errors import CasedeskError
from casedesk.core.model import Channel, DueReason, Status
from casedesk.core.policy import DEFAULT_POLICY
from casedesk.core.rules import due_candidates, next_update_due
from casedesk.core.subtasks import subtasks_of
from casedesk.desk.desk import Desk
from casedesk.desk.problems import similarity_query

pytestmark = pytest.mark.both_engines

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POLICY = replace(DEFAULT_POLICY, check_in=timedelta(days=3))

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "tell",
                "heard",
                "subtask",
                "done",
                "link",
                "unlink",
                "resolve",
                "close",
                "reopen",
                "dismiss",
                "problem-resolve",
                "merge",
                "status",
            ]
        ),
        st.integers(1, 3),  # which case
        st.integers(1, 4),  # a sub-task number / problem
        st.integers(0, 60 * 24 * 4),  # minutes that pass first
    ),
    max_size=25,
)


def _act(desk: Desk, action: str, case_id: int, n: int) -> None:
    if action == "tell":
        desk.tell(case_id, "update", Channel.PHONE)
    elif action == "heard":
        desk.heard(case_id, "news?", Channel.EMAIL)
    elif action == "subtask":
        desk.add_subtask(case_id, f"step {n}", team="parts" if n % 2 else None)
    elif action == "done":
        desk.finish_subtask(case_id, n, "done it")
    elif action == "link":
        desk.link_problem(case_id, 1 + n % 2)
    elif action == "unlink":
        desk.unlink_problem(case_id)
    elif action == "resolve":
        desk.resolve(case_id, "fixed")
    elif action == "close":
        desk.close_case(case_id, override_reason=None if n % 2 else "duplicate")
    elif action == "reopen":
        desk.reopen(case_id, "again")
    elif action == "dismiss":
        desk.dismiss_check_in(case_id)
    elif action == "problem-resolve":
        desk.resolve_problem(1 + n % 2, "fixed upstream")
    elif action == "merge":
        desk.merge_customers(str(1 + n % 3), str(1 + case_id % 3))
    elif action == "status":
        desk.set_status(case_id, Status.WAITING_THIRD_PARTY)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS)
def test_any_history_replays_to_the_stored_case_and_due_time(actions):
    with tempfile.TemporaryDirectory() as where:
        now = [T0]
        desk = Desk.open(Path(where) / "p.db", "ann", Path(where) / "none.toml")
        desk.policy = POLICY
        desk.now = lambda: now[0]
        try:
            for n in range(3):
                desk.new_case(f"C{n} <c{n}@example.com>", f"Printer offline {n}", owner="ann")
            desk.new_problem("Printer fault")
            desk.new_problem("Network fault")
            for action, case_id, n, minutes in actions:
                now[0] += timedelta(minutes=minutes)
                with suppress(CasedeskError):  # refused in this state: nothing changed
                    _act(desk, action, case_id, n)
            report = desk.check()
            assert report.clean, report.problems
            for case_id in (1, 2, 3):
                state = desk.store.case(case_id)
                assert desk.replayed(case_id) == state
                subtasks = subtasks_of(desk.events(case_id))
                assert len(subtasks) == state.subtasks_total
                assert sum(s.done for s in subtasks) == state.subtasks_done
                assert desk.case_row(case_id).due == next_update_due(state, POLICY)
        finally:
            desk.close()


@settings(max_examples=60, deadline=None)
@given(ACTIONS)
def test_the_check_in_is_only_due_after_a_told_resolution_and_never_twice(actions):
    with tempfile.TemporaryDirectory() as where:
        now = [T0]
        desk = Desk.open(Path(where) / "p.db", "ann", Path(where) / "none.toml")
        desk.policy = POLICY
        desk.now = lambda: now[0]
        try:
            desk.new_case("C <c@example.com>", "Printer offline", owner="ann")
            desk.new_problem("Printer fault")
            desk.new_problem("Network fault")
            for action, _, n, minutes in actions:
                now[0] += timedelta(minutes=minutes)
                with suppress(CasedeskError):
                    _act(desk, action, 1, n)
                state = desk.store.case(1)
                reasons = [d.reason for d in due_candidates(state, POLICY)]
                if DueReason.CHECK_IN in reasons:
                    assert state.resolution_told_at is not None
                    assert state.check_in_ended_at is None
                    assert not state.status.is_active
                if state.status is Status.CLOSED:
                    assert set(reasons) <= {DueReason.CHECK_IN}
        finally:
            desk.close()


@given(st.text(max_size=200))
def test_a_similarity_query_is_only_quoted_terms(text):
    query = similarity_query(text)
    if query is not None:
        stripped = query.replace(" AND ", " ").replace(" OR ", " ").replace("(", "")
        for term in stripped.replace(")", "").split():
            assert term.startswith('"') and term.endswith('"') and '"' not in term[1:-1]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=120))
def test_similar_never_fails_on_any_text(text):
    with tempfile.TemporaryDirectory() as where:
        desk = Desk.open(Path(where) / "p.db", "ann", Path(where) / "none.toml")
        try:
            desk.new_case("A", "printer offline", "printer offline")
            case = desk.new_case("B", text.strip() or "x", text)
            desk.similar(case.id)
        finally:
            desk.close()
