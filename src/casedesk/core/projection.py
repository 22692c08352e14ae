"""Fold a case's events into its current state. The event log is the truth; this is its reading."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any

from casedesk.core.model import CaseState, Channel, Event, EventKind, Priority, Status, Urgency

_FIELDS = tuple(f.name for f in fields(CaseState))


def replace(state: CaseState, **changes: Any) -> CaseState:
    """`dataclasses.replace` for a CaseState without its checks on every field, ~2.5× faster:
    every event of every replay (and of the report steps) goes through it."""
    new = object.__new__(CaseState)
    for name in _FIELDS:
        object.__setattr__(new, name, changes[name] if name in changes else getattr(state, name))
    return new


def _opt_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def apply(state: CaseState | None, event: Event) -> CaseState:
    """The case as it is after `event`. `state` is None only for the creating event."""
    if event.kind is EventKind.CREATED:
        if state is not None:
            raise ValueError(f"case #{event.case_id} is created twice")
        d = event.data
        owner = d.get("owner")
        return CaseState(
            id=event.case_id,
            title=d["title"],
            body=event.text,
            customer_id=d["customer_id"],
            status=Status.OPEN if owner else Status.NEW,
            priority=Priority(d.get("priority", Priority.NORMAL)),
            urgency=Urgency(d.get("urgency", Urgency.NORMAL)),
            channel=Channel(event.channel or Channel.EMAIL),
            created_at=event.at,
            updated_at=event.at,
            owner=owner,
            version=1,
            inbound_at=event.at,
            inbound_channel=Channel(event.channel or Channel.EMAIL),
            inbound_text=event.text or d["title"],
        )
    if state is None:
        raise ValueError(f"event {event.kind} for case #{event.case_id} before it was created")

    state = replace(state, updated_at=max(state.updated_at, event.at), version=state.version + 1)
    kind, d = event.kind, event.data
    if kind is EventKind.INBOUND:
        return replace(
            state,
            inbound_at=event.at,
            inbound_channel=event.channel,
            inbound_text=event.text,
            snooze_until=None,
            snooze_reason=None,
        )
    if kind is EventKind.TOLD:
        resolution_told = state.resolution_told_at
        if state.status is Status.RESOLVED and resolution_told is None:
            resolution_told = event.at
        check_in_ended = state.check_in_ended_at
        if state.resolution_told_at is not None and not state.status.is_active:
            check_in_ended = check_in_ended or event.at  # the check-in was this update
        return replace(
            state,
            status=Status.OPEN if state.status is Status.NEW else state.status,
            told_at=event.at,
            told_channel=event.channel,
            told_by=event.actor,
            told_text=event.text,
            promise_at=_opt_time(d.get("promise")),
            resolution_told_at=resolution_told,
            snooze_until=None,
            snooze_reason=None,
            check_in_ended_at=check_in_ended,
            responded_at=state.responded_at or event.at,
        )
    if kind is EventKind.ACKNOWLEDGED:
        # What the customer last heard, but nobody has answered them yet: no first response.
        return replace(
            state,
            told_at=event.at,
            told_channel=event.channel,
            told_by=event.actor,
            told_text=event.text,
        )
    if kind is EventKind.ASSIGNED:
        owner = d.get("owner")
        status = Status.OPEN if state.status is Status.NEW and owner else state.status
        return replace(state, owner=owner, status=status)
    if kind is EventKind.STATUS:
        to = Status(d["to"])
        waiting = event.at if to is Status.WAITING_CUSTOMER else None
        return replace(state, status=to, waiting_since=waiting)
    if kind is EventKind.RESOLVED:
        return replace(
            state,
            status=Status.RESOLVED,
            resolved_at=event.at,
            resolution_summary=event.text,
            resolution_told_at=None,
            promise_at=None,
            waiting_since=None,
            snooze_until=None,
            snooze_reason=None,
            check_in_ended_at=None,
        )
    if kind is EventKind.CLOSED:
        return replace(
            state,
            status=Status.CLOSED,
            close_override=d.get("override_reason"),
            promise_at=None,
            snooze_until=None,
            snooze_reason=None,
        )
    if kind is EventKind.REOPENED:
        return replace(
            state,
            status=Status.OPEN,
            resolved_at=None,
            resolution_summary=None,
            resolution_told_at=None,
            close_override=None,
            waiting_since=None,
            check_in_ended_at=None,
        )
    if kind is EventKind.SNOOZED:
        return replace(state, snooze_until=_opt_time(d["until"]), snooze_reason=event.text)
    if kind is EventKind.SUBTASK_ADDED:
        return replace(state, subtasks_total=state.subtasks_total + 1)
    if kind is EventKind.SUBTASK_DONE:
        return replace(state, subtasks_done=state.subtasks_done + 1)
    if kind is EventKind.LINKED:
        return replace(state, problem_id=int(d["problem"]))
    if kind is EventKind.UNLINKED:
        return replace(state, problem_id=None)
    if kind is EventKind.CUSTOMER_MOVED:
        return replace(state, customer_id=int(d["customer_id"]))
    if kind is EventKind.CHECK_IN_DISMISSED:
        return replace(state, check_in_ended_at=state.check_in_ended_at or event.at)
    if kind is EventKind.MERGED_INTO:
        return replace(
            state,
            status=Status.CLOSED,
            merged_into=int(d["into"]),
            promise_at=None,
            waiting_since=None,
            snooze_until=None,
            snooze_reason=None,
            check_in_ended_at=state.check_in_ended_at or event.at,  # its customer is told here
        )
    if kind is EventKind.MERGED_FROM:
        return _take_over(state, d)
    return state  # notes change nothing but the version


def _take_over(state: CaseState, d: dict) -> CaseState:
    """What the case that stays takes from the merged one: its later word from the customer,
    its later update to them and its first response, so the due time follows the whole
    conversation."""
    changes: dict[str, object] = {}
    for what, details in (("inbound", ("channel", "text")), ("told", ("channel", "by", "text"))):
        at, mine = _opt_time(d.get(f"{what}_at")), getattr(state, f"{what}_at")
        if at is not None and (mine is None or at > mine):
            changes[f"{what}_at"] = at
            for name in details:
                value = d.get(f"{what}_{name}")
                changes[f"{what}_{name}"] = Channel(value) if name == "channel" and value else value
    responded = _opt_time(d.get("responded_at"))  # a person answered on either: the earlier
    if responded is not None and (state.responded_at is None or responded < state.responded_at):
        changes["responded_at"] = responded
    return replace(state, **changes)


def replay(events: Iterable[Event]) -> CaseState:
    """The state of a case from its whole history, oldest event first."""
    state: CaseState | None = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise ValueError("a case needs at least its creating event")
    return state
