"""The "tell the customer" rules: when the next update is due and why.

Pure functions of a case's projected state and the policy. The due time does not depend on the
clock (only on what happened), so it can be stored with the case and recomputed at any time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from casedesk.model import CaseState, Due, DueReason, Status

if TYPE_CHECKING:  # the nag imports this module and must not pay for loading TOML
    from casedesk.policy import Policy


def due_candidates(case: CaseState, policy: Policy) -> list[Due]:
    """Every rule that applies to the case, before snooze; the earliest of them wins."""
    if case.status is Status.CLOSED:
        return []
    if case.status is Status.RESOLVED:
        candidates: list[Due] = []
        if case.resolved_at is not None and not case.resolution_told:
            candidates.append(
                Due(
                    case.resolved_at + policy.resolution_notice,
                    DueReason.RESOLUTION,
                    case.resolved_at,
                )
            )
        candidates.extend(_reply_due(case, policy))
        return candidates

    candidates = []
    if case.told_at is None:
        candidates.append(
            Due(
                case.created_at + policy.first_response[case.priority],
                DueReason.FIRST_RESPONSE,
                case.created_at,
            )
        )
    candidates.extend(_reply_due(case, policy))
    if case.status is Status.WAITING_CUSTOMER:
        since = max(t for t in (case.waiting_since, case.told_at, case.created_at) if t is not None)
        candidates.append(Due(since + policy.chase, DueReason.CHASE, since))
    elif case.told_at is not None:
        candidates.append(
            Due(
                case.told_at + policy.periodic_for(case.priority, case.urgency),
                DueReason.PERIODIC,
                case.told_at,
            )
        )
    if case.promise_at is not None and case.told_at is not None:
        candidates.append(Due(max(case.promise_at, case.told_at), DueReason.PROMISE, case.told_at))
    return candidates


def _reply_due(case: CaseState, policy: Policy) -> list[Due]:
    """The customer wrote after we last told them: they are owed a reply."""
    if case.inbound_at is None or case.told_at is None or case.inbound_at <= case.told_at:
        return []
    return [
        Due(
            case.inbound_at + policy.next_reply[case.priority],
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


def describe_reason(reason: DueReason) -> str:
    return {
        DueReason.FIRST_RESPONSE: "first response",
        DueReason.NEXT_REPLY: "customer waiting for a reply",
        DueReason.PERIODIC: "periodic update",
        DueReason.PROMISE: "promised update",
        DueReason.RESOLUTION: "resolved — customer not told",
        DueReason.CHASE: "chase the customer",
        DueReason.SNOOZE: "snoozed",
    }[reason]


def explain(due: Due, now: datetime) -> str:
    """The reason in words, as the nag and the case screen say it."""
    return explain_parts(due.reason, due.at, due.since, due.detail, now)


def explain_parts(
    reason: DueReason, at: datetime, since: datetime, detail: str, now: datetime
) -> str:
    """The reason in words from its stored parts (used by `nag`, which has no CaseState).

    Before the due time it names the rule ("periodic update"); once overdue it says what the
    customer has been left with ("no update for 3d 4h").
    """
    if at > now:
        if reason is DueReason.PROMISE:
            return f"promised by {format_when(at, now)}"
        if reason is DueReason.SNOOZE:
            return f"snoozed: {detail}" if detail else "snoozed"
        return describe_reason(reason)
    if reason is DueReason.FIRST_RESPONSE:
        return f"no first response for {humanize(now - since)}"
    if reason is DueReason.NEXT_REPLY:
        return f"customer wrote {humanize(now - since)} ago, no reply"
    if reason is DueReason.PERIODIC:
        return f"no update for {humanize(now - since)}"
    if reason is DueReason.PROMISE:
        return f"promised by {format_when(at, now)}"
    if reason is DueReason.RESOLUTION:
        return "resolved — customer not told"
    if reason is DueReason.CHASE:
        return f"waiting on customer for {humanize(now - since)} — chase"
    return f"snooze ended ({detail})" if at <= now else f"snoozed until {format_when(at, now)}"


def humanize(delta: timedelta) -> str:
    """A short, rounded-down duration: 45s, 12m, 3h 20m, 2d 3h, 3w 2d."""
    seconds = int(abs(delta).total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes}m"
    if days < 1:
        rest = minutes % 60
        return f"{hours}h {rest}m" if rest else f"{hours}h"
    if days < 14:
        rest = hours % 24
        return f"{days}d {rest}h" if rest else f"{days}d"
    weeks, rest = divmod(days, 7)
    return f"{weeks}w {rest}d" if rest else f"{weeks}w"


def relative(at: datetime, now: datetime) -> str:
    """'in 2h', '3h overdue', 'now'."""
    delta = at - now
    if abs(delta) < timedelta(minutes=1):
        return "now"
    return f"in {humanize(delta)}" if delta > timedelta(0) else f"{humanize(delta)} overdue"


def format_when(at: datetime, now: datetime) -> str:
    """A moment as a person says it: 'today 17:00', 'Tue 17:00', '2027-01-04 09:00'."""
    local, local_now = at.astimezone(), now.astimezone()
    days = (local.date() - local_now.date()).days
    if days == 0:
        return f"today {local:%H:%M}"
    if days == 1:
        return f"tomorrow {local:%H:%M}"
    if days == -1:
        return f"yesterday {local:%H:%M}"
    if -6 <= days <= 6:
        return f"{local:%a %H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"
