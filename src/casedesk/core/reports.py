"""How customers are being treated, as numbers: pure report computations over the event log.

Everything here is a function of events, the policy and a window; no I/O, no clock, no Textual.

The report is always computed **as of `until`**: events at or after `until` are ignored, so a report
for a past window says exactly what it would have said at the end of that window. The window is
half-open, ``[since, until)``.

Terms used in every docstring below:

* A case is **open** at a moment when, by its events so far, it owes the customer an update:
  `rules.next_update_due` returns a due time (new, open, waiting, resolved-but-not-told, or a
  customer message awaiting a reply). Closed cases, and resolved cases whose customer was told,
  are not open.
* A case is **overdue** at a moment t when it is open and its due time is at or before t.
* **Told** means a `told` event: the customer was told something.
* A **silence** is a stretch of open time during which the customer was told nothing. It starts
  when the case opens (creation, reopening, a new message after the case was settled) or at a told
  event that leaves the case open; it ends at the next told event, or when the case stops being
  open.

The heavy lifting: each case's events are folded once, with `projection.apply` and
`rules.next_update_due`, into `Step`s (the case's report-relevant state right after each event,
with running totals). The store keeps them (`store/reports.py`) and aggregates them in SQL;
`summarize_case` and `assemble` compute the same report in Python a different way (summing the
stretches between events), for small stores and to check the SQL.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from casedesk.core.model import CaseState, Event, EventKind, Status
from casedesk.core.projection import apply
from casedesk.core.rules import next_update_due

if TYPE_CHECKING:
    from casedesk.core.policy import Policy

# Silence histogram buckets: (label, upper bound in seconds, exclusive).
SILENCE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 1d", 86400),
    ("1-3d", 3 * 86400),
    ("3-7d", 7 * 86400),
    ("1-2w", 14 * 86400),
    ("2-4w", 28 * 86400),
    ("4w+", math.inf),
)


NEVER = 2**62  # `Step.next_at` of a case's latest step: no next event yet

# How long from a to b (epoch seconds): working seconds with `[hours]` in the policy. Reports are
# measured with it; without one, `b - a` (calendar time) is used and no second figure is kept.
Measure = Callable[[int, int], int]


def measure_of(policy: Policy) -> Measure | None:
    """The policy's working-time measure, or None when it has no `[hours]`."""
    calendar = policy.calendar
    return calendar.seconds_between if calendar is not None else None


def epoch(moment: datetime) -> int:
    """Whole seconds since 1970 (UTC): how report steps keep time, so SQL can subtract."""
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True, slots=True)
class Window:
    """The half-open interval [since, until) a report covers."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.since >= self.until:
            raise ValueError("a report window must end after it starts")

    @property
    def s(self) -> int:
        return epoch(self.since)

    @property
    def u(self) -> int:
        return epoch(self.until)


# -- steps: one case's report-relevant state after each event ---------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """A case right after one of its events, as the reports need it. Times are epoch seconds.

    `prev_at`/`prev_due` describe the stretch *before* this event: from the previous event until
    this one the due time was `prev_due` (None: nothing owed). The `cum_*` fields sum the case's
    history up to this event, so a window's figures are a difference of two steps: the last
    before `until` and the last before `since`. Step times never go backwards within a case (a
    clock set back is read as "no time passed"), so "the last step before t" is well defined.
    """

    case_id: int
    event_id: int
    customer_id: int
    created: int  # when the case was created
    at: int
    prev_at: int | None  # the previous event's time; None for the creating event
    prev_due: int | None  # the due time in force from prev_at until at
    due: int | None  # the due time from now on; None: the case owes nothing (not open)
    kind: str
    actor: str
    owner: str | None
    res_untold: bool  # resolved and the customer not told of it
    resolved_at: int | None  # the case's standing resolution (cleared by reopening)
    first_told: bool  # this is the first told event of the case
    silent_since: int | None  # start of the current silence (None: not open)
    longest_silence: int  # longest silence that has ended by this event
    cum_open: int  # open seconds from creation up to this event
    cum_overdue: int  # overdue seconds from creation up to this event
    cum_told: int  # told events so far, this one included
    first_told_at: int | None  # the first told event so far
    next_at: int  # the case's next event (NEVER for its latest): the only field that changes
    problem_id: int | None = None  # the problem the case is linked to
    wcum_open: int = 0  # cum_open and cum_overdue measured in working time (`[hours]`); the
    wcum_overdue: int = 0  # same as those without it


def case_steps(
    events: Iterable[Event],
    policy: Policy,
    after: Step | None = None,
    state: CaseState | None = None,
) -> list[Step]:
    """Fold one case's events (oldest first) into steps, with the same projection and rules as
    the desk uses, so the reports agree with what the queue said at every moment.

    With `after` (the case's latest step already kept), the fold resumes from it: events up to
    and including `after.event_id` only rebuild the case's state, and only the newer ones yield
    steps (the caller moves `after.next_at` to the first new step's time). With `state` too
    (the case right after `after`), `events` need only be the newer ones. Resuming gives the
    very steps a fold of the whole history gives (the tests check)."""
    return fold_steps(events, policy, after, state)[0]


def fold_steps(
    events: Iterable[Event],
    policy: Policy,
    after: Step | None = None,
    state: CaseState | None = None,
) -> tuple[list[Step], CaseState | None]:
    """`case_steps`, and the case's state after the last event (the projection)."""
    steps, state = _fold(events, policy, after, state, raw=False)
    return steps, state


def fold_rows(events: Iterable[Event], policy: Policy) -> tuple[list[tuple[Any, ...]], CaseState]:
    """`fold_steps` of a whole history as plain tuples in `Step`'s field order (for a bulk
    insert: no Step objects made), and the case's state after its last event."""
    rows, state = _fold(events, policy, None, None, raw=True)
    if state is None:
        raise ValueError("a case has at least one event")
    return rows, state


def _fold(
    events: Iterable[Event],
    policy: Policy,
    after: Step | None,
    state: CaseState | None,
    raw: bool,
) -> tuple[list[Any], CaseState | None]:
    measure = measure_of(policy)
    prev_at = prev_due = first_told_at = silent_since = None
    longest = cum_open = cum_overdue = cum_told = wcum_open = wcum_overdue = 0
    if after is not None:
        prev_at, prev_due, first_told_at = after.at, after.due, after.first_told_at
        silent_since, longest = after.silent_since, after.longest_silence
        cum_open, cum_overdue, cum_told = after.cum_open, after.cum_overdue, after.cum_told
        wcum_open, wcum_overdue = after.wcum_open, after.wcum_overdue
    steps: list[Any] = []
    pending: tuple[Any, ...] | None = None
    for event in events:
        if after is not None and (event.id or 0) <= after.event_id:
            state = apply(state, event)
            continue
        at = epoch(event.at) if prev_at is None else max(epoch(event.at), prev_at)
        kind = event.kind
        noted = kind is EventKind.NOTE and state is not None
        state = apply(state, event)
        if noted:
            due = prev_due  # a note changes nothing the rules read
        else:
            found = next_update_due(state, policy)
            due = epoch(found.at) if found is not None else None
        if prev_at is not None and prev_due is not None:
            cum_open += at - prev_at
            cum_overdue += max(0, at - max(prev_at, prev_due))
            if measure is not None:
                wcum_open += measure(prev_at, at)
                wcum_overdue += max(0, measure(max(prev_at, prev_due), at))
        first_told = kind is EventKind.TOLD and first_told_at is None
        if kind is EventKind.TOLD:
            cum_told += 1
            if first_told_at is None:
                first_told_at = at
        if kind is EventKind.TOLD or due is None:
            if silent_since is not None:
                longest = max(longest, at - silent_since)
            silent_since = at if due is not None else None
        elif silent_since is None:
            silent_since = at
        if pending is not None:
            values = (*pending[:20], at, *pending[20:])  # next_at: this event's time
            steps.append(values if raw else Step(*values))
        # The Step's fields in order, but for next_at (known at the next event).
        pending = (
            event.case_id,
            event.id or 0,
            state.customer_id,
            epoch(state.created_at),
            at,
            prev_at,
            prev_due,
            due,
            kind.value,
            event.actor,
            state.owner,
            state.status is Status.RESOLVED and not state.resolution_told,
            epoch(state.resolved_at) if state.resolved_at else None,
            first_told,
            silent_since,
            longest,
            cum_open,
            cum_overdue,
            cum_told,
            first_told_at,
            state.problem_id,
            cum_open if measure is None else wcum_open,
            cum_overdue if measure is None else wcum_overdue,
        )
        prev_at, prev_due = at, due
    if pending is not None:
        values = (*pending[:20], NEVER, *pending[20:])
        steps.append(values if raw else Step(*values))
    return steps, state


# -- per case: the figures of one case in a window ---------------------------------------------


class Working(NamedTuple):
    """A case's figures measured in working time (see `CaseFigures`)."""

    open_seconds: int
    overdue_seconds: int
    first_response: int | None
    resolution: int | None


def carried(
    measure: Measure, t: int, at: int, due: int | None, open_: int, over: int
) -> tuple[int, int]:
    """Working open and overdue time up to `t`, from a step at `at` (with the due time it left
    and its running working totals): the stretch from the step to `t` added."""
    if due is None:
        return open_, over
    return open_ + measure(at, t), over + max(0, measure(max(at, due), t))


class CaseFigures(NamedTuple):
    """One case's share of a report for a window [since, until), as of `until`.

    Only cases created before `until` have figures. Durations are seconds.
    """

    case_id: int
    customer_id: int
    owner: str | None  # owner as of until
    created: int
    open_seconds: int  # time in the window the case was open
    overdue_seconds: int  # time in the window the case was open and overdue
    told: int  # told events in the window
    first_response: int | None  # created in the window: first told − created (if before until)
    resolution: int | None  # resolved in the window and still resolved/closed at until
    due: int | None  # the due time as of until (None: not open at until)
    res_untold: bool  # resolved and not told as of until
    resolved_at: int | None
    longest_silence: int | None  # open at until: the longest silence so far, current included
    current_silence: int | None  # open at until: how long the current silence has lasted
    created_in_window: bool
    problem_id: int | None = None  # as of until
    work: Working | None = None  # the same in working time (`[hours]`), else None


def close_case_figures(
    window: Window,
    *,
    case_id: int,
    customer_id: int,
    owner: str | None,
    created: int,
    last_at: int,
    due: int | None,
    open_before: int,
    overdue_before: int,
    told: int,
    first_told_at: int | None,
    res_untold: bool,
    resolved_at: int | None,
    silent_since: int | None,
    longest_silence: int,
    problem_id: int | None = None,
    measure: Measure | None = None,
    work_before: tuple[int, int] = (0, 0),
) -> CaseFigures:
    """A case's figures from its last step before `until` and the sums over its earlier stretches
    inside the window (`open_before`, `overdue_before`, and in working time `work_before`); adds
    the stretch from the last step to `until`."""
    s, u = window.s, window.u
    start = max(last_at, s)
    open_seconds, overdue_seconds = open_before, overdue_before
    if due is not None:
        open_seconds += u - start
        overdue_seconds += max(0, u - max(start, due))
    created_in = s <= created < u
    first_response = first_told_at - created if created_in and first_told_at is not None else None
    resolution = resolved_at - created if resolved_at is not None and s <= resolved_at < u else None
    longest = current = None
    if due is not None and silent_since is not None:
        current = u - silent_since
        longest = max(longest_silence, current)
    work = None
    if measure is not None:
        work = Working(
            *carried(measure, u, start, due, *work_before),
            None
            if first_told_at is None or first_response is None
            else measure(created, first_told_at),
            None if resolved_at is None or resolution is None else measure(created, resolved_at),
        )
    return CaseFigures(
        case_id,
        customer_id,
        owner,
        created,
        open_seconds,
        overdue_seconds,
        told,
        first_response,
        resolution,
        due,
        res_untold,
        resolved_at,
        longest,
        current,
        created_in,
        problem_id,
        work,
    )


def summarize_case(
    steps: Sequence[Step], window: Window, measure: Measure | None = None
) -> CaseFigures | None:
    """One case's figures for the window, from all its steps (None if created after `until`);
    with `measure`, also in working time."""
    s, u = window.s, window.u
    before = [step for step in steps if step.at < u]
    if not before:
        return None
    open_before = overdue_before = told = work_open = work_overdue = 0
    first_told_at = None
    for step in before:
        if step.at < s:
            continue
        if step.prev_at is not None and step.prev_due is not None:
            start = max(step.prev_at, s)
            open_before += step.at - start
            overdue_before += max(0, step.at - max(start, step.prev_due))
            if measure is not None:
                work_open += measure(start, step.at)
                work_overdue += max(0, measure(max(start, step.prev_due), step.at))
        if step.kind == EventKind.TOLD.value:
            told += 1
        if step.first_told:
            first_told_at = step.at
    last = before[-1]
    return close_case_figures(
        window,
        case_id=last.case_id,
        customer_id=last.customer_id,
        owner=last.owner,
        created=last.created,
        last_at=last.at,
        due=last.due,
        open_before=open_before,
        overdue_before=overdue_before,
        told=told,
        first_told_at=first_told_at,
        res_untold=last.res_untold,
        resolved_at=last.resolved_at,
        silent_since=last.silent_since,
        longest_silence=last.longest_silence,
        problem_id=last.problem_id,
        measure=measure,
        work_before=(work_open, work_overdue),
    )


# -- the report --------------------------------------------------------------------------------


def percentile_ranks(count: int, p: float) -> tuple[int, int, float]:
    """Where the p-th percentile of `count` ordered values lies: the two 0-based ranks to
    interpolate between, and how far from the first."""
    position = (count - 1) * p / 100
    low = math.floor(position)
    return low, min(low + 1, count - 1), position - low


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile by linear interpolation between closest ranks (numpy's default,
    Excel's PERCENTILE.INC): p=50 is the usual median. None for no values."""
    return _ranked(sorted(values), p)


def _ranked(ordered: Sequence[float], p: float) -> float | None:
    """`percentile` of values already in order."""
    if not ordered:
        return None
    low, high, fraction = percentile_ranks(len(ordered), p)
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def silence_histogram(silences: Sequence[float]) -> list[tuple[str, int]]:
    """How many of the silences fall in each of `SILENCE_BUCKETS`."""
    ordered = sorted(silences)
    histogram, below = [], 0
    for label, bound in SILENCE_BUCKETS:
        upto = bisect_left(ordered, bound)
        histogram.append((label, upto - below))
        below = upto
    return histogram


def weekly_spreads(
    window: Window, first_responses: Iterable[tuple[int, int]]
) -> list[tuple[datetime, Spread]]:
    """First responses (created, seconds) grouped by the week of the window they were created
    in, each week starting at `since` + n weeks."""
    by_week: dict[int, list[float]] = defaultdict(list)
    since = window.s
    for created, seconds in first_responses:
        by_week[(created - since) // (7 * 86400)].append(seconds)
    return [
        (window.since + timedelta(weeks=week), Spread.of(values))
        for week, values in sorted(by_week.items())
    ]


@dataclass(frozen=True, slots=True)
class Spread:
    """How many values, their median and 90th percentile (seconds)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread:
        ordered = sorted(values)
        return cls(len(ordered), _ranked(ordered, 50), _ranked(ordered, 90))

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "median_seconds": self.median, "p90_seconds": self.p90}


@dataclass(frozen=True, slots=True)
class CustomerOverdue:
    customer_id: int
    name: str
    open_seconds: int
    overdue_seconds: int

    @property
    def share(self) -> float:
        return self.overdue_seconds / self.open_seconds if self.open_seconds else 0.0


@dataclass(frozen=True, slots=True)
class CaseLine:
    """One case in a report list (a silence, an untold resolution)."""

    case_id: int
    customer_id: int
    owner: str | None
    seconds: int  # the list's measure: longest silence, or time since resolved
    current_seconds: int | None = None  # silences: the current one
    customer: str = ""  # the customer's name


@dataclass(frozen=True, slots=True)
class AgentLoad:
    """One agent: open cases owned and overdue as of until; events they acted in the window."""

    agent: str
    open_cases: int
    overdue_cases: int
    events: int
    told: int


@dataclass(frozen=True, slots=True)
class Problem:
    problem_id: int
    title: str
    affected_customers: int
    cases: int


@dataclass(frozen=True, slots=True)
class CalendarFigures:
    """The figures a working-time report measures, in calendar time (kept beside them)."""

    first_response: Spread
    resolution: Spread
    open_seconds: int
    overdue_seconds: int

    @property
    def overdue_share(self) -> float | None:
        return self.overdue_seconds / self.open_seconds if self.open_seconds else None


WORKING_TIME, CALENDAR_TIME = "working time", "calendar time"


@dataclass(frozen=True)
class Report:
    """Every figure of `casedesk report`. See the module docstring for the terms."""

    window: Window
    owner: str | None
    cases_existing: int  # created before until (and owned by `owner` as of until, if given)
    cases_open_in_window: int  # open at some moment of the window
    cases_open_at_until: int
    first_response: Spread  # cases created in the window: first told − created
    awaiting_first_response: int  # created in the window, not told anything by until
    resolution: Spread  # resolved in the window (still resolved/closed at until): − created
    told_total: int  # told events in the window on cases open in the window
    told_per_case: Spread  # their count per case open in the window (zeros included)
    told_per_case_mean: float | None
    never_told_in_window: int  # cases open in the window that were told nothing in it
    open_seconds: int  # summed over cases
    overdue_seconds: int
    customers: int  # customers with open time in the window
    customers_overdue: int  # …of whom were overdue for some of it
    customer_share: Spread  # per-customer share of open time overdue (0..1, not seconds)
    worst_customers: list[CustomerOverdue]
    silence: Spread  # longest silence of each case open at until
    silence_histogram: list[tuple[str, int]]
    longest_silences: list[CaseLine]
    resolved_not_told: int  # as of until: resolved, customer not told
    resolved_not_told_cases: list[CaseLine]
    problems: list[Problem] | None  # None until the store has problems (issue 5)
    agents: list[AgentLoad]
    first_response_by_week: list[tuple[datetime, Spread]] = field(default_factory=list)
    # With `[hours]`: first response, resolution, open and overdue time (and so the overdue
    # share) are working time, and `calendar` has them in calendar time. Per-customer shares,
    # silences and ages stay calendar time.
    measured_in: str = CALENDAR_TIME
    calendar: CalendarFigures | None = None

    @property
    def overdue_share(self) -> float | None:
        return self.overdue_seconds / self.open_seconds if self.open_seconds else None


def customer_figures(
    by_customer: Mapping[int, Sequence[int]], top: int
) -> tuple[list[float], list[CustomerOverdue], int]:
    """From each customer's (open, overdue) seconds: every customer's share of open time
    overdue; the `top` customers kept waiting most (all with `top` 0), the largest share first,
    then the most overdue time, then the lowest id; and how many had overdue time at all."""
    shares = [overdue / open_ if open_ else 0.0 for open_, overdue in by_customer.values()]
    ranked = [
        (-overdue / open_, -overdue, customer_id, open_)
        for customer_id, (open_, overdue) in by_customer.items()
        if overdue > 0
    ]
    chosen = heapq.nsmallest(top, ranked) if top > 0 else sorted(ranked)
    worst = [CustomerOverdue(c, "", o, -d) for _, d, c, o in chosen]
    return shares, worst, len(ranked)


class ReportCounts(NamedTuple):
    """The report's plain counts and sums over every case (see `Report` for each)."""

    existing: int
    open_in_window: int
    open_at_until: int
    awaiting_first_response: int
    told_total: int
    never_told_in_window: int
    open_seconds: int
    overdue_seconds: int
    resolved_not_told: int


def make_report(
    window: Window,
    *,
    owner: str | None,
    top: int,
    counts: ReportCounts,
    first_response: Spread,
    first_response_by_week: list[tuple[datetime, Spread]],
    resolutions: Sequence[float],
    told_counts: Sequence[float],
    customer_shares: Sequence[float],
    customers_overdue: int,
    worst: list[CustomerOverdue],
    silence: Spread,
    histogram: list[tuple[str, int]],
    longest: list[CaseLine],
    untold: list[CaseLine],
    owned: Mapping[str, tuple[int, int]],
    customer_names: Callable[[set[int]], Mapping[int, str]] | None = None,
    agent_events: Mapping[str, tuple[int, int]] | None = None,
    problems: list[Problem] | None = None,
    work: WorkingTotals | None = None,
    weekly: bool = True,
) -> Report:
    """The report from what both paths (Python and SQL) gather: counts, spreads, the values
    behind the others, the already ordered and limited lists (names are filled in here), and
    per-owner open/overdue counts. All in calendar time; with `work` (the policy has
    `[hours]`), first response, resolution and open/overdue time are given in working time,
    the calendar ones beside them. `weekly=False`: no first response per week."""
    calendar = None
    if work is not None:
        calendar = CalendarFigures(
            first_response,
            Spread.of(resolutions),
            counts.open_seconds,
            counts.overdue_seconds,
        )
        first_response = Spread.of([seconds for _, seconds in work.first_responses])
        first_response_by_week = weekly_spreads(window, work.first_responses)
        resolutions = work.resolutions
        counts = counts._replace(
            open_seconds=work.open_seconds, overdue_seconds=work.overdue_seconds
        )
    if not weekly:
        first_response_by_week = []

    def limited(items: list[Any]) -> list[Any]:
        return items if top <= 0 else items[:top]

    shown = limited(worst)
    wanted = {c.customer_id for c in shown} | {line.customer_id for line in (*longest, *untold)}
    names = customer_names(wanted) if customer_names and wanted else {}

    def named(line: CaseLine) -> CaseLine:
        return replace(line, customer=names.get(line.customer_id, ""))

    acted = agent_events or {}
    agents = sorted(set(owned) | {a for a, (n, _) in acted.items() if n})
    if owner is not None:
        agents = [owner]
    return Report(
        window=window,
        owner=owner,
        cases_existing=counts.existing,
        cases_open_in_window=counts.open_in_window,
        cases_open_at_until=counts.open_at_until,
        first_response=first_response,
        awaiting_first_response=counts.awaiting_first_response,
        resolution=Spread.of(resolutions),
        told_total=counts.told_total,
        told_per_case=Spread.of(told_counts),
        told_per_case_mean=counts.told_total / counts.open_in_window
        if counts.open_in_window
        else None,
        never_told_in_window=counts.never_told_in_window,
        open_seconds=counts.open_seconds,
        overdue_seconds=counts.overdue_seconds,
        customers=len(customer_shares),
        customers_overdue=customers_overdue,
        customer_share=Spread.of(customer_shares),
        worst_customers=[replace(c, name=names.get(c.customer_id, "")) for c in shown],
        silence=silence,
        silence_histogram=histogram,
        longest_silences=[named(line) for line in longest],
        resolved_not_told=counts.resolved_not_told,
        resolved_not_told_cases=[named(line) for line in untold],
        problems=problems,
        agents=[AgentLoad(a, *owned.get(a, (0, 0)), *acted.get(a, (0, 0))) for a in agents],
        first_response_by_week=first_response_by_week,
        measured_in=CALENDAR_TIME if calendar is None else WORKING_TIME,
        calendar=calendar,
    )


class WorkingTotals:
    """Gathers the working-time figures of the cases in a report (both paths use it)."""

    def __init__(self) -> None:
        self.first_responses: list[tuple[int, int]] = []  # (created, seconds)
        self.resolutions: list[float] = []
        self.open_seconds = self.overdue_seconds = 0

    def add(self, created: int, work: Working, open_in_window: bool) -> None:
        if work.first_response is not None:
            self.first_responses.append((created, work.first_response))
        if work.resolution is not None:
            self.resolutions.append(work.resolution)
        if open_in_window:
            self.open_seconds += work.open_seconds
            self.overdue_seconds += work.overdue_seconds


def assemble(
    figures: Iterable[CaseFigures],
    window: Window,
    *,
    owner: str | None = None,
    top: int = 10,
    working: bool = False,
    **sources: Any,
) -> Report:
    """The report from every case's figures, in Python (the reference the SQL path must match).
    `working`: the figures carry working time (`CaseFigures.work`), which the report then gives
    first, with calendar time beside it.

    `sources` are passed on to `make_report`: `customer_names`, `agent_events`; and
    `problem_titles`, every problem that existed at `until` (id → title; None: the store has no
    problems), from which the problems by affected count are made.
    """
    u = window.u
    counts = dict.fromkeys(ReportCounts._fields, 0)
    first_responses: list[tuple[int, int]] = []
    resolutions: list[float] = []
    told_counts: list[float] = []
    silences: list[float] = []
    by_customer: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    untold: list[CaseFigures] = []
    silent: list[CaseFigures] = []
    owned: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    linked: dict[int, tuple[set[int], list[int]]] = defaultdict(lambda: (set(), []))
    work = WorkingTotals()
    for f in figures:
        if owner is not None and f.owner != owner:
            continue
        counts["existing"] += 1
        if f.work is not None:
            work.add(f.created, f.work, f.open_seconds > 0)
        if f.problem_id is not None:
            linked[f.problem_id][0].add(f.customer_id)
            linked[f.problem_id][1].append(f.case_id)
        if f.first_response is not None:
            first_responses.append((f.created, f.first_response))
        elif f.created_in_window:
            counts["awaiting_first_response"] += 1
        if f.resolution is not None:
            resolutions.append(f.resolution)
        if f.open_seconds > 0:
            counts["open_in_window"] += 1
            counts["told_total"] += f.told
            told_counts.append(f.told)
            counts["never_told_in_window"] += f.told == 0
            totals = by_customer[f.customer_id]
            totals[0] += f.open_seconds
            totals[1] += f.overdue_seconds
            counts["open_seconds"] += f.open_seconds
            counts["overdue_seconds"] += f.overdue_seconds
        if f.due is not None:
            counts["open_at_until"] += 1
            if f.longest_silence is not None:
                silences.append(f.longest_silence)
                silent.append(f)
            if f.owner:
                load = owned[f.owner]
                load[0] += 1
                load[1] += f.due <= u
        if f.res_untold:
            counts["resolved_not_told"] += 1
            untold.append(f)
    silent.sort(key=lambda f: (-(f.longest_silence or 0), f.case_id))
    untold.sort(key=lambda f: (f.resolved_at or 0, f.case_id))
    shares, worst, kept_waiting = customer_figures(by_customer, top)
    if top > 0:
        silent, untold = silent[:top], untold[:top]
    titles = sources.pop("problem_titles", None)
    if titles is not None:
        problems = [
            Problem(pid, title, len(linked[pid][0]), len(linked[pid][1]))
            for pid, title in titles.items()
        ]
        problems.sort(key=lambda p: (-p.affected_customers, -p.cases, p.problem_id))
        sources["problems"] = problems[:top] if top > 0 else problems
    return make_report(
        window,
        owner=owner,
        top=top,
        counts=ReportCounts(**counts),
        first_response=Spread.of([seconds for _, seconds in first_responses]),
        first_response_by_week=weekly_spreads(window, first_responses),
        resolutions=resolutions,
        told_counts=told_counts,
        customer_shares=shares,
        customers_overdue=kept_waiting,
        worst=worst,
        silence=Spread.of(silences),
        histogram=silence_histogram(silences),
        longest=[
            CaseLine(f.case_id, f.customer_id, f.owner, f.longest_silence or 0, f.current_silence)
            for f in silent
        ],
        untold=[
            CaseLine(f.case_id, f.customer_id, f.owner, u - (f.resolved_at or u)) for f in untold
        ],
        owned={a: (n, o) for a, (n, o) in owned.items()},
        work=work if working else None,
        **sources,
    )


def report_from_events(
    histories: Iterable[Sequence[Event]],
    policy: Policy,
    window: Window,
    **kwargs: Any,
) -> Report:
    """The whole report straight from the event log (every case's events, oldest first).

    The reference computation: fine for small stores and tests; the store aggregates the same
    steps in SQL for large ones.
    """
    measure = measure_of(policy)
    figures = []
    for events in histories:
        found = summarize_case(list(case_steps(events, policy)), window, measure)
        if found is not None:
            figures.append(found)
    return assemble(figures, window, working=measure is not None, **kwargs)
