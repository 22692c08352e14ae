"""Cases, customers and events as JSON-ready dicts: the `--json` contract of the CLI.

Built from stored rows (a case as `store.rows.CASE_SELECT` reads it, an event as stored), so
the read verbs' JSON path (`cli/json_reads.py`) serializes what it read without building the
domain model. `case_json` takes a `CaseRow`, for the verbs that have one. Standard library only
at import.
"""

from __future__ import annotations

from casedesk.core.clock import from_text, to_local_text
from casedesk.core.wording import describe_reason, direction, due_words, explain_parts

TYPE_CHECKING = False  # not `typing`'s: the JSON read path must not load it
if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime, timedelta
    from typing import Any

    from casedesk.core.model import Event
    from casedesk.core.policy import Policy
    from casedesk.store import CaseRow


def local_time(stored: str | None) -> str | None:
    """A stored time as the JSON shows it: ISO 8601 in the local zone, with its offset."""
    return to_local_text(from_text(stored)) if stored else None


def customer_json(id_: int, name: str, email: str | None) -> dict[str, Any]:
    return {"id": id_, "name": name, "email": email}


def due_json(row: Mapping[str, Any], now: datetime, working: timedelta | None) -> dict[str, Any]:
    """The case's due time, and how far off it is both in real time and (with `[hours]`, for
    targets that count it: `working`, the working time left) in working time; negative "left"
    means overdue by that much."""
    at, since = from_text(row["due_at"]), from_text(row["due_since"])
    reason = row["due_reason"]
    left = int((at - now).total_seconds())
    return {
        "at": local_time(row["due_at"]),
        "reason": reason,
        "reason_text": describe_reason(reason),
        "explanation": explain_parts(reason, at, since, row["due_detail"] or "", now),
        "since": local_time(row["due_since"]),
        "counts": "calendar time" if working is None else "working time",
        "in_words": due_words(at, since, now, working),
        "seconds_left": left,
        "overdue_seconds": max(0, -left),
        "waited_seconds": int((now - since).total_seconds()),
        "working_seconds_left": None if working is None else int(working.total_seconds()),
        "working_overdue_seconds": None
        if working is None
        else max(0, -int(working.total_seconds())),
    }


def event_json(stored: Mapping[str, Any], data: Any) -> dict[str, Any]:
    """An event as stored (times as stored text), with its data already read."""
    return {
        "id": stored["id"],
        "case_id": stored["case_id"],  # another case's, in the timeline of a case it merged into
        "at": local_time(stored["at"]),
        "actor": stored["actor"],
        "os_user": stored["os_user"],
        "kind": stored["kind"],
        "direction": direction(stored["kind"]),
        "channel": stored["channel"] or None,
        "text": stored["text"],
        "data": data,
    }


def stored_case_json(
    row: Mapping[str, Any], now: datetime, working: timedelta | None = None
) -> dict[str, Any]:
    """A case as `CASE_SELECT` reads it; `working`: the working time left until its due time
    when that counts working time (see `due_json`)."""
    return {
        "id": row["id"],
        "title": row["title"],
        "body": row["body"],
        "status": row["status"],
        "priority": row["priority"],
        "urgency": row["urgency"],
        "channel": row["channel"],
        "owner": row["owner"],
        "customer": customer_json(row["cu_id"], row["cu_name"], row["cu_email"]),
        "created_at": local_time(row["created_at"]),
        "updated_at": local_time(row["updated_at"]),
        "version": row["version"],
        "merged_into": row["merged_into"],
        "last_told": None
        if row["told_at"] is None
        else {
            "at": local_time(row["told_at"]),
            "channel": row["told_channel"],
            "by": row["told_by"],
            "text": row["told_text"],
        },
        "last_heard_from_customer": None
        if row["inbound_at"] is None
        else {
            "at": local_time(row["inbound_at"]),
            "channel": row["inbound_channel"],
            "text": row["inbound_text"],
        },
        "promised_by": local_time(row["promise_at"]),
        "resolved_at": local_time(row["resolved_at"]),
        "resolution_summary": row["resolution_summary"],
        "resolution_told": row["resolution_told_at"] is not None,
        "snoozed_until": local_time(row["snooze_until"]),
        "next_due": None if row["due_at"] is None else due_json(row, now, working),
        "overdue": row["due_at"] is not None and from_text(row["due_at"]) <= now,
        "problem": None
        if row["problem_id"] is None
        else {
            "id": row["problem_id"],
            "title": row["pr_title"] or "",
            "affected": row["pr_affected"],
        },
        "subtasks": {"done": row["subtasks_done"], "total": row["subtasks_total"]},
        "check_in_ended_at": local_time(row["check_in_ended_at"]),
    }


def case_json(
    row: CaseRow,
    now: datetime,
    events: list[Event] | None = None,
    policy: Policy | None = None,
) -> dict[str, Any]:
    """A case the model holds, serialized as its stored row is."""
    from casedesk.core.rules import working_left
    from casedesk.store.store import stored_event, stored_values

    working = working_left(row.due, row.case.priority, policy, now) if row.due else None
    result = stored_case_json(stored_values(row), now, working)
    if events is not None:
        result["events"] = [event_json(stored_event(e), e.data) for e in events]
    return result
