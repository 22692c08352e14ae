"""Working-time arithmetic (core/hours.py): pure functions, checked by hand and with hypothesis."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casedesk.core.errors import PolicyError
from casedesk.core.hours import Calendar, WorkingWeek, parse_ranges, working_week
from casedesk.core.policy import policy_from_toml

PRIORITIES = ["low", "normal", "high", "urgent"]
LONDON = ZoneInfo("Europe/London")
OFFICE = {day: "09:00-17:30" for day in ("mon", "tue", "wed", "thu", "fri")}


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture(scope="module")
def shop() -> Calendar:
    """The issue's shop: London, weekdays 09:00-17:30, English bank holidays, 31 Dec closed."""
    week = working_week(
        {
            "timezone": "Europe/London",
            **OFFICE,
            "holidays": ["2026-12-31"],
            "country": "GB",
            "subdivision": "ENG",
        },
        PRIORITIES,
    )
    return Calendar(week)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Friday afternoon: one hour on Friday, seven on Monday.
        (london(2026, 11, 27, 16, 30), london(2026, 11, 30, 16, 0)),
        # Christmas Eve after 17:00: Christmas, the weekend and Boxing Day observed on Monday 28th.
        (london(2026, 12, 24, 17, 0), london(2026, 12, 29, 16, 30)),
        # The clocks go forward on Sunday 29 March: Monday's 16:30 is BST.
        (london(2026, 3, 27, 17, 0), london(2026, 3, 30, 16, 30)),
        # … and back on Sunday 25 October: Monday's 16:30 is GMT.
        (london(2026, 10, 23, 17, 0), london(2026, 10, 26, 16, 30)),
        # Opened on a Saturday: the clock starts on Monday at 09:00.
        (london(2026, 11, 28, 10, 0), london(2026, 11, 30, 17, 0)),
        # 31 December is an extra closed day, 1 January a bank holiday.
        (london(2026, 12, 30, 17, 0), london(2027, 1, 4, 16, 30)),
    ],
)
def test_eight_working_hours(shop, start, due):
    found = shop.add(start, timedelta(hours=8))
    assert found == due
    assert found.astimezone(LONDON).utcoffset() == due.utcoffset()
    assert shop.between(start, found) == timedelta(hours=8)


def test_the_march_and_october_changes_land_on_the_right_offset(shop):
    assert shop.add(london(2026, 3, 27, 17, 0), timedelta(hours=8)).isoformat() == (
        "2026-03-30T15:30:00+00:00"  # 16:30 BST
    )
    assert shop.add(london(2026, 10, 23, 17, 0), timedelta(hours=8)).isoformat() == (
        "2026-10-26T16:30:00+00:00"  # 16:30 GMT
    )


def test_a_whole_week_is_five_days_and_a_half_hour_short_of_forty_three(shop):
    monday = london(2026, 11, 23)
    assert shop.between(monday, monday + timedelta(days=7)) == timedelta(hours=42.5)
    # Christmas week: 21-24 open, 25 and 28 bank holidays, 31 closed by the shop.
    christmas = london(2026, 12, 21)
    assert shop.between(christmas, london(2027, 1, 4)) == timedelta(hours=8.5 * 6)


def test_a_range_across_the_change_holds_the_hours_it_really_lasts():
    week = working_week({"timezone": "Europe/London", "sun": "00:00-24:00"}, PRIORITIES)
    calendar = Calendar(week)
    spring, autumn = london(2026, 3, 29), london(2026, 10, 25)
    assert calendar.between(spring, spring + timedelta(days=1)) == timedelta(hours=23)
    assert calendar.between(autumn, autumn + timedelta(days=1)) == timedelta(hours=25)


def test_closed_time_and_open_time():
    calendar = Calendar(working_week({"timezone": "UTC", **OFFICE}, PRIORITIES))
    assert calendar.is_open(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert not calendar.is_open(datetime(2026, 11, 23, 17, 30, tzinfo=UTC))
    assert not calendar.is_open(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    # Closed moments between two open ones count nothing; backwards is negative.
    a, b = datetime(2026, 11, 27, 18, tzinfo=UTC), datetime(2026, 11, 30, 8, tzinfo=UTC)
    assert calendar.between(a, b) == timedelta(0)
    assert calendar.between(b + timedelta(hours=2), a) == timedelta(hours=-1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-17:30", ((540, 1050),)),
        ("13:00-17:00, 08:00-12:00", ((480, 720), (780, 1020))),
        ("8:00-12:00,12:00-24:00", ((480, 720), (720, 1440))),
        ("", ()),
        ("  ", ()),
    ],
)
def test_ranges(text, expected):
    assert parse_ranges(text, "mon") == expected


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"mon": "25:00-26:00"}, r"\[hours\] mon: '25:00-26:00' is not a time range"),
        ({"tue": "9-17"}, r"\[hours\] tue: '9-17' is not a time range"),
        ({"wed": "09:60-17:00"}, "is not a time range"),
        ({"thu": "17:00-09:00"}, r"\[hours\] thu: '17:00-09:00' ends before it starts"),
        ({"fri": "09:00-13:00, 12:00-17:00"}, r"\[hours\] fri: .* overlapping ranges"),
        ({"sat": 9}, r"\[hours\] sat: expected a text"),
        ({"timezone": "Europe/Londn"}, r"\[hours\] timezone: unknown time zone 'Europe/Londn'"),
        ({"timezone": "../../etc/passwd"}, r"\[hours\] timezone: unknown time zone"),
        ({"timezone": None}, r"\[hours\] timezone: the shop's time zone is needed"),
        ({"mon": "", "tue": "", "wed": "", "thu": "", "fri": ""}, "the week has no open hour"),
        ({"holidays": ["2026-13-01"]}, r"\[hours\] holidays: '2026-13-01' is not a date"),
        ({"holidays": "2026-12-31"}, r"\[hours\] holidays: expected a list"),
        ({"around_the_clock": ["critical"]}, r"\[hours\] around_the_clock: expected a list"),
        ({"subdivision": "ENG"}, r"\[hours\] subdivision: give the country too"),
        ({"country": 44}, r"\[hours\] country: expected a code"),
        ({"weekend": "sat"}, r"\[hours\]: unknown setting 'weekend'"),
    ],
)
def test_a_wrong_hours_setting_is_a_clear_error(table, message):
    base = {"timezone": "Europe/London", **OFFICE, **table}
    base = {k: v for k, v in base.items() if v is not None}
    with pytest.raises(PolicyError, match=message):
        working_week(base, PRIORITIES)


def test_a_wrong_hours_setting_names_the_policy_file():
    with pytest.raises(PolicyError, match=r"^/etc/p.toml: \[hours\] mon: '25:00-26:00'"):
        policy_from_toml('[hours]\ntimezone = "UTC"\nmon = "25:00-26:00"\n', "/etc/p.toml")


@pytest.mark.parametrize(
    ("country", "subdivision", "message"),
    [
        ("XX", None, r"\[hours\] country: unknown country 'XX'"),
        ("GB", "XYZ", r"\[hours\] subdivision: GB has no subdivision 'XYZ' \(use ENG, NIR"),
    ],
)
def test_an_unknown_country_or_subdivision_is_a_clear_error(country, subdivision, message):
    table = {"timezone": "UTC", **OFFICE, "country": country}
    if subdivision:
        table["subdivision"] = subdivision
    calendar = Calendar(working_week(table, PRIORITIES), source="shop.toml")
    with pytest.raises(PolicyError, match="^shop.toml: " + message):
        calendar.add(datetime(2026, 11, 23, tzinfo=UTC), timedelta(hours=1))


def test_known_holidays_are_used_without_the_package():
    week = working_week({"timezone": "UTC", **OFFICE, "country": "XX"}, PRIORITIES)
    # A country the package does not know would fail if it were asked; the years are known.
    calendar = Calendar(week, public={y: [] for y in range(2025, 2028)})
    calendar.know_public_holidays({2026: [date(2026, 11, 30)]})  # already known: kept as is
    start = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
    assert calendar.add(start, timedelta(hours=1)) == datetime(2026, 11, 30, 10, tzinfo=UTC)


# -- properties --------------------------------------------------------------------------------

ZONES = [
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # half-hour DST
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Asia/Tehran",
    "UTC",
]

minute = st.integers(0, 47).map(lambda q: q * 30)  # half hours of a day, 00:00 … 23:30


@st.composite
def days(draw: st.DrawFn, low: int = 0, high: int = 48) -> str:
    """One day's ranges in half hours between `low` and `high` (00:00 … 24:00), maybe none."""
    points = sorted(draw(st.sets(st.integers(low, high), max_size=6)))
    if len(points) % 2:
        points = points[:-1]
    return ", ".join(
        f"{a // 2:02d}:{a % 2 * 30:02d}-{b // 2:02d}:{b % 2 * 30:02d}"
        for a, b in zip(points[::2], points[1::2], strict=True)
    )


@st.composite
def weeks(draw: st.DrawFn, low: int = 0, high: int = 48) -> WorkingWeek:
    table = {day: draw(days(low, high)) for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
    table["sun"] = draw(days(low, high)) or "10:00-11:00"  # never a week without an open hour
    table["timezone"] = draw(st.sampled_from(ZONES))
    table["holidays"] = [
        d.isoformat() for d in draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31))))
    ]
    return working_week(table, PRIORITIES)


instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=0)
)
amounts = st.integers(1, 250 * 3600).map(lambda s: timedelta(seconds=s))
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(weeks(), instants, amounts)
def test_adding_then_measuring_gives_back_what_was_added(week, start, amount):
    calendar = Calendar(week)
    due = calendar.add(start, amount)
    assert due > start
    assert calendar.between(start, due) == amount
    assert calendar.between(due, start) == -amount


@PROPERTY
@given(weeks(), instants, amounts)
def test_a_due_time_never_falls_inside_closed_time(week, start, amount):
    """The moment the target runs out is open, or the very end of an open stretch."""
    calendar = Calendar(week)
    due = calendar.add(start, amount)
    assert calendar.is_open(due - timedelta(seconds=1))


@PROPERTY
@given(weeks(), instants, instants, amounts)
def test_a_later_start_never_gives_an_earlier_due_time(week, a, b, amount):
    calendar = Calendar(week)
    early, late = min(a, b), max(a, b)
    assert calendar.add(early, amount) <= calendar.add(late, amount)
    assert calendar.between(early, late) >= timedelta(0)


@PROPERTY
@given(weeks(low=14, high=44), instants, amounts)
def test_due_times_keep_their_wall_clock_across_the_clock_changes(week, start, amount):
    """With opening hours between 07:00 and 22:00 (no zone here changes its clocks then), a
    due time is where walking the opening hours on the shop's wall clock says, DST or not:
    the reference walks naive local times, day by day, and never converts."""
    calendar = Calendar(week)
    zone = ZoneInfo(week.timezone)
    local = start.astimezone(zone).replace(tzinfo=None)
    left = amount
    day = local.date()
    while True:
        closed = day in week.closed or day in calendar.public_holidays([day.year])[day.year]
        for a, b in () if closed else week.week[day.weekday()]:
            midnight = datetime(day.year, day.month, day.day)
            open_, shut = midnight + timedelta(minutes=a), midnight + timedelta(minutes=b)
            begin = max(open_, local)
            if begin >= shut:
                continue
            if shut - begin >= left:
                expected = (begin + left).replace(tzinfo=zone)
                assert calendar.add(start, amount) == expected
                assert calendar.add(start, amount).astimezone(zone).replace(
                    tzinfo=None
                ) == expected.replace(tzinfo=None)
                return
            left -= shut - begin
        day += timedelta(days=1)
