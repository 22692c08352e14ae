"""The "tell the customer" rules: when the next update is due and why.

Pure functions of a case's projected state and the policy. The due time does not depend on the
clock (only on what happened), so it can be stored with the case and recomputed at any time.
With `[hours]` in the policy, targets count working time (`Policy.after`); a promise and a
snooze end stay the wall-clock times they are.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from casedesk.core.model import CaseState, Due, DueReason, Priority, Status
from casedesk.core.wording import (
    describe_reason,
    due_cell_words,
    due_words,
    explain_parts,
    format_when,
    humanize,
    relative,
)

__all__ = [
    "describe_reason",
    "due_candidates",
    "due_cell_words",
    "due_words",
    "explain",
    "explain_parts",
    "format_when",
    "humanize",
    "is_overdue",
    "next_update_due",
    "relative",
    "working_left",
]

if TYPE_CHECKING:  # the nag imports this module and must not pay for loading TOML
    from casedesk.core.policy import Policy


def due_candidates(case: CaseState, policy: Policy) -> list[Due]:
    """Every rule that applies to the case, before snooze; the earliest of them wins."""
    if case.status is Status.CLOSED:
        return _check_in_due(case, policy)  # closing does not cancel the check-in
    if case.status is Status.RESOLVED:
        candidates: list[Due] = _check_in_due(case, policy)
        if case.resolved_at is not None and not case.resolution_told:
            candidates.append(
                Due(
                    policy.after(case.resolved_at, policy.resolution_notice, case.priority),
                    DueReason.RESOLUTION,
                    case.resolved_at,
                )
            )
        candidates.extend(_reply_due(case, policy))
        return candidates

    candidates = []
    if case.responded_at is None:
        candidates.append(
            Due(
                policy.after(case.created_at, policy.first_response[case.priority], case.priority),
                DueReason.FIRST_RESPONSE,
                case.created_at,
            )
        )
    candidates.extend(_reply_due(case, policy))
    if case.status is Status.WAITING_CUSTOMER:
        since = max(t for t in (case.waiting_since, case.told_at, case.created_at) if t is not None)
        candidates.append(
            Due(policy.after(since, policy.chase, case.priority), DueReason.CHASE, since)
        )
    elif case.responded_at is not None and case.told_at is not None:
        candidates.append(
            Due(
                policy.after(
                    case.told_at, policy.periodic_for(case.priority, case.urgency), case.priority
                ),
                DueReason.PERIODIC,
                case.told_at,
            )
        )
    if case.promise_at is not None and case.told_at is not None:
        candidates.append(Due(max(case.promise_at, case.told_at), DueReason.PROMISE, case.told_at))
    return candidates


def _check_in_due(case: CaseState, policy: Policy) -> list[Due]:
    """The resolution was told: some days later, ask whether it is still working."""
    interval = policy.check_in
    if interval is None or case.resolution_told_at is None or case.check_in_ended_at is not None:
        return []
    told = case.resolution_told_at
    return [Due(policy.after(told, interval, case.priority), DueReason.CHECK_IN, told)]


def _reply_due(case: CaseState, policy: Policy) -> list[Due]:
    """The customer wrote after we last told them: they are owed a reply."""
    if case.inbound_at is None or case.told_at is None or case.inbound_at <= case.told_at:
        return []
    return [
        Due(
            policy.after(case.inbound_at, policy.next_reply[case.priority], case.priority),
            DueReason.NEXT_REPLY,
            case.inbound_at,
        )
    ]


def next_update_due(case: CaseState, policy: Policy) -> Due | None:
    """When the customer must next hear from us: the earliest applicable rule, unless snoozed."""
    candidates = due_candidates(case, policy)
    if not candidates:
        return None
    due = min(candidates, key=lambda d: (d.at, list(DueReason).index(d.reason)))
    if case.snooze_until is not None and case.snooze_until > due.at:
        return Due(
            case.snooze_until,
            DueReason.SNOOZE,
            due.since,
            detail=f"{case.snooze_reason or 'snoozed'}; then {describe_reason(due.reason)}",
        )
    return due


def is_overdue(due: Due | None, now: datetime) -> bool:
    return due is not None and due.at <= now


def explain(due: Due, now: datetime) -> str:
    """The reason in words, as the nag and the case screen say it."""
    return explain_parts(due.reason, due.at, due.since, due.detail, now)


def working_left(
    due: Due, priority: Priority, policy: Policy | None, now: datetime
) -> timedelta | None:
    """The working time from now until the due time (negative once overdue), or None when this
    due time is calendar time (no `[hours]`, an around-the-clock priority, a promise, a snooze)."""
    if policy is None or policy.calendar is None:
        return None
    if not policy.counts_working_time(priority, due.reason):
        return None
    return policy.calendar.between(now, due.at)
