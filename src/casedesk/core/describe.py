"""Short words for what an event did, for timelines and conflict messages."""

from __future__ import annotations

from casedesk.core.model import Event, EventKind
from casedesk.core.safetext import one_line


def describe_event(event: Event, width: int = 60) -> str:
    """'status → waiting-customer', 'told by email: "We ordered…"', 'assigned to bob'."""
    d, kind = event.data, event.kind
    if kind is EventKind.CREATED:
        return f"opened: {one_line(str(d.get('title', '')), width)}"
    if kind is EventKind.STATUS:
        return f"status {d.get('from', '?')} → {d.get('to', '?')}"
    if kind is EventKind.ASSIGNED:
        return f"assigned to {d['owner']}" if d.get("owner") else "unassigned"
    if kind is EventKind.TOLD:
        return f"told by {event.channel}: “{one_line(event.text, width)}”"
    if kind is EventKind.ACKNOWLEDGED:
        return f"acknowledged automatically by {event.channel}: “{one_line(event.text, width)}”"
    if kind is EventKind.INBOUND:
        return f"customer said ({event.channel}): “{one_line(event.text, width)}”"
    if kind is EventKind.NOTE:
        return f"note: {one_line(event.text, width)}"
    if kind is EventKind.RESOLVED:
        return f"resolved: {one_line(event.text, width)}"
    if kind is EventKind.CLOSED:
        reason = d.get("override_reason")
        return f"closed (override: {one_line(reason, width)})" if reason else "closed"
    if kind is EventKind.REOPENED:
        return "reopened" + (f": {one_line(event.text, width)}" if event.text else "")
    if kind is EventKind.SNOOZED:
        return f"snoozed until {d.get('until', '?')}: {one_line(event.text, width)}"
    if kind is EventKind.SUBTASK_ADDED:
        who = " · ".join(str(v) for v in (d.get("team"), d.get("assignee")) if v)
        return f"sub-task {d.get('number', '?')}: {one_line(event.text, width)}" + (
            f" ({one_line(who, 30)})" if who else ""
        )
    if kind is EventKind.SUBTASK_DONE:
        done = f"sub-task {d.get('number', '?')} done: {one_line(str(d.get('title', '')), width)}"
        return done + (f" — {one_line(event.text, width)}" if event.text else "")
    if kind is EventKind.LINKED:
        return f"linked to problem P{d.get('problem', '?')}: {one_line(event.text, width)}"
    if kind is EventKind.UNLINKED:
        return f"unlinked from problem P{d.get('previous', '?')}"
    if kind is EventKind.CUSTOMER_MOVED:
        return f"customer #{d.get('previous', '?')} merged into #{d.get('customer_id', '?')}"
    if kind is EventKind.MERGED_INTO:
        return f"merged into #{d.get('into', '?')}" + (
            f": {one_line(event.text, width)}" if event.text else ""
        )
    if kind is EventKind.MERGED_FROM:
        return f"merged from #{d.get('from', '?')}: its mail and history show here" + (
            f" ({one_line(event.text, width)})" if event.text else ""
        )
    if kind is EventKind.CHECK_IN_DISMISSED:
        return "check-in dismissed" + (f": {one_line(event.text, width)}" if event.text else "")
    return kind.value


def signed(event: Event) -> str:
    """Who wrote an event: 'ann', or 'ann (login bob)' when the OS account that wrote it is not
    the agent it claims to be (see the trust model in docs/shared-store.md)."""
    actor = one_line(event.actor)
    if event.os_user and event.os_user != event.actor:
        return f"{actor} (login {one_line(event.os_user)})"
    return actor
