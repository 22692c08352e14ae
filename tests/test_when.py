"""WHEN as people type it, read relative to a fixed now (Monday 2026-11-23 09:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casedesk.core.errors import InvalidInput
from casedesk.core.when import parse_when

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+4h", NOW + timedelta(hours=4)),
        ("+2d", NOW + timedelta(days=2)),
        ("+30m", NOW + timedelta(minutes=30)),
        ("+1w", NOW + timedelta(weeks=1)),
        ("+1d4h", NOW + timedelta(days=1, hours=4)),
        ("in 3h", NOW + timedelta(hours=3)),
        ("now", NOW),
        ("tomorrow", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
        ("tomorrow 9:00", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
        ("Tomorrow 17:30", datetime(2026, 11, 24, 17, 30, tzinfo=UTC)),
        ("today 17:00", datetime(2026, 11, 23, 17, 0, tzinfo=UTC)),
        ("fri", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),
        ("friday 10:00", datetime(2026, 11, 27, 10, 0, tzinfo=UTC)),
        ("monday", datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),  # today is Monday: next week's
        ("17:30", datetime(2026, 11, 23, 17, 30, tzinfo=UTC)),
        ("8:00", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),  # already past today: tomorrow
        ("5pm", datetime(2026, 11, 23, 17, 0, tzinfo=UTC)),
        ("2026-12-01", datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),
        ("2026-12-01T09:15", datetime(2026, 12, 1, 9, 15, tzinfo=UTC)),
        ("2026-12-01T09:15+01:00", datetime(2026, 12, 1, 8, 15, tzinfo=UTC)),
    ],
)
def test_accepted_forms(text, expected):
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "next blursday", "25:00", "+4x", "2026-13-01", "tomorrow 99:00", "mo"]
)
def test_unreadable_times_say_what_is_accepted(text):
    with pytest.raises(InvalidInput, match="use ISO 8601"):
        parse_when(text, NOW)
