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
`rules.next_update_due`, into `Step`s (the case's report-relevant state right after each event).
Steps are append-only like the events, so the store keeps them (`store/reports.py`) and a report
is an aggregation over them; `summarize_case` is the same aggregation in Python, used for small
stores and to check the SQL.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from casedesk.model import CaseState, Event, EventKind, Status
from casedesk.projection import apply
from casedesk.rules import next_update_due

if TYPE_CHECKING:
    from casedesk.policy import Policy

# Silence histogram buckets: (label, upper bound in seconds, exclusive).
SILENCE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 1d", 86400),
    ("1-3d", 3 * 86400),
    ("3-7d", 7 * 86400),
    ("1-2w", 14 * 86400),
    ("2-4w", 28 * 86400),
    ("4w+", math.inf),
)


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
    this one the due time was `prev_due` (None: nothing owed). Storing them on the later event
    keeps steps immutable once written, like the events they come from.
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


def case_steps(events: Iterable[Event], policy: Policy) -> Iterator[Step]:
    """Fold one case's events (oldest first) into steps, with the same projection and rules as
    the desk uses, so the reports agree with what the queue said at every moment."""
    state: CaseState | None = None
    prev_at: int | None = None
    prev_due: int | None = None
    told_before = False
    silent_since: int | None = None
    longest = 0
    for event in events:
        at = epoch(event.at)
        kind = event.kind
        if kind is EventKind.NOTE and state is not None:
            due = prev_due  # a note changes nothing the rules read
        else:
            state = apply(state, event)
            found = next_update_due(state, policy)
            due = epoch(found.at) if found is not None else None
        assert state is not None
        first_told = kind is EventKind.TOLD and not told_before
        told_before = told_before or kind is EventKind.TOLD
        if kind is EventKind.TOLD or due is None:
            if silent_since is not None:
                longest = max(longest, at - silent_since)
            silent_since = at if due is not None else None
        elif silent_since is None:
            silent_since = at
        yield Step(
            case_id=event.case_id,
            event_id=event.id or 0,
            customer_id=state.customer_id,
            created=epoch(state.created_at),
            at=at,
            prev_at=prev_at,
            prev_due=prev_due,
            due=due,
            kind=kind.value,
            actor=event.actor,
            owner=state.owner,
            res_untold=state.status is Status.RESOLVED and not state.resolution_told,
            resolved_at=epoch(state.resolved_at) if state.resolved_at else None,
            first_told=first_told,
            silent_since=silent_since,
            longest_silence=longest,
        )
        prev_at, prev_due = at, due


# -- per case: the figures of one case in a window ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseFigures:
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

    @property
    def open_at_until(self) -> bool:
        return self.due is not None


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
) -> CaseFigures:
    """A case's figures from its last step before `until` and the sums over its earlier stretches
    inside the window (`open_before`, `overdue_before`); adds the stretch from the last step to
    `until`. Shared by the Python and the SQL path so both close the window the same way."""
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
    return CaseFigures(
        case_id=case_id,
        customer_id=customer_id,
        owner=owner,
        created=created,
        open_seconds=open_seconds,
        overdue_seconds=overdue_seconds,
        told=told,
        first_response=first_response,
        resolution=resolution,
        due=due,
        res_untold=res_untold,
        resolved_at=resolved_at,
        longest_silence=longest,
        current_silence=current,
        created_in_window=created_in,
    )


def summarize_case(steps: Sequence[Step], window: Window) -> CaseFigures | None:
    """One case's figures for the window, from all its steps (None if created after `until`)."""
    s, u = window.s, window.u
    before = [step for step in steps if step.at < u]
    if not before:
        return None
    open_before = overdue_before = told = 0
    first_told_at = None
    for step in before:
        if step.at < s:
            continue
        if step.prev_at is not None and step.prev_due is not None:
            start = max(step.prev_at, s)
            open_before += step.at - start
            overdue_before += max(0, step.at - max(start, step.prev_due))
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
    )


# -- the report --------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile by linear interpolation between closest ranks (numpy's default,
    Excel's PERCENTILE.INC): p=50 is the usual median. None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Spread:
    """How many values, their median and 90th percentile (seconds)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(len(values), percentile(values, 50), percentile(values, 90))

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
    customer: str
    owner: str | None
    seconds: int  # the list's measure: longest silence, or time since resolved
    current_seconds: int | None = None  # silences: the current one


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

    @property
    def overdue_share(self) -> float | None:
        return self.overdue_seconds / self.open_seconds if self.open_seconds else None


def assemble(
    figures: Iterable[CaseFigures],
    window: Window,
    *,
    owner: str | None = None,
    customer_names: Callable[[set[int]], Mapping[int, str]] | None = None,
    agent_events: Mapping[str, tuple[int, int]] | None = None,
    problems: list[Problem] | None = None,
    top: int = 10,
) -> Report:
    """The report from every case's figures.

    `customer_names` is asked once for the names of the customers that end up in a list (so a
    store fetches only those); `agent_events` maps an agent to (events acted, told) in the window.
    `top` limits the lists (0: no limit); the summary figures always cover every case.
    """
    u = window.u
    existing = open_in = open_at = awaiting = told_total = never_told = 0
    open_total = overdue_total = 0
    first_responses: list[float] = []
    resolutions: list[float] = []
    told_counts: list[float] = []
    silences: list[float] = []
    by_customer: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_week: dict[int, list[float]] = defaultdict(list)
    untold: list[CaseFigures] = []
    silent: list[CaseFigures] = []
    owned: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in figures:
        if owner is not None and f.owner != owner:
            continue
        existing += 1
        if f.first_response is not None:
            first_responses.append(f.first_response)
            by_week[(f.created - window.s) // (7 * 86400)].append(f.first_response)
        elif f.created_in_window:
            awaiting += 1
        if f.resolution is not None:
            resolutions.append(f.resolution)
        if f.open_seconds > 0:
            open_in += 1
            told_total += f.told
            told_counts.append(f.told)
            never_told += f.told == 0
            totals = by_customer[f.customer_id]
            totals[0] += f.open_seconds
            totals[1] += f.overdue_seconds
            open_total += f.open_seconds
            overdue_total += f.overdue_seconds
        if f.due is not None:
            open_at += 1
            if f.longest_silence is not None:
                silences.append(f.longest_silence)
                silent.append(f)
            if f.owner:
                load = owned[f.owner]
                load[0] += 1
                load[1] += f.due <= u
        if f.res_untold:
            untold.append(f)

    def limited(items: list[Any]) -> list[Any]:
        return items if top <= 0 else items[:top]

    customers = [
        CustomerOverdue(cid, "", open_s, over_s) for cid, (open_s, over_s) in by_customer.items()
    ]
    customers.sort(key=lambda c: (-c.share, -c.overdue_seconds, c.customer_id))
    silent.sort(key=lambda f: (-(f.longest_silence or 0), f.case_id))
    untold.sort(key=lambda f: (f.resolved_at or 0, f.case_id))
    shown_customers = limited([c for c in customers if c.overdue_seconds > 0])
    shown_silent, shown_untold = limited(silent), limited(untold)
    wanted = {c.customer_id for c in shown_customers}
    wanted |= {f.customer_id for f in (*shown_silent, *shown_untold)}
    names = customer_names(wanted) if customer_names and wanted else {}
    worst = [
        CustomerOverdue(
            c.customer_id, names.get(c.customer_id, ""), c.open_seconds, c.overdue_seconds
        )
        for c in shown_customers
    ]
    longest = [
        CaseLine(
            f.case_id,
            names.get(f.customer_id, ""),
            f.owner,
            f.longest_silence or 0,
            f.current_silence,
        )
        for f in shown_silent
    ]
    untold_lines = [
        CaseLine(f.case_id, names.get(f.customer_id, ""), f.owner, u - (f.resolved_at or u))
        for f in shown_untold
    ]
    histogram = [(label, 0) for label, _ in SILENCE_BUCKETS]
    for seconds in silences:
        index = next(i for i, (_, bound) in enumerate(SILENCE_BUCKETS) if seconds < bound)
        histogram[index] = (histogram[index][0], histogram[index][1] + 1)
    acted = agent_events or {}
    agents = sorted(set(owned) | {a for a, (n, _) in acted.items() if n})
    if owner is not None:
        agents = [owner]
    return Report(
        window=window,
        owner=owner,
        cases_existing=existing,
        cases_open_in_window=open_in,
        cases_open_at_until=open_at,
        first_response=Spread.of(first_responses),
        awaiting_first_response=awaiting,
        resolution=Spread.of(resolutions),
        told_total=told_total,
        told_per_case=Spread.of(told_counts),
        told_per_case_mean=told_total / open_in if open_in else None,
        never_told_in_window=never_told,
        open_seconds=open_total,
        overdue_seconds=overdue_total,
        customers=len(customers),
        customers_overdue=sum(1 for c in customers if c.overdue_seconds > 0),
        customer_share=Spread.of([c.share for c in customers]),
        worst_customers=worst,
        silence=Spread.of(silences),
        silence_histogram=histogram,
        longest_silences=longest,
        resolved_not_told=len(untold),
        resolved_not_told_cases=untold_lines,
        problems=problems,
        agents=[
            AgentLoad(
                a,
                owned.get(a, [0, 0])[0],
                owned.get(a, [0, 0])[1],
                acted.get(a, (0, 0))[0],
                acted.get(a, (0, 0))[1],
            )
            for a in agents
        ],
        first_response_by_week=[
            (window.since + timedelta(weeks=week), Spread.of(values))
            for week, values in sorted(by_week.items())
        ],
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
    figures = []
    for events in histories:
        found = summarize_case(list(case_steps(events, policy)), window)
        if found is not None:
            figures.append(found)
    return assemble(figures, window, **kwargs)
