"""Domain values as JSON-ready dicts: the `--json` contract of the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from casedesk.core.clock import to_local_text
from casedesk.core.model import Customer, Due, Event, Priority
from casedesk.core.rules import describe_reason, due_words, explain, is_overdue, working_left
from casedesk.store import CaseRow

if TYPE_CHECKING:
    from casedesk.core.policy import Policy


def _time(value: datetime | None) -> str | None:
    return to_local_text(value) if value else None


def customer_json(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "name": customer.name, "email": customer.email}


def due_json(
    due: Due | None, now: datetime, priority: Priority, policy: Policy | None = None
) -> dict[str, Any] | None:
    """The due time, and how far off it is both in real time and (with `[hours]`, for targets
    that count it) in working time; negative "left" means overdue by that much."""
    if due is None:
        return None
    working = working_left(due, priority, policy, now)
    left = int((due.at - now).total_seconds())
    return {
        "at": _time(due.at),
        "reason": due.reason.value,
        "reason_text": describe_reason(due.reason),
        "explanation": explain(due, now),
        "since": _time(due.since),
        "counts": "calendar time" if working is None else "working time",
        "in_words": due_words(due.at, due.since, now, working),
        "seconds_left": left,
        "overdue_seconds": max(0, -left),
        "waited_seconds": int((now - due.since).total_seconds()),
        "working_seconds_left": None if working is None else int(working.total_seconds()),
        "working_overdue_seconds": None
        if working is None
        else max(0, -int(working.total_seconds())),
    }


def event_json(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "case_id": event.case_id,  # another case's, in the timeline of a case it merged into
        "at": _time(event.at),
        "actor": event.actor,
        "os_user": event.os_user,
        "kind": event.kind.value,
        "direction": event.kind.direction,
        "channel": event.channel.value if event.channel else None,
        "text": event.text,
        "data": event.data,
    }


def case_json(
    row: CaseRow,
    now: datetime,
    events: list[Event] | None = None,
    policy: Policy | None = None,
) -> dict[str, Any]:
    case = row.case
    result: dict[str, Any] = {
        "id": case.id,
        "title": case.title,
        "body": case.body,
        "status": case.status.value,
        "priority": case.priority.value,
        "urgency": case.urgency.value,
        "channel": case.channel.value,
        "owner": case.owner,
        "customer": customer_json(row.customer),
        "created_at": _time(case.created_at),
        "updated_at": _time(case.updated_at),
        "version": case.version,
        "merged_into": case.merged_into,
        "last_told": None
        if case.told_at is None
        else {
            "at": _time(case.told_at),
            "channel": case.told_channel.value if case.told_channel else None,
            "by": case.told_by,
            "text": case.told_text,
        },
        "last_heard_from_customer": None
        if case.inbound_at is None
        else {
            "at": _time(case.inbound_at),
            "channel": case.inbound_channel.value if case.inbound_channel else None,
            "text": case.inbound_text,
        },
        "promised_by": _time(case.promise_at),
        "resolved_at": _time(case.resolved_at),
        "resolution_summary": case.resolution_summary,
        "resolution_told": case.resolution_told,
        "snoozed_until": _time(case.snooze_until),
        "next_due": due_json(row.due, now, case.priority, policy),
        "overdue": is_overdue(row.due, now),
    }
    result["problem"] = (
        None
        if row.problem is None
        else {"id": row.problem.id, "title": row.problem.title, "affected": row.problem.affected}
    )
    result["subtasks"] = {"done": case.subtasks_done, "total": case.subtasks_total}
    result["check_in_ended_at"] = _time(case.check_in_ended_at)
    if events is not None:
        result["events"] = [event_json(e) for e in events]
    return result
