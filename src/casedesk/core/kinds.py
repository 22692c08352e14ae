"""The kinds of things a case is made of: statuses, priorities, channels, event kinds, due
reasons. Standard library only, without the model's classes: the read verbs' JSON path uses these
at the start-up floor (`core/model.py` re-exports them)."""

from __future__ import annotations

from enum import StrEnum

from casedesk.core.wording import direction


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
        return direction(self.value)


class DueReason(StrEnum):
    FIRST_RESPONSE = "first-response"
    NEXT_REPLY = "next-reply"
    PERIODIC = "periodic-update"
    PROMISE = "promise"
    RESOLUTION = "resolution-notice"
    CHASE = "chase"
    SNOOZE = "snooze"
    CHECK_IN = "check-in"  # resolution told: ask whether it is still working
