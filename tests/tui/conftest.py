"""Fixtures for console tests: a small real store, the app on it, and a way to drive it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casedesk.app import CasedeskApp
from casedesk.core.model import Channel, Priority, Urgency
from casedesk.desk.desk import Desk

HOSTILE = "Please help [bold red]ASAP[/] — screen shows \x1b[31mERROR\x1b[0m and beeps\x07."


def seed(desk: Desk, clock: Any) -> dict[str, int]:
    """Five cases in telling states (ann owns three); returns their ids by name."""
    ids: dict[str, int] = {}
    ids["printer"] = desk.new_case(
        "Bob Okafor <bob@northwind.example>",
        "Printer shows offline",
        "The office printer says offline since the power cut.",
        owner="ann",
    ).id
    ids["laptop"] = desk.new_case(
        "Carla Nguyen <carla@kiln.example>",
        "Laptop won't charge",
        "Battery stuck at 3%. Client presentation Thursday.",
        priority=Priority.HIGH,
        urgency=Urgency.CRITICAL,
        channel=Channel.PHONE,
        owner="ann",
    ).id
    ids["hostile"] = desk.new_case(
        "Mallory [red]Evil[/] <mallory@example.com>", "[blink]Urgent[/blink]", HOSTILE, owner="ann"
    ).id
    ids["bobs"] = desk.new_case(
        "Dev Rossi <dev@orbit.example>", "VPN drops", "Every 5 min.", owner="bob"
    ).id
    ids["nobody"] = desk.new_case("Elif Silva <elif@pine.example>", "Wi-Fi slow", "Back office.").id
    clock.advance(hours=1)
    desk.tell(ids["laptop"], "We ordered a new battery; it arrives Thursday.", Channel.PHONE)
    clock.advance(hours=2)
    desk.heard(ids["laptop"], "Thanks, Thursday is fine.", Channel.EMAIL)
    desk.tell(ids["printer"], "Looking at it today.", Channel.EMAIL)
    clock.advance(hours=3)
    return ids


@pytest.fixture
def seeded(desk: Desk, clock: Any) -> dict[str, int]:
    return seed(desk, clock)


@pytest.fixture
def make_app(db_path: Path, clock: Any) -> Callable[..., CasedeskApp]:
    """The console on the test store, without the 1 s poll: tests call `app.poll()`."""

    def make(agent: str = "ann", **settings: object) -> CasedeskApp:
        return CasedeskApp(db_path, agent, settings=dict(settings), poll_seconds=None)

    return make
