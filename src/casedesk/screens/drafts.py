"""Drafted customer updates: a starting text by the case's state, edited before it is sent."""

from __future__ import annotations

from datetime import datetime

from casedesk.model import Status
from casedesk.rules import format_when
from casedesk.safetext import one_line
from casedesk.store import CaseRow

KINDS = ("acknowledgement", "progress", "resolved")


def suggested_kind(row: CaseRow) -> str:
    """What the customer most needs to hear now."""
    if row.case.status is Status.RESOLVED or row.case.status is Status.CLOSED:
        return "resolved"
    if row.case.told_at is None:
        return "acknowledgement"
    return "progress"


def draft(row: CaseRow, kind: str, agent: str, now: datetime) -> str:
    case = row.case
    first = one_line(row.customer.name).split(" ")[0] or "there"
    title = one_line(case.title)
    if kind == "acknowledgement":
        body = (
            f"Thank you for getting in touch about “{title}” (case #{case.id}). "
            "I have taken this on and I am looking into it now.\n\n"
            f"I will update you by {format_when(now.replace(second=0), now)} at the latest."
        )
    elif kind == "resolved":
        summary = one_line(case.resolution_summary or "the problem has been fixed")
        body = (
            f"Good news about “{title}” (case #{case.id}): {summary}\n\n"
            "Please let me know if anything is still not right; otherwise I will close the case."
        )
    else:
        body = f"A quick update on “{title}” (case #{case.id}): \n\nI will keep you posted."
    return f"Hello {first},\n\n{body}\n\nBest regards,\n{agent}"
