"""With `[hours]`, the console nags in working hours only, unless an around-the-clock case is due;
the queue and the case screen count working time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Static
from tui_helpers import drive, messages, settle

from casedesk.core.model import Channel, Priority
from casedesk.desk.desk import Desk
from casedesk.screens.case import CaseScreen
from casedesk.widgets.case_list import CaseList

SHOP = """\
[hours]
timezone = "Europe/London"
mon = "09:00-17:30"
tue = "09:00-17:30"
wed = "09:00-17:30"
thu = "09:00-17:30"
fri = "09:00-17:30"
country = "GB"
around_the_clock = ["urgent"]
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026 (London is on UTC then)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def shop_desk(db_path, clock):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    (db_path.parent / "policy.toml").write_text(SHOP)
    opened = Desk.open(db_path, "ann")
    opened.now = clock
    yield opened
    opened.close()


def test_quiet_at_the_weekend_but_for_around_the_clock_cases(
    make_app, shop_desk, clock, monkeypatch
):
    clock.set(at(27, 9))  # Friday
    normal = shop_desk.new_case("a@example.com", "Printer", owner="ann").id  # due 17:00
    promised = shop_desk.new_case("b@example.com", "Laptop", owner="ann").id
    shop_desk.tell(promised, "We call you on Saturday", Channel.PHONE, promise=at(28, 15))
    clock.set(at(28, 12))  # Saturday: the printer is overdue since Friday 17:00
    app = make_app(bell=True)
    rings: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(1))

    async def scenario(pilot):
        await settle(pilot)
        assert not any("overdue" in m for m in messages(app))  # no start-up nag on Saturday
        assert normal not in app.nagged
        clock.set(at(28, 15, 30))  # the promise (wall-clock) falls due: still quiet
        app.poll()
        await settle(pilot)
        assert not any("overdue" in m for m in messages(app)) and rings == []
        urgent = shop_desk.new_case(
            "c@example.com", "Server down", priority=Priority.URGENT, owner="ann"
        ).id
        app.poll()  # the new case shows
        await settle(pilot)
        clock.set(at(28, 16, 31))  # urgent: due after an hour, around the clock
        app.poll()
        await settle(pilot)
        assert any(f"#{urgent} is now overdue" in m for m in messages(app))
        assert not any(f"#{promised} is now overdue" in m for m in messages(app))
        assert rings == [1]
        clock.set(at(30, 9))  # Monday morning: the summary
        app.poll()
        await settle(pilot)
        summary = [m for m in messages(app) if "overdue for an update" in m]
        assert summary and f"#{normal}" in summary[-1] and f"#{promised}" in summary[-1]

    drive(app, scenario)


def test_the_queue_and_the_case_screen_count_working_time(make_app, shop_desk, clock):
    clock.set(at(27, 16, 30))  # Friday
    case = shop_desk.new_case("a@example.com", "Printer", owner="ann").id  # due Monday 16:00
    clock.set(at(28, 12))
    app = make_app()

    async def scenario(pilot):
        await settle(pilot)
        line = app.screen.query_one(CaseList).render_line(0).text
        assert "Mon 16:00" in line and "overdue" not in line
        app.open_case(case)
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        header = str(app.screen.query_one("#case-header", Static).render())
        assert "Mon 16:00 — 7h of working time left (first response)" in header

    drive(app, scenario)
