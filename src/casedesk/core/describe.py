"""Short words for what an event did, for timelines and conflict messages."""

from __future__ import annotations

from casedesk.core.kinds import EventKind
from casedesk.core.safetext import one_line

TYPE_CHECKING = False  # not `typing`'s: the read verbs' fast path loads this module
if TYPE_CHECKING:
    from typing import Any

    from casedesk.core.model import Event


def describe_event(event: Event, width: int = 60) -> str:
    """'status → waiting-customer', 'told by email: "We ordered…"', 'assigned to bob'."""
    return describe(event.kind, event.channel, event.text, event.data, width)


def describe(
    kind: str, channel: str | None, text: str, data: dict[str, Any], width: int = 60
) -> str:
    """An event's words from its values (its kind and channel as stored or as enums)."""
    d, kind = data, EventKind(kind)
    if kind is EventKind.CREATED:
        return f"opened: {one_line(str(d.get('title', '')), width)}"
    if kind is EventKind.STATUS:
        return f"status {d.get('from', '?')} → {d.get('to', '?')}"
    if kind is EventKind.ASSIGNED:
        return f"assigned to {d['owner']}" if d.get("owner") else "unassigned"
    if kind is EventKind.TOLD:
        return f"told by {channel}: “{one_line(text, width)}”"
    if kind is EventKind.ACKNOWLEDGED:
        return f"acknowledged automatically by {channel}: “{one_line(text, width)}”"
    if kind is EventKind.INBOUND:
        return f"customer said ({channel}): “{one_line(text, width)}”"
    if kind is EventKind.NOTE:
        return f"note: {one_line(text, width)}"
    if kind is EventKind.RESOLVED:
        return f"resolved: {one_line(text, width)}"
    if kind is EventKind.CLOSED:
        reason = d.get("override_reason")
        return f"closed (override: {one_line(reason, width)})" if reason else "closed"
    if kind is EventKind.REOPENED:
        return "reopened" + (f": {one_line(text, width)}" if text else "")
    if kind is EventKind.SNOOZED:
        return f"snoozed until {d.get('until', '?')}: {one_line(text, width)}"
    if kind is EventKind.SUBTASK_ADDED:
        who = " · ".join(str(v) for v in (d.get("team"), d.get("assignee")) if v)
        return f"sub-task {d.get('number', '?')}: {one_line(text, width)}" + (
            f" ({one_line(who, 30)})" if who else ""
        )
    if kind is EventKind.SUBTASK_DONE:
        done = f"sub-task {d.get('number', '?')} done: {one_line(str(d.get('title', '')), width)}"
        return done + (f" — {one_line(text, width)}" if text else "")
    if kind is EventKind.LINKED:
        return f"linked to problem P{d.get('problem', '?')}: {one_line(text, width)}"
    if kind is EventKind.UNLINKED:
        return f"unlinked from problem P{d.get('previous', '?')}"
    if kind is EventKind.CUSTOMER_MOVED:
        return f"customer #{d.get('previous', '?')} merged into #{d.get('customer_id', '?')}"
    if kind is EventKind.MERGED_INTO:
        return f"merged into #{d.get('into', '?')}" + (f": {one_line(text, width)}" if text else "")
    if kind is EventKind.MERGED_FROM:
        return f"merged from #{d.get('from', '?')}: its mail and history show here" + (
            f" ({one_line(text, width)})" if text else ""
        )
    if kind is EventKind.CHECK_IN_DISMISSED:
        return "check-in dismissed" + (f": {one_line(text, width)}" if text else "")
    return kind.value


def signed(event: Event) -> str:
    """Who wrote an event: 'ann', or 'ann (login bob)' when the OS account that wrote it is not
    the agent it claims to be (see the trust model in docs/shared-store.md)."""
    return signed_by(event.actor, event.os_user)


def signed_by(actor: str, os_user: str | None) -> str:
    """`signed` from an event's values."""
    shown = one_line(actor)
    if os_user and os_user != actor:
        return f"{shown} (login {one_line(os_user)})"
    return shown
