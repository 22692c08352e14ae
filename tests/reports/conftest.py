"""A store built by hand through the desk, whose every report figure is worked out below.

Times are hours from T0 (Monday 2026-11-23 09:00 UTC). Default policy: normal priority owes a
first response in 8h and a periodic update every 72h; high priority a first response in 4h; a
resolution notice is due 2h after resolving; a customer waiting on us is chased after 72h.

  #1 Dan   (ann)  created -240, told -239, resolved -200, told -199, closed -150; heard +250
  #2 Ann   (ann)  created -120, told -119; heard +10, told +20, waiting-customer +30; told +245
  #3 Ann   (bob)  created 0, told +2, resolved +100, told +101, closed +120
  #4 Ben   (-)    created +1 (high), assigned to ann +50; told +240 (exactly at the window's end)
  #5 Cara  (bob)  created +200, told +203, resolved +210 (the customer never told)

The main window is [0, +240).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from casedesk.core.model import Priority, Status
from casedesk.core.reports import Window
from casedesk.desk.desk import Desk

H = 3600


@dataclass
class Built:
    desk: Desk
    t0: datetime

    def at(self, hours: float) -> datetime:
        return self.t0 + timedelta(hours=hours)

    def window(self, start: float, end: float) -> Window:
        return Window(self.at(start), self.at(end))


@pytest.fixture
def built(desk: Desk, clock) -> Built:
    t0 = clock.now
    bob = Desk(store=desk.store, policy=desk.policy, actor="bob", now=clock)

    def when(hours: float) -> None:
        clock.set(t0 + timedelta(hours=hours))

    when(-240)
    dan = desk.new_case("Dan Ek <dan@example.com>", "Old printer", owner="ann").id
    when(-239)
    desk.tell(dan, "On it.")
    when(-200)
    desk.resolve(dan, "New toner.")
    when(-199)
    desk.tell(dan, "Fixed: new toner.")
    when(-150)
    desk.close_case(dan)
    when(-120)
    ann_old = desk.new_case("Ann Smith <ann@example.com>", "Laptop slow", owner="ann").id
    when(-119)
    desk.tell(ann_old, "Looking at it.")
    when(0)
    ann_new = bob.new_case("Ann Smith <ann@example.com>", "Mail down", owner="bob").id
    when(1)
    ben = desk.new_case("Ben Okafor <ben@example.com>", "Server down", priority=Priority.HIGH).id
    when(2)
    bob.tell(ann_new, "Checking the mail server.")
    when(10)
    desk.heard(ann_old, "Any news?")
    when(20)
    desk.tell(ann_old, "Please send the model number.")
    when(30)
    desk.set_status(ann_old, Status.WAITING_CUSTOMER)
    when(50)
    desk.assign(ben, "ann")
    when(100)
    bob.resolve(ann_new, "Restarted the mail service.")
    when(101)
    bob.tell(ann_new, "Mail works again.")
    when(120)
    bob.close_case(ann_new)
    when(200)
    cara = bob.new_case("Cara Nguyen <cara@example.com>", "VPN drops", owner="bob").id
    when(203)
    bob.tell(cara, "Looking into the VPN.")
    when(210)
    bob.resolve(cara, "Replaced the VPN profile.")
    when(240)
    desk.tell(ben, "Sorry for the wait: the server is back.")
    when(245)
    desk.tell(ann_old, "Still waiting for the model number.")
    when(250)
    desk.heard(dan, "The printer is jammed again.")
    when(260)
    assert (dan, ann_old, ann_new, ben, cara) == (1, 2, 3, 4, 5)
    return Built(desk, t0)


def acted_from_steps(store, histories, window, policy) -> dict[str, tuple[int, int]]:
    """Events each known agent acted in the window, and told events, from a fold of every
    case: what `agent_events` must say."""
    from casedesk.core.reports import case_steps

    agents = set(store.agents())
    acted: dict[str, list[int]] = {}
    for events in histories:
        for step in case_steps(events, policy):
            if window.s <= step.at < window.u and step.actor in agents:
                counts = acted.setdefault(step.actor, [0, 0])
                counts[0] += 1
                counts[1] += step.kind == "told"
    return {agent: (n, told) for agent, (n, told) in acted.items()}
