"""Which actions a case's status allows, and why not when it does not. Pure."""

from __future__ import annotations

from datetime import datetime

from casedesk.core.errors import Refused
from casedesk.core.model import CaseState, Status

# Statuses an agent may set directly; resolved and closed have their own actions.
SETTABLE = (Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY)


def check_set_status(case: CaseState, to: Status) -> None:
    if to not in SETTABLE:
        verb = "resolve" if to is Status.RESOLVED else "close" if to is Status.CLOSED else "assign"
        raise Refused(f"status {to} is set by `casedesk {verb}`, not `status`")
    if not case.status.is_active:
        raise Refused(f"case #{case.id} is {case.status}; reopen it first")
    if case.status is to:
        raise Refused(f"case #{case.id} is already {to}")


def check_resolve(case: CaseState) -> None:
    if not case.status.is_active:
        raise Refused(f"case #{case.id} is already {case.status}")


def check_close(case: CaseState, override_reason: str | None) -> None:
    if case.status is Status.CLOSED:
        raise Refused(f"case #{case.id} is already closed")
    if override_reason and override_reason.strip():
        return
    if case.status is not Status.RESOLVED:
        raise Refused(
            f"case #{case.id} is {case.status}, not resolved: resolve it and tell the customer "
            "first, or close with --override-reason"
        )
    if not case.resolution_told:
        raise Refused(
            f"case #{case.id} cannot be closed: the customer has not been told it is resolved. "
            "Tell them first, or close with --override-reason"
        )


def check_reopen(case: CaseState) -> None:
    if case.status.is_active:
        raise Refused(f"case #{case.id} is {case.status}, not resolved or closed")


def check_merge(keep: CaseState, duplicate: CaseState) -> None:
    if keep.id == duplicate.id:
        raise Refused(f"case #{keep.id} cannot be merged into itself")
    for case in (keep, duplicate):
        if case.merged_into is not None:
            raise Refused(f"case #{case.id} was already merged into #{case.merged_into}")


def check_snooze(case: CaseState, until: datetime, now: datetime) -> None:
    if case.status is Status.CLOSED:
        raise Refused(f"case #{case.id} is closed; there is nothing to snooze")
    if until <= now:
        raise Refused("a snooze must end in the future")


def check_assign(case: CaseState, owner: str | None) -> None:
    if case.status is Status.CLOSED:
        raise Refused(f"case #{case.id} is closed; reopen it first")
    if case.owner == owner:
        who = f"owned by {owner}" if owner else "unassigned"
        raise Refused(f"case #{case.id} is already {who}")


def check_promise(promise: datetime, now: datetime) -> None:
    if promise <= now:
        raise Refused("a promised update must be in the future")
