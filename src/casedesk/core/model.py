"""Domain values: what a case, an event and a due time are. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casedesk.core.kinds import (
    INTAKE_CHANNELS,
    TELL_CHANNELS,
    Channel,
    DueReason,
    EventKind,
    Priority,
    Status,
    Urgency,
)

__all__ = [
    "INTAKE_CHANNELS",
    "TELL_CHANNELS",
    "CaseState",
    "Channel",
    "Customer",
    "Due",
    "DueReason",
    "Event",
    "EventKind",
    "Presence",
    "Priority",
    "Status",
    "Urgency",
]


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class Event:
    """One immutable line of a case's history."""

    case_id: int
    at: datetime
    actor: str
    kind: EventKind
    channel: Channel | None = None
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    # The OS account that wrote it, recorded by the store: `actor` is only who the writer said
    # they were (--as, CASEDESK_AGENT). None on events from before it was recorded.
    os_user: str | None = None


@dataclass(frozen=True, slots=True)
class Due:
    """When the customer must next hear from us, and why."""

    at: datetime
    reason: DueReason
    since: datetime  # the moment the obligation started (never after `at`)
    detail: str = ""  # e.g. the snooze reason


@dataclass(frozen=True, slots=True)
class CaseState:
    """The projection of a case's events: everything the rules need to know.

    It is derived from the event log by `projection.apply`, never edited by hand.
    """

    id: int
    title: str
    body: str
    customer_id: int
    status: Status
    priority: Priority
    urgency: Urgency
    channel: Channel
    created_at: datetime
    updated_at: datetime
    owner: str | None = None
    version: int = 0
    told_at: datetime | None = None
    told_channel: Channel | None = None
    told_by: str | None = None
    told_text: str | None = None
    inbound_at: datetime | None = None
    inbound_channel: Channel | None = None
    inbound_text: str | None = None
    waiting_since: datetime | None = None
    promise_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution_summary: str | None = None
    resolution_told_at: datetime | None = None
    close_override: str | None = None
    snooze_until: datetime | None = None
    snooze_reason: str | None = None
    problem_id: int | None = None
    subtasks_total: int = 0
    subtasks_done: int = 0
    check_in_ended_at: datetime | None = None  # told again after the resolution, or dismissed
    responded_at: datetime | None = None  # a person first told the customer (not an auto-ack)
    merged_into: int | None = None  # closed as a part of that case's conversation

    @property
    def resolution_told(self) -> bool:
        return self.resolution_told_at is not None


@dataclass(frozen=True, slots=True)
class Presence:
    """Another agent at the same case or writing to the same customer, until `expires_at`."""

    agent: str
    case_id: int
    activity: str  # "viewing" or "composing"
    expires_at: datetime
    same_case: bool
