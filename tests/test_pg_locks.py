"""Row locks on PostgreSQL: changes of different cases run side by side; changes of one case
wait for each other, so nothing is lost and a stale version is refused; no deadlock reaches the
agent. Each test holds a transaction open on one connection while another works."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillWaiting
from contextlib import ExitStack
from typing import Any

import pytest

from casedesk.core.errors import Conflict, Refused, StoreError
from casedesk.core.model import Status
from casedesk.desk.desk import Desk
from casedesk.paths import ServerStore

DONE_WITHIN = 10.0  # seconds a change that waits for nothing may take on a loaded machine
STILL_WAITING = 1.0  # seconds a change that waits for a lock is seen still waiting


@pytest.fixture
def opened(pg_url: str, clock) -> Iterator[Callable[[str], Desk]]:
    """Desks on one server store, each with its own connection, as separate agents have."""
    desks: list[Desk] = []

    def open_as(actor: str) -> Desk:
        desk = Desk.open(ServerStore(pg_url), actor)
        desk.now = clock
        desks.append(desk)
        return desk

    yield open_as
    for desk in desks:
        desk.close()


@pytest.fixture
def beside() -> Iterator[Callable[..., Future[Any]]]:
    """Run a call on another thread (another agent's process, in effect)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield pool.submit


def _waits(future: Future[Any]) -> bool:
    try:
        future.result(timeout=STILL_WAITING)
    except StillWaiting:
        return True
    return False


def test_a_change_of_another_case_does_not_wait_for_one_in_progress(opened, beside) -> None:
    ann, bob = opened("ann"), opened("bob")
    a = ann.new_case("Acme <ops@acme.example>", "Printer on fire")
    b = ann.new_case("Globex <it@globex.example>", "VPN down")
    with ann.store.transaction(cases=(a.id,)):
        ann.note(a.id, "ann is still at it")
        other = beside(bob.note, b.id, "bob on another case")
        assert other.result(timeout=DONE_WITHIN).version == b.version + 1  # done, not waiting
        same = beside(bob.note, a.id, "bob on ann's case")
        assert _waits(same), "a change of the same case did not wait for the one in progress"
    assert same.result(timeout=DONE_WITHIN).version == a.version + 2
    assert [e.text for e in ann.events(a.id)][-2:] == ["ann is still at it", "bob on ann's case"]
    assert ann.check().clean


def test_a_change_of_the_same_case_waits_and_then_nothing_is_lost(opened, beside) -> None:
    """Without the row lock bob would fold his note into the case as it was before ann's
    note, and write that row over hers: her change would vanish from the projection."""
    ann, bob = opened("ann"), opened("bob")
    case = ann.new_case("Acme <ops@acme.example>", "Printer on fire")
    with ann.store.transaction(cases=(case.id,)):
        ann.assign(case.id, "ann")
        bobs = beside(bob.set_status, case.id, Status.WAITING_CUSTOMER)
        assert _waits(bobs)
    after = bobs.result(timeout=DONE_WITHIN)
    assert (after.version, after.owner, after.status) == (
        case.version + 2,
        "ann",
        Status.WAITING_CUSTOMER,
    )
    assert ann.store.case(case.id) == after
    assert ann.check().clean


def test_a_stale_version_is_refused_after_waiting_not_written_over(opened, beside) -> None:
    ann, bob = opened("ann"), opened("bob")
    case = ann.new_case("Acme <ops@acme.example>", "Printer on fire")
    seen = bob.store.case(case.id)  # bob looks at the case …
    with ann.store.transaction(cases=(case.id,)):
        ann.assign(case.id, "ann", expected_version=seen.version)  # … ann changes it …
        bobs = beside(bob.assign, case.id, "bob", expected_version=seen.version)
        assert _waits(bobs)
    with pytest.raises(Conflict, match=r"changed by ann .*look again"):  # … and bob is told
        bobs.result(timeout=DONE_WITHIN)
    assert ann.store.case(case.id).owner == "ann"


def test_merges_in_both_directions_at_once_never_deadlock(opened, beside) -> None:
    """Each merge locks both cases; were they locked keep-first, these two would each hold one
    and wait for the other (PostgreSQL then kills one with 'deadlock detected')."""
    ann, bob, carol, dave = opened("ann"), opened("bob"), opened("carol"), opened("dave")
    a = ann.new_case("Acme <ops@acme.example>", "Printer on fire")
    b = ann.new_case("Acme <ops@acme.example>", "Printer still on fire")
    with ExitStack() as holding_a:
        holding_a.enter_context(carol.store.transaction(cases=(a.id,)))
        with dave.store.transaction(cases=(b.id,)):
            into_a = beside(ann.merge_cases, a.id, b.id, "same fire")
            into_b = beside(bob.merge_cases, b.id, a.id, "same fire")
            assert _waits(into_a) and _waits(into_b)
        assert _waits(into_a) and _waits(into_b)  # b is free: both still wait for a first
    outcomes = []
    for merge in (into_a, into_b):
        try:
            outcomes.append(merge.result(timeout=DONE_WITHIN).state.id)
        except Refused as exc:
            outcomes.append(str(exc))
    assert len([o for o in outcomes if isinstance(o, int)]) == 1, outcomes
    assert any("already merged" in str(o) for o in outcomes), outcomes
    assert ann.check().clean


def test_two_new_cases_at_once_get_the_next_numbers(opened, beside) -> None:
    ann, bob = opened("ann"), opened("bob")
    first = ann.new_case("Acme <ops@acme.example>", "Printer on fire")
    with ann.store.transaction(cases=()):
        second = ann.new_case("New Co <hello@new.example>", "Hello")
        bobs = beside(bob.new_case, "New Co <hello@new.example>", "Hello again")
        assert _waits(bobs)  # the next number, and this customer, are being made
    third = bobs.result(timeout=DONE_WITHIN)
    assert (second.id, third.id) == (first.id + 1, first.id + 2)
    assert second.customer_id == third.customer_id  # one customer for one address


def test_two_agents_seen_for_the_first_time_naming_each_other_do_not_deadlock(
    opened, beside
) -> None:
    """eve and fay, both new, each remember the other and then themselves: each would wait
    for the other's uncommitted name, were new names not remembered one change at a time."""
    eve, fay = opened("eve"), opened("fay")
    with ExitStack() as fays:
        with eve.store.transaction(cases=()):
            eve.store.remember_agent("fay", eve.now())
            fays.enter_context(fay.store.transaction(cases=()))
            first = beside(fay.store.remember_agent, "eve", fay.now())
            assert _waits(first)
            eve.store.remember_agent("eve", eve.now())
        first.result(timeout=DONE_WITHIN)
        fay.store.remember_agent("fay", fay.now())
    assert {"eve", "fay"} <= set(eve.store.agents())


def test_a_change_of_the_whole_store_waits_for_case_changes(opened, beside) -> None:
    """Mail intake, merging customers, repair and import read across cases, so they still
    have the store to themselves."""
    ann, bob = opened("ann"), opened("bob")
    case = ann.new_case("Acme <ops@acme.example>", "Printer on fire")

    def whole_store() -> None:
        with bob.store.transaction():
            bob.store.set_meta("probe", "1")

    with ann.store.transaction(cases=(case.id,)):
        ann.note(case.id, "ann is still at it")
        bobs = beside(whole_store)
        assert _waits(bobs)
    bobs.result(timeout=DONE_WITHIN)


def test_a_case_change_may_not_lock_more_cases_as_it_goes(opened) -> None:
    ann = opened("ann")
    a = ann.new_case("Acme <ops@acme.example>", "Printer on fire")
    b = ann.new_case("Globex <it@globex.example>", "VPN down")
    with (
        pytest.raises(RuntimeError, match=r"inside one that locked only cases \[1\]"),
        ann.store.transaction(cases=(a.id,)),
    ):
        ann.note(b.id, "out of order")
    assert [e.text for e in ann.events(b.id)] == [""]


def test_a_change_that_waits_too_long_says_so_in_one_line(opened) -> None:
    """As a SQLite file's busy timeout: 15 s (shortened here), then one line, nothing done."""
    ann, bob = opened("ann"), opened("bob")
    case = ann.new_case("Acme <ops@acme.example>", "Printer on fire")
    assert bob.store.conn.execute("SHOW lock_timeout").fetchone()[0] == "15s"
    bob.store.conn.execute("SET lock_timeout = 100")
    with ann.store.transaction(cases=(case.id,)):
        ann.note(case.id, "ann is still at it")
        with pytest.raises(StoreError, match=r"is busy: .*; try again$"):
            bob.note(case.id, "bob gives up")
    assert "bob gives up" not in [e.text for e in ann.events(case.id)]
