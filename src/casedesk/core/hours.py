"""Working time: add N working hours to an instant, and measure the working time between two.

A shop's working week (`[hours]` in policy.toml) is a set of opening ranges per weekday, read on
the shop's own clock (an IANA time zone), minus public holidays (the `holidays` package) and extra
closed dates. `Calendar` turns that into the open intervals of real time, as UTC epoch seconds,
one local year at a time, with a running total of working seconds at the start of each interval.
Then "working time between a and b" is a difference of two running totals and "a plus N working
seconds" a binary search for where the total reaches N more: both O(log n), whatever the span.

Working time is real elapsed time while open: the day the clocks go forward, 09:00–17:30 holds
8.5 hours as on any other day (the jump is at night); a range that spans the change holds the
hour less (or more) it really lasts. Opening times that fall in the hour skipped when the clocks go
forward are read with the offset before the change, and those that happen twice when they go back
at their first occurrence (Python's `fold=0`), so each range is one stretch of real time.

No maintained library adds working hours under a weekly schedule, holidays and a time zone at
once, so the interval walk is ours; the holiday rules (Easter, "observed on Monday", the King's
coronation) are not: they change by law every year, and the `holidays` package is kept up to date
by people who follow that, for 250 countries. It is loaded only when a year's holidays are not in
the store's cache (it costs ~0.5 s to import).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casedesk.core.errors import PolicyError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SETTINGS = (*DAYS, "timezone", "holidays", "country", "subdivision", "around_the_clock")
DAY_MINUTES = 24 * 60
_EPOCH_DAY = date(1970, 1, 1).toordinal()
MAX_YEARS_AHEAD = 50  # a due time this far on means the calendar has no open time left

Range = tuple[int, int]  # minutes from local midnight, [start, end); end may be 24:00

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _minutes(hours: str, minutes: str, *, end: bool) -> int | None:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m or not end)):
        return None
    return h * 60 + m


def parse_ranges(text: object, setting: str) -> tuple[Range, ...]:
    """ "09:00-12:00, 13:00-17:30" → ((540, 720), (780, 1050)); "" → () (closed all day)."""
    if not isinstance(text, str):
        raise PolicyError(f'[hours] {setting}: expected a text like "09:00-17:30", got {text!r}')
    ranges: list[Range] = []
    for part in (p for p in text.split(",") if p.strip()) if text.strip() else ():
        match = _RANGE.match(part)
        start = _minutes(*match.group(1, 2), end=False) if match else None
        stop = _minutes(*match.group(3, 4), end=True) if match else None
        if start is None or stop is None:
            raise PolicyError(
                f"[hours] {setting}: {part.strip()!r} is not a time range "
                '(use e.g. "09:00-17:30"; the day ends at 24:00)'
            )
        if stop <= start:
            raise PolicyError(
                f"[hours] {setting}: {part.strip()!r} ends before it starts "
                "(a range cannot run past midnight: split it over two days)"
            )
        ranges.append((start, stop))
    ranges.sort()
    for (_, end), (start, _) in pairwise(ranges):
        if start < end:
            raise PolicyError(f"[hours] {setting}: {text.strip()!r} has overlapping ranges")
    return tuple(ranges)


def _clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _date(value: object) -> date:
    if isinstance(value, datetime):
        raise PolicyError(f"[hours] holidays: {value!r} is a time, not a date (use 2026-12-31)")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PolicyError(f'[hours] holidays: {value!r} is not a date (use e.g. "2026-12-31")')


@dataclass(frozen=True)
class WorkingWeek:
    """The `[hours]` settings, checked. Priorities in `around_the_clock` keep calendar time."""

    timezone: str
    week: tuple[tuple[Range, ...], ...]  # Monday first, seven days
    closed: frozenset[date] = frozenset()  # extra closed dates
    country: str | None = None
    subdivision: str | None = None
    around_the_clock: frozenset[str] = frozenset()

    @property
    def fingerprint(self) -> str:
        days = ",".join(
            f"{name}=" + "+".join(f"{_clock_text(a)}-{_clock_text(b)}" for a, b in ranges)
            for name, ranges in zip(DAYS, self.week, strict=True)
        )
        closed = "+".join(d.isoformat() for d in sorted(self.closed))
        around = "+".join(sorted(self.around_the_clock))
        return (
            f"tz={self.timezone};{days};closed={closed};country={self.country or ''}"
            f";subdiv={self.subdivision or ''};atc={around}"
        )

    @property
    def region(self) -> str | None:
        """Whose public holidays: "GB/ENG", "DE"; None without a country."""
        if not self.country:
            return None
        return f"{self.country}/{self.subdivision}" if self.subdivision else self.country


def working_week(table: object, priorities: Iterable[str]) -> WorkingWeek:
    """Check an `[hours]` table; every mistake is a PolicyError naming the setting."""
    if not isinstance(table, dict):
        raise PolicyError('[hours] must be a table (timezone = ..., mon = "09:00-17:30", ...)')
    unknown = set(table) - set(SETTINGS)
    if unknown:
        raise PolicyError(
            f"[hours]: unknown setting {sorted(unknown)[0]!r} (use {', '.join(SETTINGS)})"
        )
    zone = table.get("timezone")
    if not isinstance(zone, str) or not zone.strip():
        raise PolicyError('[hours] timezone: the shop\'s time zone is needed, e.g. "Europe/London"')
    zone = zone.strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(
            f'[hours] timezone: unknown time zone {zone!r} (use an IANA name like "Europe/London")'
        ) from None
    week = tuple(parse_ranges(table.get(day, ""), day) for day in DAYS)
    if not any(week):
        raise PolicyError("[hours]: the week has no open hour (give mon … sun a range)")
    extra = table.get("holidays", [])
    if not isinstance(extra, list):
        raise PolicyError('[hours] holidays: expected a list of dates, e.g. ["2026-12-31"]')
    country, subdivision = table.get("country"), table.get("subdivision")
    for name, value in (("country", country), ("subdivision", subdivision)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise PolicyError(f'[hours] {name}: expected a code like "GB" or "ENG", got {value!r}')
    if subdivision is not None and country is None:
        raise PolicyError("[hours] subdivision: give the country too")
    around = table.get("around_the_clock", [])
    known = list(priorities)
    if not isinstance(around, list) or any(p not in known for p in around):
        raise PolicyError(
            f"[hours] around_the_clock: expected a list of priorities ({', '.join(known)}), "
            f"got {around!r}"
        )
    return WorkingWeek(
        timezone=zone,
        week=week,
        closed=frozenset(_date(value) for value in extra),
        country=country.strip().upper() if country else None,
        subdivision=subdivision.strip().upper() if subdivision else None,
        around_the_clock=frozenset(around),
    )


def public_holidays(country: str, subdivision: str | None, years: Iterable[int]) -> set[date]:
    """The public holidays (observed days included) of a country in these years, from the
    `holidays` package. An unknown country or subdivision is a PolicyError naming the setting."""
    import holidays  # slow to import: only here, when the store's cache lacks these years

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise PolicyError(
            f'[hours] country: unknown country {country!r} (use an ISO 3166 code like "GB")'
        )
    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=list(years))
    except NotImplementedError:
        choices = ", ".join(supported[country]) or "none"
        raise PolicyError(
            f"[hours] subdivision: {country} has no subdivision {subdivision!r} (use {choices})"
        ) from None
    return set(found)


def epoch(moment: datetime) -> int:
    """Whole seconds since 1970; working time is counted to the second."""
    return math.floor(moment.timestamp())


class Calendar:
    """The open intervals of a working week in real time, with running totals.

    Years are built as they are needed (a little under a millisecond each). Public holidays
    come from `public` (year → dates) when given, else from the `holidays` package.
    """

    def __init__(
        self,
        week: WorkingWeek,
        public: Mapping[int, Iterable[date]] | None = None,
        fetch: Callable[[Iterable[int]], set[date]] | None = None,
        source: str = "policy.toml",
    ) -> None:
        self.week = week
        self.zone = ZoneInfo(week.timezone)
        self._public: dict[int, frozenset[date]] = {
            year: frozenset(dates) for year, dates in (public or {}).items()
        }
        if fetch is None and week.country:
            country, subdivision = week.country, week.subdivision

            def fetch(years: Iterable[int]) -> set[date]:
                try:
                    return public_holidays(country, subdivision, years)
                except PolicyError as exc:
                    raise PolicyError(f"{source}: {exc}") from None

        self._fetch = fetch
        self._years: dict[int, list[tuple[int, int]]] = {}
        self._low = self._high = 0  # the years built: [low, high]
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._before: list[int] = []  # working seconds before each interval
        self._upto: list[int] = []  # working seconds to the end of each interval
        self._safe = (1, 0)  # see _reach

    # -- building ---------------------------------------------------------------------------

    def know_public_holidays(self, by_year: Mapping[int, Iterable[date]]) -> None:
        """Holidays fetched earlier (the store keeps them): no need to load the package."""
        for year, dates in by_year.items():
            self._public.setdefault(year, frozenset(dates))

    def public_holidays(self, years: Iterable[int]) -> dict[int, frozenset[date]]:
        """The public holidays of these years (fetched once, for all missing years at once)."""
        wanted = list(years)
        missing = [y for y in wanted if y not in self._public]
        if missing:
            found = self._fetch(missing) if self._fetch is not None else set()
            for year in missing:
                self._public[year] = frozenset(d for d in found if d.year == year)
        return {year: self._public[year] for year in wanted}

    def _year_intervals(self, year: int) -> list[tuple[int, int]]:
        closed = self.week.closed | self.public_holidays([year])[year]
        intervals: list[tuple[int, int]] = []
        zone, one = self.zone, timedelta(days=1)
        day = date(year, 1, 1)
        offset = zone.utcoffset(datetime(year, 1, 1))
        while day.year == year:
            following = day + one
            after = zone.utcoffset(datetime(following.year, following.month, following.day))
            ranges = self.week.week[day.weekday()]
            if ranges and day not in closed:
                midnight = (day.toordinal() - _EPOCH_DAY) * 86400
                for start, end in ranges:
                    if offset == after:  # no clock change today: plain arithmetic
                        shift = int(offset.total_seconds()) if offset else 0
                        a, b = midnight + start * 60 - shift, midnight + end * 60 - shift
                    else:
                        a, b = self._local(day, start), self._local(day, end)
                    if intervals and a <= intervals[-1][1]:  # touching: one stretch
                        a = intervals[-1][0]
                        b = max(b, intervals.pop()[1])
                    if b > a:
                        intervals.append((a, b))
            day, offset = following, after
        return intervals

    def _local(self, day: date, minutes: int) -> int:
        """The instant of a wall-clock time on the shop's clock (fold=0 in gaps and repeats)."""
        moment = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
        return epoch(moment.replace(tzinfo=self.zone))

    def _cover(self, low: int, high: int) -> None:
        """Make sure the local years low..high are built (and every year between)."""
        if self._years and self._low <= low and high <= self._high:
            return
        if self._years:
            low, high = min(low, self._low), max(high, self._high)
        self.public_holidays(y for y in range(low, high + 1) if y not in self._years)
        for year in range(low, high + 1):
            if year not in self._years:
                self._years[year] = self._year_intervals(year)
        self._low, self._high = low, high
        starts, ends, before, upto = [], [], [], []
        total = 0
        for year in range(low, high + 1):
            for a, b in self._years[year]:
                if ends and a <= ends[-1]:  # a range up to 24:00 on 31 Dec runs into 1 Jan
                    total += max(b, ends[-1]) - ends[-1]
                    ends[-1] = max(b, ends[-1])
                    upto[-1] = total
                    continue
                starts.append(a)
                ends.append(b)
                before.append(total)
                total += b - a
                upto.append(total)
        self._starts, self._ends, self._before, self._upto = starts, ends, before, upto

    def _year_of(self, seconds: int) -> int:
        return datetime.fromtimestamp(seconds, self.zone).year

    def _reach(self, seconds: int) -> None:
        """Make sure the years around `seconds` are built (cheap when they are)."""
        if self._safe[0] <= seconds <= self._safe[1]:
            return
        year = self._year_of(seconds)
        self._cover(year - 1, year + 1)
        # Moments whose year and both neighbours are built, whatever the zone's offset:
        self._safe = (
            epoch(datetime(self._low + 1, 1, 2, tzinfo=UTC)),
            epoch(datetime(self._high - 1, 12, 30, tzinfo=UTC)),
        )

    # -- the arithmetic, in epoch seconds ------------------------------------------------------

    def _reading(self, seconds: int) -> int:
        i = bisect_right(self._starts, seconds) - 1
        if i < 0:
            return 0
        return self._before[i] + min(seconds, self._ends[i]) - self._starts[i]

    def seconds_between(self, a: int, b: int) -> int:
        """Working seconds from a to b (negative when b is before a)."""
        self._reach(a)
        self._reach(b)
        return self._reading(b) - self._reading(a)

    def add_seconds(self, start: int, amount: int) -> int:
        """The moment `amount` working seconds after `start` (an open moment, or the end of an
        open stretch); `start` itself for nothing to add."""
        if amount <= 0:
            return start
        self._reach(start)
        target = self._reading(start) + amount
        for _ in range(MAX_YEARS_AHEAD):
            j = bisect_left(self._upto, target)
            if j < len(self._upto):
                return self._starts[j] + (target - self._before[j])
            self._cover(self._low, self._high + 1)
        raise PolicyError("[hours]: no working time left in the calendar")  # pragma: no cover

    def is_open_at(self, seconds: int) -> bool:
        self._reach(seconds)
        i = bisect_right(self._starts, seconds) - 1
        return i >= 0 and seconds < self._ends[i]

    # -- the same with datetimes ----------------------------------------------------------------

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """`start` plus `amount` of working time (whole seconds), in UTC."""
        moment = self.add_seconds(epoch(start), math.floor(amount.total_seconds()))
        return datetime.fromtimestamp(moment, UTC)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """The working time from a to b."""
        return timedelta(seconds=self.seconds_between(epoch(a), epoch(b)))

    def is_open(self, moment: datetime) -> bool:
        return self.is_open_at(epoch(moment))
