"""Due times and durations in words: "no update for 3d 4h", "promised by Tue 17:00", "in 2h".

Standard library only: `casedesk nag` uses this at every shell login. Reasons are the string
values of `model.DueReason`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

_REASON_WORDS = {
    "first-response": "first response",
    "next-reply": "customer waiting for a reply",
    "periodic-update": "periodic update",
    "promise": "promised update",
    "resolution-notice": "resolved — customer not told",
    "chase": "chase the customer",
    "snooze": "snoozed",
    "check-in": "check in: is it still working?",
}


def direction(kind: str) -> str:
    """inbound, outbound, internal or system: how the timeline shows an event of this kind (a
    `model.EventKind` value)."""
    if kind in ("created", "inbound"):
        return "inbound"
    if kind in ("told", "acknowledged"):
        return "outbound"
    if kind == "note":
        return "internal"
    return "system"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 new case", "2 new cases", "0 auto-replies" (`plural` when adding "s" is wrong)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def describe_reason(reason: str) -> str:
    """The rule's name: 'periodic update', 'resolved — customer not told'."""
    return _REASON_WORDS[reason]


def explain_parts(reason: str, at: datetime, since: datetime, detail: str, now: datetime) -> str:
    """The reason in words.

    Before the due time it names the rule ("periodic update"); once overdue it says what the
    customer has been left with ("no update for 3d 4h").
    """
    if reason == "promise":
        return f"promised by {format_when(at, now)}"
    if at > now:
        if reason == "snooze":
            return f"snoozed: {detail}" if detail else "snoozed"
        return describe_reason(reason)
    waited = humanize(now - since)
    overdue = {
        "first-response": f"no first response for {waited}",
        "next-reply": f"customer wrote {waited} ago, no reply",
        "periodic-update": f"no update for {waited}",
        "resolution-notice": "resolved — customer not told",
        "chase": f"waiting on customer for {waited} — chase",
        "snooze": f"snooze ended ({detail})",
        "check-in": f"check in: fixed and told {waited} ago",
    }
    return overdue[reason]


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


def due_words(at: datetime, since: datetime, now: datetime, working_left: timedelta | None) -> str:
    """How far off a due time is, as the show screen says it: 'in 2h', '3h overdue'.

    `working_left` is the working time until `at` (negative once overdue) when the target counts
    working time, else None. Then a due time past closed hours says so ("due Mon 09:30 — 45m of
    working time left") and an overdue one gives both clocks ("overdue 2h working time, waiting
    2d 18h": the working time over, and how long the customer has really waited).
    """
    if working_left is None:
        return relative(at, now)
    if at <= now:
        return f"overdue {humanize(-working_left)} working time, waiting {humanize(now - since)}"
    if (at - now) - working_left >= timedelta(minutes=1):  # closed time lies between
        return f"due {format_when(at, now)} — {humanize(working_left)} of working time left"
    return relative(at, now)


def due_cell_words(at: datetime, now: datetime, working_left: timedelta | None) -> str:
    """The same, short enough for a queue column: 'in 2h', '3h overdue'. With working time the
    figures are working time, and a due time past closed hours is named: 'Mon 09:30'."""
    if working_left is None:
        return relative(at, now) if at > now else f"{humanize(now - at)} overdue"
    if at <= now:
        return f"{humanize(-working_left)} overdue"
    if (at - now) - working_left >= timedelta(minutes=1):
        return format_when(at, now)
    return relative(at, now)
