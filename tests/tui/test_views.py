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


def _mixed_store(desk, clock, n: int) -> None:
    """`n` cases: ann's, bob's and unassigned ones; some told, resolved-and-told (nothing due)
    or closed, at times spread out so due times interleave between the owners."""
    owners = ["ann", None, "bob"]
    for i in range(n):
        case = desk.new_case(
            f"Cust {i} <c{i}@example.com>", f"case {i}", owner=owners[i % 3], channel=Channel.PHONE
        )
        clock.advance(minutes=7 * (i % 5) + 1)
        if i % 4 == 1:
            desk.tell(case.id, "on it", Channel.PHONE)
        if i % 6 == 2:
            desk.resolve(case.id, "fixed")
            desk.tell(case.id, "fixed", Channel.PHONE)  # told: nothing due any more
        if i % 9 == 4:
            desk.close_case(case.id, "duplicate")


def test_the_default_view_merges_mine_and_unassigned_in_due_order(desk, clock):
    _mixed_store(desk, clock, 60)
    now = clock.now
    everything = [desk.case_row(i) for i in range(1, 61)]
    expected = [
        r.case.id
        for r in sorted(
            (
                r
                for r in everything
                if r.case.owner in ("ann", None)
                and (r.case.status is not Status.CLOSED or r.due is not None)
            ),
            key=lambda r: (r.due is None, r.due.at if r.due else now, r.case.id),
        )
    ]
    assert any(r.due is None and r.case.status is not Status.CLOSED for r in everything)
    default = Query(agent="ann")
    assert count(desk.store, default, now) == len(expected)
    for size in (1, 4, 7, 100):
        paged = [
            i
            for offset in range(0, len(expected) + size, size)
            for i in ids(page(desk.store, default, now, offset, size))
        ]
        assert paged == expected, size
    some = tuple(expected[::3])
    narrowed = Query(View.MINE_AND_UNASSIGNED, Sort.DUE, "ann", some)
    assert ids(page(desk.store, narrowed, now, 0, 100)) == expected[::3]
    assert count(desk.store, narrowed, now) == len(some)


@pytest.mark.sqlite_only("counts SQLite's virtual machine steps")
def test_the_first_page_of_the_default_view_reads_no_more_on_a_bigger_store(desk, clock):
    """The first page walks the (owner, due_at) index of each part of the view: it must not
    read and sort every case of the view (~0.3 s on 100,000 cases)."""
    _mixed_store(desk, clock, 60)

    def steps() -> int:
        taken = 0

        def step() -> int:
            nonlocal taken
            taken += 1
            return 0

        desk.store.conn.set_progress_handler(step, 10)
        try:
            page(desk.store, Query(agent="ann"), clock.now, 0, 5)
        finally:
            desk.store.conn.set_progress_handler(None, 10)
        return taken

    before = steps()
    clock.advance(days=30)  # due after all the others: never on the first page
    _mixed_store(desk, clock, 240)
    assert steps() < before * 1.3
