"""Read a WHEN the way people type it: ISO 8601, +4h, +2d, tomorrow 9:00, fri, 17:30."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from casedesk.core.clock import parse_instant
from casedesk.core.errors import InvalidInput

ACCEPTED = (
    "ISO 8601 (2026-12-01, 2026-12-01T09:00), +30m, +4h, +2d, +1w, +1d4h, 'in 3h', "
    "'today 17:00', 'tomorrow', 'tomorrow 9:00', a weekday ('fri', 'monday 10:00'), or '17:30'"
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_OFFSET = re.compile(r"^(?:\+|in\s*)((?:\s*\d+\s*(?:min|m|h|d|w)\s*)+)$")
_PART = re.compile(r"(\d+)\s*(min|m|h|d|w)")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
DEFAULT_TIME = time(9, 0)


def _clock(text: str) -> time:
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(text)
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half == "pm" and hour < 12:
        hour += 12
    if half == "am" and hour == 12:
        hour = 0
    return time(hour, minute)  # raises ValueError when out of range


def _weekday(word: str) -> int | None:
    """0 for 'mon'/'monday' (any prefix of three letters or more), ... 6 for Sunday."""
    if len(word) < 3:
        return None
    return next((i for i, day in enumerate(_WEEKDAYS) if day.startswith(word)), None)


def parse_when(text: str, now: datetime) -> datetime:
    """The instant `text` names, relative to `now`; an InvalidInput says what is accepted."""
    raw = text.strip().lower()
    try:
        return _parse(raw, now)
    except (ValueError, OverflowError):
        raise InvalidInput(f"cannot read {text!r} as a time; use {ACCEPTED}") from None


def _parse(raw: str, now: datetime) -> datetime:
    if not raw:
        raise ValueError(raw)
    if raw == "now":
        return now
    offset = _OFFSET.match(raw)
    if offset:
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(offset.group(1)))
        return now + timedelta(seconds=seconds)
    if raw[0].isdigit() and ("-" in raw[:5]):
        try:
            return parse_instant(raw.upper() if "t" in raw else raw)
        except InvalidInput:
            raise ValueError(raw) from None

    local_now = now.astimezone()
    word, _, rest = raw.partition(" ")
    rest = rest.strip()

    def at(day_offset: int, clock: time) -> datetime:
        day = local_now.date() + timedelta(days=day_offset)
        naive = datetime.combine(day, clock)
        return naive.astimezone().astimezone(UTC)

    if word == "today":
        return at(0, _clock(rest) if rest else time(17, 0))
    if word == "tomorrow":
        return at(1, _clock(rest) if rest else DEFAULT_TIME)
    weekday = _weekday(word)
    if weekday is not None:
        ahead = (weekday - local_now.weekday()) % 7 or 7
        return at(ahead, _clock(rest) if rest else DEFAULT_TIME)
    clock = _clock(raw)
    moment = at(0, clock)
    return moment if moment > now else at(1, clock)
