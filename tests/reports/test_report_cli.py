"""`casedesk report` on the hand-built store: terminal, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from casedesk.cli.report import parse_past, report_window
from casedesk.core.errors import InvalidInput

from .conftest import Built, H

pytestmark = pytest.mark.both_engines


def window_args(built: Built, start: float = 0, end: float = 240) -> list[str]:
    return ["--since", built.at(start).isoformat(), "--until", built.at(end).isoformat()]


def test_json_carries_every_figure(built, cli):
    result = cli("report", *window_args(built), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["window"] == {
        "since": "2026-11-23T09:00:00+00:00",
        "until": "2026-12-03T09:00:00+00:00",
    }
    assert data["cases"] == {"existing": 5, "open_in_window": 4, "open_at_until": 3}
    assert data["first_response"] == {
        "count": 2,
        "median_seconds": 2.5 * H,
        "p90_seconds": pytest.approx(2.9 * H),
        "awaiting": 1,
    }
    assert data["resolution"]["count"] == 2
    assert data["resolution"]["median_seconds"] == 55 * H
    assert data["updates_told"]["told"] == 4
    assert data["updates_told"]["per_case_mean"] == 1.0
    assert data["updates_told"]["cases_told_nothing"] == 1
    overdue = data["overdue"]
    assert (overdue["open_seconds"], overdue["overdue_seconds"]) == (620 * H, 447 * H)
    assert overdue["share"] == pytest.approx(447 / 620)
    assert [c["name"] for c in overdue["worst_customers"]] == [
        "Ben Okafor",
        "Cara Nguyen",
        "Ann Smith",
    ]
    assert [(s["case_id"], s["longest_seconds"]) for s in data["silence"]["longest"]] == [
        (4, 239 * H),
        (2, 220 * H),
        (5, 37 * H),
    ]
    assert {b["bucket"]: b["cases"] for b in data["silence"]["histogram"]}["1-2w"] == 2
    assert data["resolved_not_told"] == {
        "count": 1,
        "cases": [
            {
                "case_id": 5,
                "customer": "Cara Nguyen",
                "owner": "bob",
                "resolved_seconds_ago": 30 * H,
            }
        ],
    }
    assert data["problems"] == []
    assert data["agents"] == [
        {"agent": "ann", "open_cases": 2, "overdue_cases": 2, "events": 5, "told": 1},
        {"agent": "bob", "open_cases": 1, "overdue_cases": 1, "events": 8, "told": 3},
    ]


def test_owner_and_top_options(built, cli):
    result = cli("report", *window_args(built), "--owner", "bob", "--top", "1", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["owner"] == "bob"
    assert data["cases"]["existing"] == 2
    assert len(data["overdue"]["worst_customers"]) == 1
    assert data["overdue"]["customers"] == 2  # the totals still count everyone


def test_csv_is_long_format_for_spreadsheets(built, cli):
    result = cli("report", *window_args(built), "--csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["section", "subject", "metric", "value"]
    cells = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert cells[("first_response", "", "count")] == "2"
    assert cells[("first_response", "", "awaiting")] == "1"
    assert cells[("overdue", "", "overdue_seconds")] == str(447 * H)
    assert cells[("overdue_customer", "customer #3 Ben Okafor", "overdue_seconds")] == str(235 * H)
    assert cells[("silence_case", "case #4", "longest_seconds")] == str(239 * H)
    assert cells[("resolved_not_told", "", "count")] == "1"
    assert cells[("agent", "bob", "events")] == "8"
    assert cells[("silence_histogram", "1-2w", "cases")] == "2"


def test_terminal_tables(built, cli):
    result = cli("report", *window_args(built))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Report 2026-11-23 09:00 → 2026-12-03 09:00" in out
    assert "2 of the cases created answered: median 2h 30m, p90 2h 54m; 1 not answered" in out
    assert "72.1% of open time overdue" in out
    for text in ("Ben Okafor", "Customers most kept waiting", "Load per agent", "9d 23h"):
        assert text in out


def test_customer_text_is_shown_literally(desk, clock, cli):
    desk.new_case("[bold red]Eve[/] <eve@example.com>", "Printer \x1b[31mjam")
    clock.advance(hours=30)
    result = cli("report")
    assert result.exit_code == 0, result.stderr
    assert "[bold red]Eve[/]" in result.stdout
    assert "\x1b" not in result.stdout


def test_both_json_and_csv_is_refused(built, cli):
    result = cli("report", "--json", "--csv")
    assert result.exit_code == 1
    assert "choose one of --json and --csv" in result.stderr


def test_window_must_run_forwards(built, cli):
    result = cli("report", "--since", "+1d")
    assert result.exit_code == 1
    assert "must be before --until" in result.stderr


def test_past_offsets(clock):
    now = clock.now
    assert parse_past("-30d", now) == now - timedelta(days=30)
    assert parse_past("2w ago", now) == now - timedelta(weeks=2)
    assert parse_past("-1d12h", now) == now - timedelta(hours=36)
    assert parse_past("2026-11-01", now).isoformat() == "2026-11-01T00:00:00+00:00"
    with pytest.raises(InvalidInput, match="-30d"):
        parse_past("-soon", now)


def test_default_window_is_the_last_30_days(clock):
    window = report_window(None, None, clock.now)
    assert (window.since, window.until) == (clock.now - timedelta(days=30), clock.now)
    window = report_window("-7d", "-1d", clock.now)
    assert window.until - window.since == timedelta(days=6)
