"""`[hours]` end to end: due times in working time, said in words, nagged only when due.

The shop is the one of issue 13: London, weekdays 09:00-17:30, English bank holidays, 31 December
closed, urgent cases around the clock. In winter London is on UTC, which the tests run in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casedesk.core.model import DueReason, Priority, Status
from casedesk.desk.desk import Desk

SHOP = """\
check_in = "1d"

[hours]
timezone = "Europe/London"
mon = "09:00-17:30"
tue = "09:00-17:30"
wed = "09:00-17:30"
thu = "09:00-17:30"
fri = "09:00-17:30"
holidays = ["2026-12-31"]
country = "GB"
subdivision = "ENG"
around_the_clock = ["urgent"]
"""
LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def shop(db_path):
    """The shop's policy.toml, beside the store (as a shared store has it)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    path = db_path.parent / "policy.toml"
    path.write_text(SHOP)
    return path


@pytest.fixture
def desk(db_path, clock, shop):
    opened = Desk.open(db_path, "ann")
    opened.now = clock
    yield opened
    opened.close()


def shown(cli, case_id: int) -> dict:
    result = cli("show", case_id, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def nagged(cli) -> list[int]:
    result = cli("nag", "--all", "--json")
    assert result.exit_code == 0, result.stderr
    return [item["id"] for item in json.loads(result.stdout)]


def new(cli, title: str, priority: str = "normal") -> int:
    result = cli(
        "new", "--customer", f"{title}@example.com", "--title", title, "--priority", priority
    )
    assert result.exit_code == 0, result.stderr
    return int(result.stdout.split()[0])


# -- the scripted weeks --------------------------------------------------------------------------


def test_a_weekend_is_not_overdue_and_never_nagged(cli, clock, shop):
    clock.set(london(2026, 11, 27, 16, 30))  # Friday
    friday = new(cli, "friday")
    assert shown(cli, friday)["next_due"]["at"] == "2026-11-30T16:00:00+00:00"  # Monday
    clock.set(london(2026, 11, 28, 10, 0))  # Saturday
    urgent = new(cli, "urgent", "urgent")
    assert shown(cli, urgent)["next_due"]["at"] == "2026-11-28T11:00:00+00:00"  # Saturday
    assert shown(cli, urgent)["next_due"]["counts"] == "calendar time"

    clock.set(london(2026, 11, 27, 16, 30))
    while clock.now < london(2026, 11, 30, 16, 0):
        case = shown(cli, friday)
        assert not case["overdue"], clock.now
        assert friday not in nagged(cli), clock.now
        clock.advance(hours=2, minutes=17)
    clock.set(london(2026, 11, 28, 11, 0))
    assert nagged(cli) == [urgent]  # around the clock: due on Saturday, nagged on Saturday

    clock.set(london(2026, 11, 28, 12, 0))
    due = shown(cli, friday)["next_due"]
    assert due["in_words"] == "due Mon 16:00 — 7h of working time left"
    assert (due["working_seconds_left"], due["seconds_left"]) == (7 * 3600, 52 * 3600)
    out = cli("show", friday).stdout
    assert "Next update due: Mon 16:00 — 7h of working time left (first response)" in out
    listed = cli("list").stdout
    assert "Mon 16:00" in listed and "in 2d 4h" not in listed

    clock.set(london(2026, 11, 30, 16, 0))
    assert friday in nagged(cli)
    clock.set(london(2026, 11, 30, 17, 30) + timedelta(hours=15, minutes=30))  # Tue 09:00
    due = shown(cli, friday)["next_due"]
    assert due["in_words"] == "overdue 1h 30m working time, waiting 3d 16h"
    assert (due["working_overdue_seconds"], due["overdue_seconds"]) == (5400, 17 * 3600)
    assert "! OVERDUE 1h 30m working time, waiting 3d 16h" in cli("show", friday).stdout
    assert "! 1h 30m overdue" in cli("list").stdout


def test_christmas_with_boxing_day_observed_on_monday(cli, clock, shop):
    clock.set(london(2026, 12, 24, 17, 0))  # Thursday
    case = new(cli, "christmas")
    assert shown(cli, case)["next_due"]["at"] == "2026-12-29T16:30:00+00:00"
    for day in (25, 26, 27, 28):
        clock.set(london(2026, 12, day, 12, 0))
        assert case not in nagged(cli)
        assert shown(cli, case)["next_due"]["working_seconds_left"] == 7.5 * 3600
    clock.set(london(2026, 12, 29, 16, 29))
    assert case not in nagged(cli)
    clock.set(london(2026, 12, 29, 16, 30))
    assert case in nagged(cli)


@pytest.mark.parametrize(
    ("opened", "due_local", "due_utc"),
    [
        # The last Sunday of March: Monday's 16:30 is BST.
        (london(2026, 3, 27, 17, 0), "2026-03-30T16:30:00+01:00", "2026-03-30T15:30:00+00:00"),
        # The last Sunday of October: back to GMT.
        (london(2026, 10, 23, 17, 0), "2026-10-26T16:30:00+00:00", "2026-10-26T16:30:00+00:00"),
    ],
)
def test_the_clock_changes(cli, clock, shop, monkeypatch, opened, due_local, due_utc):
    clock.set(opened)
    case = new(cli, "dst")
    assert shown(cli, case)["next_due"]["at"] == due_utc
    monkeypatch.setenv("TZ", "Europe/London")  # times are shown in the agent's zone
    time.tzset()
    try:
        assert shown(cli, case)["next_due"]["at"] == due_local
        clock.set(datetime.fromisoformat(due_utc) - timedelta(seconds=1))
        assert case not in nagged(cli)
        clock.advance(seconds=1)
        assert case in nagged(cli)
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()


# -- one case per kind of target ---------------------------------------------------------------


def test_every_target_counts_working_time(desk, clock):
    clock.set(london(2026, 11, 27, 16, 30))  # Friday
    case = desk.new_case("a@example.com", "first response").id
    assert desk.case_row(case).due.at == london(2026, 11, 30, 16, 0)

    clock.set(london(2026, 11, 30, 10, 0))  # Monday: 7.5h left today, 8.5h a day after
    desk.tell(case, "on it")
    due = desk.case_row(case).due  # 72h: 7.5 + 4 × 8.5 + 8.5 + 8.5 + 8.5 + 5
    assert (due.reason, due.at) == (DueReason.PERIODIC, london(2026, 12, 10, 14, 0))

    clock.set(london(2026, 12, 4, 15, 0))  # Friday: 2.5h left, then 5.5h on Monday
    desk.heard(case, "any news?")
    due = desk.case_row(case).due
    assert (due.reason, due.at) == (DueReason.NEXT_REPLY, london(2026, 12, 7, 14, 30))

    clock.set(london(2026, 12, 4, 16, 0))
    desk.tell(case, "tomorrow")
    desk.set_status(case, Status.WAITING_CUSTOMER)
    due = desk.case_row(case).due  # 72h from Friday 16:00: 1.5 + 8 × 8.5 + 2.5
    assert (due.reason, due.at) == (DueReason.CHASE, london(2026, 12, 17, 11, 30))

    clock.set(london(2026, 12, 4, 17, 0))
    desk.resolve(case, "fixed")
    due = desk.case_row(case).due  # 2h: 0.5 on Friday, 1.5 on Monday
    assert (due.reason, due.at) == (DueReason.RESOLUTION, london(2026, 12, 7, 10, 30))

    clock.set(london(2026, 12, 4, 17, 15))
    desk.tell(case, "it is fixed")
    due = desk.case_row(case).due  # check-in 1d = 24h: 0.25 + 8.5 + 8.5 + 6.75
    assert (due.reason, due.at) == (DueReason.CHECK_IN, london(2026, 12, 9, 15, 45))


def test_promises_and_snoozes_stay_wall_clock(desk, clock):
    clock.set(london(2026, 11, 27, 16, 30))  # Friday
    case = desk.new_case("a@example.com", "promised").id
    desk.tell(case, "we will call on Saturday", promise=london(2026, 11, 28, 12, 0))
    due = desk.case_row(case).due
    assert (due.reason, due.at) == (DueReason.PROMISE, london(2026, 11, 28, 12, 0))
    other = desk.new_case("b@example.com", "snoozed").id
    desk.snooze(other, london(2026, 11, 30, 20, 0), "waiting for the courier")
    due = desk.case_row(other).due  # the snooze outlasts the first response (Monday 16:00)
    assert (due.reason, due.at) == (DueReason.SNOOZE, london(2026, 11, 30, 20, 0))


def test_around_the_clock_priorities_keep_calendar_time(desk, clock):
    clock.set(london(2026, 11, 28, 10, 0))  # Saturday
    case = desk.new_case("a@example.com", "server down", priority=Priority.URGENT).id
    assert desk.case_row(case).due.at == london(2026, 11, 28, 11, 0)
    desk.tell(case, "looking")
    assert desk.case_row(case).due.at == london(2026, 11, 28, 14, 0)  # urgent periodic: 4h


def test_changing_the_policy_recomputes_stored_due_times(cli, clock, shop):
    clock.set(london(2026, 11, 27, 16, 30))
    case = new(cli, "friday")
    assert shown(cli, case)["next_due"]["at"] == "2026-11-30T16:00:00+00:00"
    shop.write_text('check_in = "1d"\n')  # no [hours]: calendar time, as before
    assert shown(cli, case)["next_due"]["at"] == "2026-11-28T00:30:00+00:00"
    assert shown(cli, case)["next_due"]["working_seconds_left"] is None
    shop.write_text(SHOP.replace('fri = "09:00-17:30"', 'fri = "09:00-17:00"'))
    assert shown(cli, case)["next_due"]["at"] == "2026-11-30T16:30:00+00:00"


# -- mistakes in [hours] -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('mon = "09:00-17:30"', 'mon = "25:00-26:00"'), "[hours] mon: '25:00-26:00' is not"),
        (('tue = "09:00-17:30"', 'tue = "17:30-09:00"'), "[hours] tue: '17:30-09:00' ends before"),
        (('wed = "09:00-17:30"', 'wed = "09:00-13:00, 12:00-17:30"'), "overlapping ranges"),
        (('"Europe/London"', '"Europe/Londn"'), "[hours] timezone: unknown time zone"),
        (('country = "GB"', 'country = "XX"'), "[hours] country: unknown country 'XX'"),
        (('"ENG"', '"XYZ"'), "[hours] subdivision: GB has no subdivision 'XYZ'"),
        (('["2026-12-31"]', '["31/12/2026"]'), "[hours] holidays: '31/12/2026' is not a date"),
        (('["urgent"]', '["asap"]'), "[hours] around_the_clock: expected a list of priorities"),
        (("[hours]", "[hours]\nsat_sun = 1"), "[hours]: unknown setting 'sat_sun'"),
    ],
)
def test_each_bad_setting_is_one_clear_error(cli, clock, shop, desk, change, message):
    assert cli("list").exit_code == 0
    shop.write_text(SHOP.replace(*change))
    result = cli("list")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"casedesk: {shop}: ")
    assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert cli("nag").exit_code == 1  # the nag's full path says the same


def test_a_week_without_an_open_hour_is_an_error(cli, clock, shop, desk):
    closed = "\n".join(line for line in SHOP.splitlines() if not line.startswith(DAYS))
    shop.write_text(closed)
    result = cli("list")
    assert result.exit_code == 1 and "[hours]: the week has no open hour" in result.stderr


DAYS = ("mon", "tue", "wed", "thu", "fri")


# -- the nag stays small -----------------------------------------------------------------------


def _nag_modules(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    probe = (
        "import sys; from casedesk.entry import main\n"
        "try:\n    main(['nag', '--all'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED', [m for m in ('holidays', 'zoneinfo') if m in sys.modules])"
    )
    return subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def test_the_nag_loads_no_calendar_and_no_holidays(cli, clock, shop, db_path):
    clock.set(london(2026, 11, 30, 17, 0))
    new(cli, "monday")
    clock.set(london(2026, 12, 2, 12, 0))
    result = _nag_modules({"CASEDESK_DB": str(db_path)})
    assert "#1" in result.stdout and "LOADED []" in result.stdout, result.stdout + result.stderr
    # The policy file touched (not changed): the nag re-reads it, the holidays come from the store.
    os.utime(shop, (time.time() + 5, time.time() + 5))
    result = _nag_modules({"CASEDESK_DB": str(db_path)})
    assert "#1" in result.stdout and "'holidays'" not in result.stdout, result.stdout


def test_the_drafted_update_promises_the_next_one_in_working_time(desk, clock):
    clock.set(london(2026, 11, 27, 16, 30))  # Friday; normal periodic update: 72 working hours
    case = desk.new_case("a@example.com", "printer").id
    text = desk.draft_update(case).text
    # Fri 1h, then 8.5 h a day: Mon-Fri 42.5 h, Mon-Wed 25.5 h, Thu 3 h → Thu 10 Dec 12:00.
    assert "You will hear from me again by 2026-12-10 12:00 at the latest." in text
