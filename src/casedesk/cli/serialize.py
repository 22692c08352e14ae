"""Domain values as JSON-ready dicts: the `--json` contract of the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from casedesk.core.clock import to_local_text
from casedesk.core.model import Customer, Due, Event
from casedesk.core.rules import describe_reason, explain, is_overdue
from casedesk.store import CaseRow


def _time(value: datetime | None) -> str | None:
    return to_local_text(value) if value else None


def customer_json(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "name": customer.name, "email": customer.email}


def due_json(due: Due | None, now: datetime) -> dict[str, Any] | None:
    if due is None:
        return None
    return {
        "at": _time(due.at),
        "reason": due.reason.value,
        "reason_text": describe_reason(due.reason),
        "explanation": explain(due, now),
        "since": _time(due.since),
    }


def event_json(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": _time(event.at),
        "actor": event.actor,
        "kind": event.kind.value,
        "direction": event.kind.direction,
        "channel": event.channel.value if event.channel else None,
        "text": event.text,
        "data": event.data,
    }


def case_json(row: CaseRow, now: datetime, events: list[Event] | None = None) -> dict[str, Any]:
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
        "next_due": due_json(row.due, now),
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
