"""The console's queries (store/views.py) against a real store file."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from casedesk.core.model import Channel, DueReason, Status
from casedesk.desk.desk import Desk
from casedesk.store.views import (
    ChangeWatcher,
    Query,
    Sort,
    View,
    became_overdue,
    count,
    header_counts,
    overdue_count,
    overdue_for,
    overdue_in,
    page,
)

pytestmark = pytest.mark.both_engines


def ids(rows) -> list[int]:
    return [r.case.id for r in rows]


def test_due_pages_match_the_store_queue_order_across_the_undated_boundary(desk, seeded, clock):
    # Two cases without a due time (resolved and told) sit after the dated ones.
    for name in ("printer", "nobody"):
        desk.resolve(seeded[name], "fixed")
        desk.tell(seeded[name], "It is fixed.", Channel.EMAIL)
    everything = Query(View.ALL, Sort.DUE, "ann")
    expected = ids(
        desk.store.list_cases(statuses=[s for s in Status if s is not Status.CLOSED], limit=None)
    )
    now = clock.now
    assert ids(page(desk.store, everything, now, 0, 100)) == expected
    paged = [
        i for offset in range(0, 5, 2) for i in ids(page(desk.store, everything, now, offset, 2))
    ]
    assert paged == expected
    assert count(desk.store, everything, now) == 5


def test_views_select_what_their_names_say(desk, seeded, clock):
    now = clock.now
    desk.resolve(seeded["laptop"], "new battery")
    desk.set_status(seeded["bobs"], Status.WAITING_CUSTOMER)
    desk.close_case(seeded["nobody"], "duplicate")

    def shown(view: View) -> set[int]:
        return set(ids(page(desk.store, Query(view, Sort.DUE, "ann"), now, 0, 50)))

    assert shown(View.MINE) == {seeded["printer"], seeded["laptop"], seeded["hostile"]}
    assert shown(View.UNASSIGNED) == set()
    assert shown(View.WAITING) == {seeded["bobs"]}
    assert shown(View.RESOLVED_NOT_TOLD) == {seeded["laptop"]}
    assert shown(View.CLOSED) == {seeded["nobody"]}
    narrowed = Query(View.MINE, Sort.DUE, "ann", (seeded["laptop"], seeded["bobs"]))
    assert ids(page(desk.store, narrowed, now, 0, 50)) == [seeded["laptop"]]


def test_header_counts_and_overdue_are_for_me_and_unassigned(desk, seeded, clock):
    later = clock.now + timedelta(days=3)
    counts = header_counts(desk.store, "ann", later)
    mine_or_nobody = {seeded[n] for n in ("printer", "laptop", "hostile", "nobody")}
    assert counts.overdue == len(mine_or_nobody)
    assert counts.open == 5 and counts.unassigned == 1
    assert {c.id for c in overdue_for(desk.store, "ann", later)} == mine_or_nobody
    fresh = became_overdue(desk.store, "ann", clock.now, later)
    assert {c.id for c in fresh} == mine_or_nobody
    assert became_overdue(desk.store, "ann", later, later + timedelta(minutes=1)) == []


def test_change_watcher_sees_every_writer_once(desk, seeded, db_path, clock):
    watcher = ChangeWatcher(db_path)
    try:
        assert not watcher.changed()
        other = Desk.open(db_path, "bob")
        other.now = clock
        other.note(seeded["printer"], "from another process")
        other.close()
        watcher.wait(5)  # PostgreSQL's NOTIFY arrives a moment after the commit
        assert watcher.changed()
        assert not watcher.changed()
        desk.note(seeded["printer"], "from our own desk")
        watcher.wait(5)
        assert watcher.changed()
    finally:
        watcher.close()


def test_the_default_view_is_what_nag_reports(desk, seeded, clock, cli):
    clock.advance(hours=2, minutes=30)
    desk.new_case("Zed Ray <zed@example.com>", "Fax", owner="bob")  # bob's: in neither
    nagged = [item["id"] for item in json.loads(cli("nag", "--json", "--limit", "50").stdout)]
    assert Query().view is View.MINE_AND_UNASSIGNED
    default = Query(agent="ann")
    overdue = [case_id for case_id, _ in overdue_in(desk.store, default, clock.now)]
    assert overdue == nagged == [seeded["laptop"], seeded["hostile"], seeded["nobody"]]
    assert overdue_count(desk.store, default, clock.now) == 3
    mine = {seeded[n] for n in ("printer", "laptop", "hostile")}
    assert set(ids(page(desk.store, default, clock.now, 0, 50))) == mine | {seeded["nobody"]}
    assert count(desk.store, Query(View.MINE, Sort.DUE, "ann"), clock.now) == 3


def test_view_4_and_the_header_agree_on_a_closed_case_with_a_check_in_due(desk, clock):
    desk.policy = replace(desk.policy, check_in=timedelta(days=3))
    case = desk.new_case("Ann Lee <ann@example.com>", "Laptop", owner="ann")
    desk.tell(case.id, "on it", Channel.PHONE)
    desk.resolve(case.id, "new battery")
    desk.tell(case.id, "fixed: new battery", Channel.PHONE)
    desk.close_case(case.id)
    later = clock.now + timedelta(days=4)
    assert desk.case_row(case.id).due.reason is DueReason.CHECK_IN

    overdue_view = Query(View.OVERDUE, Sort.DUE, "ann")
    assert ids(page(desk.store, overdue_view, later, 0, 50)) == [case.id]
    assert count(desk.store, overdue_view, later) == 1
    assert header_counts(desk.store, "ann", later).overdue == 1
    assert [c.id for c in overdue_for(desk.store, "ann", later)] == [case.id]
    # The default view (what the nag reports) and the catch-up round count it too.
    assert overdue_count(desk.store, Query(agent="ann"), later) == 1
    assert [i for i, _ in overdue_in(desk.store, Query(agent="ann"), later)] == [case.id]
