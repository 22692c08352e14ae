"""The "tell the customer" rules, as pure functions: no store, no terminal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casedesk.core.model import (
    CaseState,
    Channel,
    DueReason,
    Event,
    EventKind,
    Priority,
    Status,
    Urgency,
)
from casedesk.core.policy import DEFAULT_POLICY
from casedesk.core.projection import apply
from casedesk.core.rules import due_candidates, explain, humanize, is_overdue, next_update_due

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def created(
    priority: Priority = Priority.NORMAL, urgency: Urgency = Urgency.NORMAL, at: datetime = T0
) -> CaseState:
    return apply(
        None,
        Event(
            1,
            at,
            "ann",
            EventKind.CREATED,
            Channel.EMAIL,
            "it broke",
            {
                "title": "Broken",
                "customer_id": 1,
                "priority": priority.value,
                "urgency": urgency.value,
            },
        ),
    )


def then(
    state: CaseState,
    kind: EventKind,
    at: datetime,
    text: str = "x",
    channel: Channel | None = None,
    **data: object,
) -> CaseState:
    return apply(state, Event(1, at, "ann", kind, channel, text, dict(data)))


def due(state: CaseState):
    return next_update_due(state, DEFAULT_POLICY)


@pytest.mark.parametrize(
    ("priority", "hours"), [("urgent", 1), ("high", 4), ("normal", 8), ("low", 24)]
)
def test_first_response_is_due_after_the_priority_target(priority, hours):
    result = due(created(Priority(priority)))
    assert result.reason is DueReason.FIRST_RESPONSE
    assert result.at == T0 + hours * H
    assert result.since == T0


def test_high_priority_is_overdue_at_4h01_not_3h59():
    result = due(created(Priority.HIGH))
    assert not is_overdue(result, T0 + timedelta(hours=3, minutes=59))
    assert is_overdue(result, T0 + timedelta(hours=4, minutes=1))


@pytest.mark.parametrize(
    ("priority", "hours"), [("urgent", 4), ("high", 24), ("normal", 72), ("low", 168)]
)
def test_telling_the_customer_starts_the_periodic_update(priority, hours):
    state = then(created(Priority(priority)), EventKind.TOLD, T0 + H, channel=Channel.PHONE)
    result = due(state)
    assert result.reason is DueReason.PERIODIC
    assert result.at == T0 + H + hours * H


@pytest.mark.parametrize("urgency", ["high", "critical"])
def test_customer_urgency_halves_the_periodic_interval(urgency):
    state = then(created(Priority.NORMAL, Urgency(urgency)), EventKind.TOLD, T0)
    assert due(state).at == T0 + 36 * H


def test_low_customer_urgency_keeps_the_periodic_interval():
    state = then(created(Priority.NORMAL, Urgency.LOW), EventKind.TOLD, T0)
    assert due(state).at == T0 + 72 * H


def test_a_customer_message_after_the_last_update_makes_a_reply_due():
    state = then(created(Priority.HIGH), EventKind.TOLD, T0 + H)
    state = then(state, EventKind.INBOUND, T0 + 2 * H, channel=Channel.EMAIL)
    result = due(state)
    assert result.reason is DueReason.NEXT_REPLY
    assert result.at == T0 + 6 * H
    assert "customer wrote" in explain(result, T0 + 7 * H)


def test_a_promise_earlier_than_the_cadence_wins():
    state = then(created(), EventKind.TOLD, T0, promise=(T0 + 5 * H).isoformat())
    result = due(state)
    assert result.reason is DueReason.PROMISE
    assert result.at == T0 + 5 * H


def test_a_promise_later_than_the_cadence_does_not_postpone_it():
    state = then(created(Priority.URGENT), EventKind.TOLD, T0, promise=(T0 + 30 * H).isoformat())
    assert due(state).reason is DueReason.PERIODIC
    assert due(state).at == T0 + 4 * H


def test_resolving_makes_the_resolution_notice_due_in_2h():
    state = then(then(created(), EventKind.TOLD, T0), EventKind.RESOLVED, T0 + 10 * H)
    result = due(state)
    assert result.reason is DueReason.RESOLUTION
    assert result.at == T0 + 12 * H
    assert explain(result, T0 + 13 * H) == "resolved — customer not told"


def test_telling_after_resolution_ends_the_obligation():
    state = then(created(), EventKind.RESOLVED, T0 + H)
    state = then(state, EventKind.TOLD, T0 + 2 * H)
    assert state.resolution_told
    assert due(state) is None


def test_a_closed_case_owes_nothing():
    state = then(
        then(created(), EventKind.RESOLVED, T0), EventKind.CLOSED, T0 + H, override_reason="spam"
    )
    assert due(state) is None


def test_waiting_on_the_customer_replaces_the_periodic_update_with_a_chase():
    state = then(created(), EventKind.TOLD, T0)
    state = then(state, EventKind.STATUS, T0 + H, to="waiting-customer")
    result = due(state)
    assert result.reason is DueReason.CHASE
    assert result.at == T0 + H + 72 * H


def test_waiting_on_a_third_party_still_owes_the_customer_updates():
    state = then(created(), EventKind.TOLD, T0)
    state = then(state, EventKind.STATUS, T0 + H, to="waiting-third-party")
    assert due(state).reason is DueReason.PERIODIC


def test_snooze_postpones_the_due_time_and_says_why():
    state = then(
        created(), EventKind.SNOOZED, T0 + H, "customer on holiday", until=(T0 + 48 * H).isoformat()
    )
    result = due(state)
    assert result.reason is DueReason.SNOOZE
    assert result.at == T0 + 48 * H
    assert "customer on holiday" in result.detail


def test_a_snooze_shorter_than_the_due_time_changes_nothing():
    state = then(created(Priority.LOW), EventKind.SNOOZED, T0, "x", until=(T0 + H).isoformat())
    assert due(state).reason is DueReason.FIRST_RESPONSE


def test_telling_the_customer_clears_a_snooze():
    state = then(created(), EventKind.SNOOZED, T0, "x", until=(T0 + 100 * H).isoformat())
    state = then(state, EventKind.TOLD, T0 + H)
    assert due(state).reason is DueReason.PERIODIC


def test_humanize_rounds_down_to_two_units():
    assert humanize(timedelta(seconds=42)) == "42s"
    assert humanize(timedelta(minutes=59, seconds=59)) == "59m"
    assert humanize(timedelta(hours=3, minutes=20)) == "3h 20m"
    assert humanize(timedelta(days=2, hours=3, minutes=59)) == "2d 3h"
    assert humanize(timedelta(days=23)) == "3w 2d"


# -- properties: random histories ------------------------------------------------------------

ACTIONS = st.sampled_from(
    [
        "told",
        "told_promise",
        "inbound",
        "note",
        "waiting",
        "third_party",
        "open",
        "resolve",
        "reopen",
        "snooze",
        "close",
    ]
)


def _step(state: CaseState, action: str, at: datetime, offset: int) -> CaseState:
    """Apply `action` if the lifecycle allows it (the desk would refuse otherwise)."""
    active = state.status.is_active
    if action == "told":
        return then(state, EventKind.TOLD, at)
    if action == "told_promise":
        return then(state, EventKind.TOLD, at, promise=(at + timedelta(minutes=offset)).isoformat())
    if action == "inbound":
        return then(state, EventKind.INBOUND, at, channel=Channel.EMAIL)
    if action == "note":
        return then(state, EventKind.NOTE, at)
    if action in ("waiting", "third_party", "open") and active:
        to = {"waiting": "waiting-customer", "third_party": "waiting-third-party", "open": "open"}[
            action
        ]
        return then(state, EventKind.STATUS, at, to=to)
    if action == "resolve" and active:
        return then(state, EventKind.RESOLVED, at)
    if action == "reopen" and not active:
        return then(state, EventKind.REOPENED, at)
    if action == "snooze" and state.status is not Status.CLOSED:
        return then(
            state, EventKind.SNOOZED, at, until=(at + timedelta(minutes=offset)).isoformat()
        )
    if action == "close" and state.status is Status.RESOLVED:
        return then(state, EventKind.CLOSED, at)
    return state


histories = st.tuples(
    st.sampled_from(list(Priority)),
    st.sampled_from(list(Urgency)),
    st.lists(
        st.tuples(ACTIONS, st.integers(1, 60 * 24 * 10), st.integers(1, 60 * 24 * 10)), max_size=25
    ),
)


def _build(history) -> CaseState:
    priority, urgency, steps = history
    state, at = created(priority, urgency), T0
    for action, gap, offset in steps:
        at += timedelta(minutes=gap)
        state = _step(state, action, at, offset)
    return state


@settings(max_examples=300, deadline=None)
@given(histories, st.integers(0, 60 * 24 * 30))
def test_telling_the_customer_never_makes_a_case_more_overdue(history, later):
    state = _build(history)
    now = state.updated_at + timedelta(minutes=later)
    before = due(state)
    after = due(then(state, EventKind.TOLD, now))
    overdue_before = max(now - before.at, timedelta(0)) if before else timedelta(0)
    overdue_after = max(now - after.at, timedelta(0)) if after else timedelta(0)
    assert overdue_after <= overdue_before
    assert not is_overdue(after, now) or after.at == now


@settings(max_examples=300, deadline=None)
@given(histories)
def test_a_due_time_is_never_before_the_event_that_started_it(history):
    state = _build(history)
    result = due(state)
    if result is not None:
        assert result.since <= result.at
        assert result.since >= state.created_at
        assert result.since <= state.updated_at


@settings(max_examples=300, deadline=None)
@given(histories)
def test_the_earliest_applicable_rule_wins(history):
    state = _build(history)
    candidates = due_candidates(replace(state, snooze_until=None), DEFAULT_POLICY)
    result = next_update_due(replace(state, snooze_until=None), DEFAULT_POLICY)
    if not candidates:
        assert result is None
    else:
        assert result.at == min(c.at for c in candidates)
        assert result in candidates


def test_every_due_reason_has_words_before_and_after_it_is_due():
    from casedesk.core.model import DueReason
    from casedesk.core.wording import describe_reason, explain_parts

    for reason in DueReason:
        assert describe_reason(reason)
        assert explain_parts(reason, T0, T0 - H, "d", T0 - H)  # not yet due
        assert explain_parts(reason, T0, T0 - H, "d", T0 + H)  # overdue


def test_safetext_makes_every_control_character_visible():
    from casedesk.core.safetext import one_line, printable

    assert printable("a\x1b[31mb\x07c\x9bd\te\nf") == "a\\x1b[31mb\\x07c\\x9bd\te\nf"
    assert printable("line\r\nnext\rover") == "line\nnext\\x0dover"
    assert one_line("a\n b\t c", 4) == "a b…"


def test_the_projections_replace_is_dataclasses_replace():
    """`projection.replace` skips dataclasses' checks for speed: it must still copy every
    field and change exactly the ones named."""
    import dataclasses

    from casedesk.core import projection

    state = then(created(), EventKind.TOLD, T0 + H)
    for field in dataclasses.fields(CaseState):
        value = f"changed {field.name}"
        assert projection.replace(state, **{field.name: value}) == dataclasses.replace(
            state, **{field.name: value}
        )
    assert projection.replace(state) == state
    assert projection.replace(state) is not state
