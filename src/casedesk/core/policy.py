"""The "tell the customer" targets, from built-in defaults and an optional policy.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from casedesk.core.errors import PolicyError
from casedesk.core.model import DueReason, Priority, Urgency
from casedesk.core.settings_check import not_, number_in

if TYPE_CHECKING:  # loaded only for a policy with [hours]: zoneinfo is not free
    from casedesk.core.hours import Calendar, WorkingWeek

DEFAULT_POLICY_TOML = """\
# casedesk policy: how soon the customer must hear from us.
# Durations: "90m", "4h", "3d", "1w" (or a number of hours).

# Resolved but the customer not told yet.
resolution_notice = "2h"
# Waiting on the customer: chase them after this long.
chase = "72h"
# After the resolution was told, ask "is it still working?" this much later: a duration, or
# true for 3 days; "off" (the default) never asks.
check_in = "off"
# The customer's own urgency at these levels halves the periodic-update interval.
halve_periodic_for_urgency = ["high", "critical"]

[first_response]
urgent = "1h"
high = "4h"
normal = "8h"
low = "24h"

[next_reply]
urgent = "1h"
high = "4h"
normal = "8h"
low = "24h"

[periodic_update]
urgent = "4h"
high = "24h"
normal = "72h"
low = "168h"
"""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)?\s*$")
_UNIT = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800, None: 3600}
# A target shorter than a minute is always overdue; one longer than ten years is never due (and
# a due time past the year 9999 cannot be stored).
DURATION = (60.0, 520 * 604800.0)
DURATION_WORDS = 'must be a duration from 1m to 520w, like "90m", "4h", "3d" or 8 (hours)'


def parse_duration(value: object, where: str) -> timedelta:
    """Parse "90m", "4h", "3d", "1w" or a bare number of hours, from 1 minute to 520 weeks."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    hours = number_in(value, 0, DURATION[1] / 3600)
    if match:
        seconds = float(match.group(1)) * _UNIT[match.group(2)]
    elif hours is not None:
        seconds = hours * 3600
    else:
        seconds = None
    if number_in(seconds, *DURATION) is None:
        raise PolicyError(f"{where} {DURATION_WORDS} ({not_(value)})")
    return timedelta(seconds=seconds)  # type: ignore[arg-type]


def _per_priority(table: object, name: str) -> dict[Priority, timedelta]:
    if not isinstance(table, dict):
        raise PolicyError(f"[{name}] must be a table of priority = duration")
    unknown = set(table) - {p.value for p in Priority}
    if unknown:
        choices = ", ".join(p.value for p in Priority)
        raise PolicyError(f"[{name}]: unknown priority {sorted(unknown)[0]!r} (use {choices})")
    missing = [p.value for p in Priority if p.value not in table]
    if missing:
        raise PolicyError(f"[{name}]: no target for {', '.join(missing)}")
    return {p: parse_duration(table[p.value], f"[{name}] {p.value}") for p in Priority}


@dataclass(frozen=True)
class Policy:
    first_response: dict[Priority, timedelta]
    next_reply: dict[Priority, timedelta]
    periodic_update: dict[Priority, timedelta]
    resolution_notice: timedelta
    chase: timedelta
    halve_periodic_for: frozenset[Urgency] = field(
        default_factory=lambda: frozenset({Urgency.HIGH, Urgency.CRITICAL})
    )
    source: str = "built-in defaults"
    check_in: timedelta | None = None  # None: no check-in after a resolution (the default)
    hours: WorkingWeek | None = None  # None: every target in calendar time (the default)
    calendar: Calendar | None = field(default=None, compare=False, repr=False)

    def counts_working_time(self, priority: Priority, reason: DueReason | None = None) -> bool:
        """Whether this priority's targets (and a due time for `reason`) count working time.

        Promises and snoozes never do: they are wall-clock times someone was told."""
        if self.hours is None or priority.value in self.hours.around_the_clock:
            return False
        return reason not in (DueReason.PROMISE, DueReason.SNOOZE)

    def after(self, start: datetime, target: timedelta, priority: Priority) -> datetime:
        """When a target of this length that started at `start` runs out."""
        if self.calendar is None or not self.counts_working_time(priority):
            return start + target
        return self.calendar.add(start, target)

    def periodic_for(self, priority: Priority, urgency: Urgency) -> timedelta:
        interval = self.periodic_update[priority]
        return interval / 2 if urgency in self.halve_periodic_for else interval

    @property
    def fingerprint(self) -> str:
        """Changes whenever any target changes: stored due times are then recomputed."""
        parts = [
            *(f"fr.{p}={self.first_response[p].total_seconds()}" for p in Priority),
            *(f"nr.{p}={self.next_reply[p].total_seconds()}" for p in Priority),
            *(f"pu.{p}={self.periodic_update[p].total_seconds()}" for p in Priority),
            f"rn={self.resolution_notice.total_seconds()}",
            f"ch={self.chase.total_seconds()}",
            "hv=" + ",".join(sorted(self.halve_periodic_for)),
            f"ci={self.check_in.total_seconds() if self.check_in else 'off'}",
        ]
        if self.hours is not None:
            parts.append(f"hours={self.hours.fingerprint}")
        return ";".join(parts)  # short enough to store as is: no hashing to import


def policy_from_toml(text: str, source: str) -> Policy:
    """Build a policy from TOML text laid over the defaults; any mistake is a PolicyError."""
    try:
        given = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML ({exc})") from None
    merged = tomllib.loads(DEFAULT_POLICY_TOML)
    known = {*merged, "hours"}
    unknown = set(given) - known
    if unknown:
        raise PolicyError(f"{source}: unknown setting {sorted(unknown)[0]!r}")
    for key, value in given.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    try:
        levels = merged["halve_periodic_for_urgency"]
        if not isinstance(levels, list):
            raise PolicyError(f"{source}: halve_periodic_for_urgency must be a list")
        halve = frozenset(Urgency(level) for level in levels)
    except ValueError as exc:
        raise PolicyError(f"{source}: halve_periodic_for_urgency: {exc}") from None
    try:
        hours = calendar = None
        if "hours" in given:
            from casedesk.core.hours import Calendar, working_week

            hours = working_week(given["hours"], [p.value for p in Priority])
            calendar = Calendar(hours, source=source)
        return Policy(
            first_response=_per_priority(merged["first_response"], "first_response"),
            next_reply=_per_priority(merged["next_reply"], "next_reply"),
            periodic_update=_per_priority(merged["periodic_update"], "periodic_update"),
            resolution_notice=parse_duration(merged["resolution_notice"], "resolution_notice"),
            chase=parse_duration(merged["chase"], "chase"),
            halve_periodic_for=halve,
            source=source,
            check_in=_check_in(merged["check_in"]),
            hours=hours,
            calendar=calendar,
        )
    except PolicyError as exc:
        raise PolicyError(f"{source}: {exc}") from None


CHECK_IN_DAYS = 3  # `check_in = true`


def _check_in(value: object) -> timedelta | None:
    if value is True:
        return timedelta(days=CHECK_IN_DAYS)
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "never")):
        return None
    try:
        return parse_duration(value, "check_in")
    except PolicyError:
        raise PolicyError(
            f'check_in must be "off", true (3 days) or a duration from 1m to 520w, like "3d" '
            f"({not_(value)})"
        ) from None


DEFAULT_POLICY = policy_from_toml(DEFAULT_POLICY_TOML, "built-in defaults")


def load_policy(path: Path | None) -> Policy:
    """The policy in `path` if that file exists, else the defaults."""
    if path is None or not path.exists():
        return DEFAULT_POLICY
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read policy {path}: {exc}") from None
    return policy_from_toml(text, str(path))
