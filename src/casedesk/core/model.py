"""Domain values: what a case, an event and a due time are. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_CUSTOMER = "waiting-customer"
    WAITING_THIRD_PARTY = "waiting-third-party"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """Still being worked on: neither resolved nor closed."""
        return self not in (Status.RESOLVED, Status.CLOSED)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Urgency(StrEnum):
    """How urgent the customer says it is: kept beside our own priority."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    WALK_IN = "walk-in"
    IN_PERSON = "in-person"
    SOCIAL = "social"
    INTERNAL = "internal"
    SYSTEM = "system"


# Channels a customer reaches us on, and channels we tell the customer on.
INTAKE_CHANNELS = (Channel.EMAIL, Channel.PHONE, Channel.CHAT, Channel.WALK_IN, Channel.SOCIAL)
TELL_CHANNELS = (Channel.EMAIL, Channel.PHONE, Channel.CHAT, Channel.IN_PERSON)


class EventKind(StrEnum):
    CREATED = "created"
    NOTE = "note"
    INBOUND = "inbound"  # the customer said something
    TOLD = "told"  # the customer was told something
    ACKNOWLEDGED = "acknowledged"  # an automatic "we have your mail": heard, not yet answered
    ASSIGNED = "assigned"
    STATUS = "status"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    SNOOZED = "snoozed"
    SUBTASK_ADDED = "subtask-added"  # a piece of the work for a team or agent
    SUBTASK_DONE = "subtask-done"
    LINKED = "linked"  # linked to a problem (data: problem, previous)
    UNLINKED = "unlinked"
    CUSTOMER_MOVED = "customer-moved"  # duplicate customers merged (data: customer_id, previous)
    CHECK_IN_DISMISSED = "check-in-dismissed"  # no "is it still working?" needed
    # One conversation in two cases, joined: the later case is closed as merged into the other
    # (data: into); the case that stays records it (data: from, and what it takes over).
    MERGED_INTO = "merged-into"
    MERGED_FROM = "merged-from"

    @property
    def direction(self) -> str:
        """inbound, outbound, internal or system: how the timeline shows it."""
        if self in (EventKind.CREATED, EventKind.INBOUND):
            return "inbound"
        if self in (EventKind.TOLD, EventKind.ACKNOWLEDGED):
            return "outbound"
        if self is EventKind.NOTE:
            return "internal"
        return "system"


class DueReason(StrEnum):
    FIRST_RESPONSE = "first-response"
    NEXT_REPLY = "next-reply"
    PERIODIC = "periodic-update"
    PROMISE = "promise"
    RESOLUTION = "resolution-notice"
    CHASE = "chase"
    SNOOZE = "snooze"
    CHECK_IN = "check-in"  # resolution told: ask whether it is still working


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
