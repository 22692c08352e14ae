"""`casedesk report`: how customers are being treated, as numbers (terminal, JSON or CSV)."""

from __future__ import annotations

import csv
import re
import sys
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from casedesk.cli.app import app
from casedesk.cli.common import AsOption, DbOption, JsonOption, console, open_desk, print_json
from casedesk.cli.render import plain_text as plain
from casedesk.core.clock import to_local_text
from casedesk.core.errors import InvalidInput
from casedesk.core.reports import Report, Spread, Window
from casedesk.core.rules import humanize
from casedesk.core.when import ACCEPTED, parse_when

DEFAULT_SPAN = timedelta(days=30)
_PAST = re.compile(r"^\s*(?:-|)((?:\s*\d+\s*(?:min|m|h|d|w)\s*)+?)(?:\s+ago)?\s*$")
_PAST_PART = re.compile(r"(\d+)\s*(min|m|h|d|w)")
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
PAST_ACCEPTED = "-30d, -2w, -1d12h or '30d ago' (that long before now), " + ACCEPTED


def parse_past(text: str, now: datetime) -> datetime:
    """A WHEN for a report: past offsets ('-30d', '2w ago') or anything `parse_when` reads."""
    raw = text.strip().lower()
    if raw.startswith("-") or raw.endswith(" ago"):
        match = _PAST.match(raw)
        if not match:
            raise InvalidInput(f"cannot read {text!r} as a time; use {PAST_ACCEPTED}")
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _PAST_PART.findall(match.group(1)))
        return now - timedelta(seconds=seconds)
    try:
        return parse_when(text, now)
    except InvalidInput:
        raise InvalidInput(f"cannot read {text!r} as a time; use {PAST_ACCEPTED}") from None


def report_window(since: str | None, until: str | None, now: datetime) -> Window:
    """The window the options name: by default the 30 days up to now."""
    end = parse_past(until, now) if until else now
    start = parse_past(since, now) if since else end - DEFAULT_SPAN
    if start >= end:
        raise InvalidInput(
            f"--since ({to_local_text(start)}) must be before --until ({to_local_text(end)})"
        )
    return Window(start, end)


@app.command()
def report(
    since: Annotated[
        str | None,
        typer.Option(
            help="Window start (default: 30 days before --until), e.g. -30d, 2026-11-01.",
            metavar="WHEN",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            help="Window end, not included (default: now).", metavar="WHEN", show_default=False
        ),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(
            help="Only cases this agent owns (as of the window's end).",
            metavar="AGENT",
            show_default=False,
        ),
    ] = None,
    top: Annotated[
        int, typer.Option(help="Rows in each list (0: all); the totals always count all.", min=0)
    ] = 10,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
    csv_: Annotated[bool, typer.Option("--csv", help="Print CSV for spreadsheets.")] = False,
) -> None:
    """How customers are being treated: response and resolution times, updates, overdue time,
    silences, untold resolutions and load per agent, from the event log."""
    if json_ and csv_:
        raise InvalidInput("choose one of --json and --csv")
    from casedesk.store.reports import build_report

    with open_desk(db, as_, existing=True) as desk:
        window = report_window(since, until, desk.now())
        result = build_report(
            desk.store,
            desk.policy,
            window,
            owner=owner,
            top=top,
            weekly=False,
            progress=_progress(),
        )
    if json_:
        print_json(report_json(result))
    elif csv_:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["section", "subject", "metric", "value"])
        writer.writerows(report_rows(result))
    else:
        console().print(report_renderable(result))


def _progress() -> Any:
    """Tell the user when the report has to fold much of the event log into report steps (a
    store never reported on by this casedesk, or a policy change): once, with how far it got."""
    said = False
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        nonlocal said
        if total < 5_000:
            return
        if not said:
            sys.stderr.write(
                f"casedesk: folding the events of {total} cases into report steps "
                "(once; later reports are fast)\n"
            )
            said = True
        if tty:
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\r  {done:,} of {total:,} cases{end}")
            sys.stderr.flush()

    return progress


# -- JSON -------------------------------------------------------------------------------------


def _spread(spread: Spread) -> dict[str, Any]:
    return spread.to_json()


def report_json(r: Report) -> dict[str, Any]:
    """The `--json` contract: seconds for durations, local ISO times, shares as 0..1."""
    u = r.window.until
    calendar = r.calendar
    return {
        "window": {"since": to_local_text(r.window.since), "until": to_local_text(u)},
        "owner": r.owner,
        "measured_in": r.measured_in,
        # With [hours]: first_response, resolution and the overdue share above are working
        # time; the same in calendar time.
        "calendar_time": None
        if calendar is None
        else {
            "first_response": _spread(calendar.first_response),
            "resolution": _spread(calendar.resolution),
            "open_seconds": calendar.open_seconds,
            "overdue_seconds": calendar.overdue_seconds,
            "overdue_share": calendar.overdue_share,
        },
        "cases": {
            "existing": r.cases_existing,
            "open_in_window": r.cases_open_in_window,
            "open_at_until": r.cases_open_at_until,
        },
        "first_response": {
            **_spread(r.first_response),
            "awaiting": r.awaiting_first_response,
        },
        "resolution": _spread(r.resolution),
        "updates_told": {
            "told": r.told_total,
            "cases": r.told_per_case.count,
            "per_case_mean": r.told_per_case_mean,
            "per_case_median": r.told_per_case.median,
            "per_case_p90": r.told_per_case.p90,
            "cases_told_nothing": r.never_told_in_window,
        },
        "overdue": {
            "open_seconds": r.open_seconds,
            "overdue_seconds": r.overdue_seconds,
            "share": r.overdue_share,
            "customers": r.customers,
            "customers_overdue": r.customers_overdue,
            "customer_share_median": r.customer_share.median,
            "customer_share_p90": r.customer_share.p90,
            "worst_customers": [
                {
                    "customer_id": c.customer_id,
                    "name": c.name,
                    "open_seconds": c.open_seconds,
                    "overdue_seconds": c.overdue_seconds,
                    "share": c.share,
                }
                for c in r.worst_customers
            ],
        },
        "silence": {
            **_spread(r.silence),
            "histogram": [{"bucket": label, "cases": n} for label, n in r.silence_histogram],
            "longest": [
                {
                    "case_id": line.case_id,
                    "customer": line.customer,
                    "owner": line.owner,
                    "longest_seconds": line.seconds,
                    "current_seconds": line.current_seconds,
                }
                for line in r.longest_silences
            ],
        },
        "resolved_not_told": {
            "count": r.resolved_not_told,
            "cases": [
                {
                    "case_id": line.case_id,
                    "customer": line.customer,
                    "owner": line.owner,
                    "resolved_seconds_ago": line.seconds,
                }
                for line in r.resolved_not_told_cases
            ],
        },
        "problems": None
        if r.problems is None
        else [
            {
                "problem_id": p.problem_id,
                "title": p.title,
                "affected_customers": p.affected_customers,
                "cases": p.cases,
            }
            for p in r.problems
        ],
        "agents": [
            {
                "agent": a.agent,
                "open_cases": a.open_cases,
                "overdue_cases": a.overdue_cases,
                "events": a.events,
                "told": a.told,
            }
            for a in r.agents
        ],
    }


# -- CSV --------------------------------------------------------------------------------------


def report_rows(r: Report) -> list[list[Any]]:
    """Long format for spreadsheets (pivot on section/metric): section, subject, metric, value."""
    data = report_json(r)
    rows: list[list[Any]] = [
        ["window", "", "since", data["window"]["since"]],
        ["window", "", "until", data["window"]["until"]],
        ["window", "", "owner", r.owner or ""],
    ]
    rows.append(["window", "", "measured_in", r.measured_in])
    for section in ("cases", "first_response", "resolution", "updates_told"):
        rows += [[section, "", k, _cell(v)] for k, v in data[section].items()]
    for key, value in (data["calendar_time"] or {}).items():
        values = value.items() if isinstance(value, dict) else [("value", value)]
        rows += [["calendar_time", key, k, _cell(v)] for k, v in values]
    overdue = {k: v for k, v in data["overdue"].items() if k != "worst_customers"}
    rows += [["overdue", "", k, _cell(v)] for k, v in overdue.items()]
    for c in data["overdue"]["worst_customers"]:
        subject = f"customer #{c['customer_id']} {c['name']}"
        rows += [
            ["overdue_customer", subject, k, _cell(c[k])]
            for k in ("open_seconds", "overdue_seconds", "share")
        ]
    silence = {k: v for k, v in data["silence"].items() if k not in ("histogram", "longest")}
    rows += [["silence", "", k, _cell(v)] for k, v in silence.items()]
    rows += [
        ["silence_histogram", b["bucket"], "cases", b["cases"]]
        for b in data["silence"]["histogram"]
    ]
    for line in data["silence"]["longest"]:
        subject = f"case #{line['case_id']}"
        rows += [
            ["silence_case", subject, k, _cell(line[k])]
            for k in ("customer", "owner", "longest_seconds", "current_seconds")
        ]
    rows.append(["resolved_not_told", "", "count", r.resolved_not_told])
    for line in data["resolved_not_told"]["cases"]:
        subject = f"case #{line['case_id']}"
        rows += [
            ["resolved_not_told_case", subject, k, _cell(line[k])]
            for k in ("customer", "owner", "resolved_seconds_ago")
        ]
    if r.problems is None:
        rows.append(["problems", "", "available", "no"])
    for p in data["problems"] or []:
        subject = f"problem #{p['problem_id']} {p['title']}"
        rows += [["problem", subject, k, p[k]] for k in ("affected_customers", "cases")]
    for a in data["agents"]:
        rows += [
            ["agent", a["agent"], k, a[k]]
            for k in ("open_cases", "overdue_cases", "events", "told")
        ]
    return rows


def _cell(value: Any) -> Any:
    return "" if value is None else value


# -- terminal ---------------------------------------------------------------------------------


def _duration(seconds: float | None) -> str:
    return "—" if seconds is None else humanize(timedelta(seconds=round(seconds)))


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _spread_text(spread: Spread) -> str:
    return f"median {_duration(spread.median)}, p90 {_duration(spread.p90)}"


def report_renderable(r: Report) -> Group:
    since, until = r.window.since.astimezone(), r.window.until.astimezone()
    head = Text(f"Report {since:%Y-%m-%d %H:%M} → {until:%Y-%m-%d %H:%M}", style="bold")
    head.append(" (end not included), ")
    head.append("all owners" if r.owner is None else "cases owned by ")
    if r.owner is not None:
        head.append(plain(r.owner))
    if r.calendar is not None:
        head.append("; first response, resolution and overdue share in working time")

    summary = Table(box=None, pad_edge=False, show_header=False)
    summary.add_column(style="bold", no_wrap=True)
    summary.add_column()
    summary.add_row(
        "Cases",
        f"{r.cases_existing} existing, {r.cases_open_in_window} open during the window, "
        f"{r.cases_open_at_until} open at its end",
    )
    calendar = r.calendar
    summary.add_row(
        "First response",
        f"{r.first_response.count} of the cases created answered: "
        f"{_spread_text(r.first_response)}; {r.awaiting_first_response} not answered"
        + ("" if calendar is None else f" (calendar: {_spread_text(calendar.first_response)})"),
    )
    summary.add_row(
        "Time to resolution",
        f"{r.resolution.count} resolved: {_spread_text(r.resolution)}"
        + ("" if calendar is None else f" (calendar: {_spread_text(calendar.resolution)})"),
    )
    mean = "—" if r.told_per_case_mean is None else f"{r.told_per_case_mean:.1f}"
    median = "—" if r.told_per_case.median is None else f"{r.told_per_case.median:g}"
    summary.add_row(
        "Updates told",
        f"{r.told_total} on {r.told_per_case.count} open cases: {mean} per case "
        f"(median {median}); {r.never_told_in_window} cases told nothing",
    )
    summary.add_row(
        "Overdue",
        f"{_share(r.overdue_share)} of open time overdue for an update"
        + ("" if calendar is None else f" (calendar: {_share(calendar.overdue_share)})")
        + "; "
        f"{r.customers_overdue} of {r.customers} customers kept waiting "
        f"(median customer {_share(r.customer_share.median)}, "
        f"p90 {_share(r.customer_share.p90)})",
    )
    summary.add_row(
        "Longest silence",
        f"{r.silence.count} open cases: {_spread_text(r.silence)}",
    )
    summary.add_row("Resolved, not told", str(r.resolved_not_told))
    summary.add_row(
        "Problems",
        "not tracked in this store yet" if r.problems is None else f"{len(r.problems)} problems",
    )
    parts: list[Any] = [head, Text(""), summary]

    if r.worst_customers:
        table = _table(
            "Customers most kept waiting", "customer", "overdue", "open, all cases", "share"
        )
        for c in r.worst_customers:
            table.add_row(
                Text(f"#{c.customer_id} ").append(plain(c.name, 30)),
                _duration(c.overdue_seconds),
                _duration(c.open_seconds),
                _share(c.share),
            )
        parts += [Text(""), table]
    if r.longest_silences:
        table = _table(
            "Longest silences (open cases)", "case", "customer", "owner", "longest", "now"
        )
        for line in r.longest_silences:
            table.add_row(
                f"#{line.case_id}",
                plain(line.customer, 30),
                plain(line.owner or "—", 14),
                _duration(line.seconds),
                _duration(line.current_seconds),
            )
        parts += [Text(""), table]
    if r.resolved_not_told_cases:
        table = _table("Resolved but the customer not told", "case", "customer", "owner", "since")
        for line in r.resolved_not_told_cases:
            table.add_row(
                f"#{line.case_id}",
                plain(line.customer, 30),
                plain(line.owner or "—", 14),
                _duration(line.seconds),
            )
        parts += [Text(""), table]
    if r.problems:
        table = _table("Problems by affected customers", "problem", "customers", "cases")
        for p in r.problems:
            table.add_row(
                Text(f"#{p.problem_id} ").append(plain(p.title, 40)),
                str(p.affected_customers),
                str(p.cases),
            )
        parts += [Text(""), table]
    if r.agents:
        table = _table("Load per agent", "agent", "open cases", "overdue", "events", "told")
        for a in r.agents:
            table.add_row(
                plain(a.agent, 20),
                str(a.open_cases),
                str(a.overdue_cases),
                str(a.events),
                str(a.told),
            )
        parts += [Text(""), table]
    return Group(*parts)


_NUMBERS = {"overdue", "open, all cases", "share", "longest", "now", "since", "customers", "cases"}
_NUMBERS |= {"open cases", "events", "told"}


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None, pad_edge=False)
    for name in columns:
        justify = "right" if name in _NUMBERS else "left"
        table.add_column(name, justify=justify, overflow="ellipsis", no_wrap=True)
    return table
