"""With `[hours]`, first response, resolution and the overdue share are measured in working time,
with calendar time beside them: a store built by hand whose answers are worked out below.

The shop opens Monday to Friday 09:00-17:00 UTC (8 h a day); a normal case owes a first response
in 8 working hours.

  A  created Fri 27 Nov 16:00, told Mon 30 Nov 10:00 (due Mon 16:00: in time),
     resolved Tue 1 Dec 12:00, told Tue 13:00 (the notice was due Tue 14:00: in time)
  B  created Wed 25 Nov 12:00, never told: due Thu 26 Nov 12:00 (Wed 5 h + Thu 3 h)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from casedesk import paths
from casedesk.core.reports import (
    CALENDAR_TIME,
    WORKING_TIME,
    Window,
    case_steps,
    measure_of,
    report_from_events,
    summarize_case,
)
from casedesk.desk.desk import Desk
from casedesk.store.reports import agent_events, build_report, case_figures, problem_titles

H = 3600
SHOP = '[hours]\ntimezone = "UTC"\n' + "".join(
    f'{day} = "09:00-17:00"\n' for day in ("mon", "tue", "wed", "thu", "fri")
)


def at(day: int, hour: int) -> datetime:
    """Days 23-30 are November 2026, days 1-7 December."""
    return datetime(2026, 11 if day > 7 else 12, day, hour, tzinfo=UTC)


pytestmark = pytest.mark.both_engines


def policy_file():
    """The shop's policy, where either engine's store finds it (the user's config dir)."""
    return paths.config_dir() / "policy.toml"


@pytest.fixture
def shop(db_path, clock):
    policy_file().parent.mkdir(parents=True, exist_ok=True)
    policy_file().write_text(SHOP)
    desk = Desk.open(db_path, "ann")
    desk.now = clock
    clock.set(at(25, 12))
    b = desk.new_case("b@example.com", "B").id
    clock.set(at(27, 16))
    a = desk.new_case("a@example.com", "A").id
    clock.set(at(30, 10))
    desk.tell(a, "On it.")
    clock.set(at(1, 12))
    desk.resolve(a, "Fixed.")
    clock.set(at(1, 13))
    desk.tell(a, "It is fixed.")
    clock.set(at(7, 12))
    assert (a, b) == (2, 1)
    yield desk
    desk.close()


def reports(desk: Desk, window: Window):
    store = desk.store
    fast = build_report(store, desk.policy, window, top=0)
    slow = report_from_events(
        [store.events(c) for c in store.all_case_ids()],
        desk.policy,
        window,
        top=0,
        customer_names=lambda ids: {i: store.customer(i).name for i in ids},
        agent_events=agent_events(store, window),
        problem_titles=problem_titles(store, window),
    )
    return fast, slow


def test_two_weeks_in_working_time_and_in_calendar_time(shop):
    fast, slow = reports(shop, Window(at(23, 0), at(7, 0)))
    assert fast == slow
    r = fast
    assert r.measured_in == WORKING_TIME
    # A: Fri 16-17 and Mon 09-10 (calendar 66 h); B: not answered.
    assert (r.first_response.count, r.first_response.median) == (1, 2 * H)
    assert r.calendar.first_response.median == 66 * H
    assert r.awaiting_first_response == 1
    # A resolved Tue 12:00: Fri 1 h + Mon 8 h + Tue 3 h (calendar 92 h).
    assert (r.resolution.median, r.calendar.resolution.median) == (12 * H, 92 * H)
    # Open: A Fri 16:00 → Tue 13:00 (1 + 8 + 4 working hours; 93 h), B Wed 12:00 → the end
    # (5 + 8 + 8 + 5 × 8; 276 h). Overdue: B from Thu 12:00 (5 + 8 + 40; 252 h).
    assert (r.open_seconds, r.overdue_seconds) == (74 * H, 53 * H)
    assert (r.calendar.open_seconds, r.calendar.overdue_seconds) == (369 * H, 252 * H)
    assert r.overdue_share == pytest.approx(53 / 74)
    assert r.calendar.overdue_share == pytest.approx(252 / 369)


def test_a_window_starting_inside_open_stretches(shop):
    window = Window(at(28, 0), at(2, 0))  # Saturday to Wednesday
    fast, slow = reports(shop, window)
    assert fast == slow
    # A: Mon 8 + Tue 4 working hours (85 h), never overdue; B: Mon and Tue, all overdue (96 h).
    assert (fast.open_seconds, fast.overdue_seconds) == (28 * H, 16 * H)
    assert (fast.calendar.open_seconds, fast.calendar.overdue_seconds) == (181 * H, 96 * H)
    assert fast.first_response.count == 0  # nothing was created in this window
    assert fast.resolution.median == 12 * H  # A's resolution, measured from its creation
    measure = measure_of(shop.policy)
    by_case = {f.case_id: f for f in case_figures(shop.store, window, measure)}
    for case_id in shop.store.all_case_ids():
        steps = list(case_steps(shop.store.events(case_id), shop.policy))
        assert summarize_case(steps, window, measure) == by_case[case_id]
    assert by_case[1].work.overdue_seconds == 16 * H


def test_without_hours_nothing_changes(db_path, clock, shop):
    policy_file().unlink()
    desk = Desk.open(db_path, "ann")
    try:
        fast, slow = reports(desk, Window(at(23, 0), at(7, 0)))
    finally:
        desk.close()
    assert fast == slow
    assert (fast.measured_in, fast.calendar) == (CALENDAR_TIME, None)
    # Calendar-time due times: A due Sat 00:00 and told Mon 10:00 (58 h overdue); B due
    # Wed 20:00, overdue to the end (268 h).
    assert fast.overdue_seconds == (58 + 268) * H


def test_report_json_gives_both(cli, shop):
    result = cli("report", "--since", "2026-11-23T00:00Z", "--until", "2026-12-07T00:00Z", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["measured_in"] == "working time"
    assert data["first_response"]["median_seconds"] == 2 * H
    assert data["overdue"]["share"] == pytest.approx(53 / 74)
    calendar = data["calendar_time"]
    assert calendar["first_response"]["median_seconds"] == 66 * H
    assert calendar["resolution"]["median_seconds"] == 92 * H
    assert calendar["overdue_share"] == pytest.approx(252 / 369)
    text = cli("report", "--since", "2026-11-23T00:00Z", "--until", "2026-12-07T00:00Z").stdout
    assert "in working time" in text and "(calendar: median 2d 18h" in text
