"""What time it is. `CASEDESK_NOW` replaces the clock so time can be stepped in tests and demos."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from casedesk.core.errors import InvalidInput


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; without an offset it is read in the local time zone."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not an ISO 8601 time (e.g. 2026-11-23T09:00+01:00)"
        ) from None
    if value.tzinfo is None:
        value = value.astimezone()
    return value.astimezone(UTC)


def now() -> datetime:
    """The current instant in UTC, or CASEDESK_NOW when set."""
    fixed = os.environ.get("CASEDESK_NOW")
    if fixed:
        try:
            return parse_instant(fixed)
        except InvalidInput as exc:
            raise InvalidInput(f"CASEDESK_NOW: {exc}") from None
    return datetime.now(UTC).replace(microsecond=0)


def to_text(moment: datetime) -> str:
    """How instants are stored: UTC, ISO 8601, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def to_local_text(moment: datetime) -> str:
    """How instants are shown and exported: ISO 8601 in the local zone, with its offset."""
    return moment.astimezone().isoformat(timespec="seconds")
