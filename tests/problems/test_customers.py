"""The customer record: notes, every case with its last heard, and merging duplicates."""

from __future__ import annotations

import pytest

from casedesk.core.errors import CustomerNotFound, InvalidInput, Refused
from casedesk.core.model import Channel, EventKind

pytestmark = pytest.mark.both_engines


def _two_customers(desk, clock):
    a = desk.new_case("Ann Lee <ann@example.com>", "Laptop won't charge", owner="ann")
    clock.advance(hours=1)
    b1 = desk.new_case("Ann L. <ann.lee@home.example>", "Charger broken", owner="bob")
    desk.tell(b1.id, "ordering a charger", Channel.PHONE)
    b2 = desk.new_case("Ann L. <ann.lee@home.example>", "Old printer")
    desk.close_case(b2.id, override_reason="duplicate")
    return a, b1, b2


def test_notes_about_a_customer_are_kept_with_who_and_when(desk, clock, cli, jcli):
    desk.new_case("Ann Lee <ann@example.com>", "Laptop")
    assert cli("customer", "note", "ann@example.com", "Prefers a call after 17:00").exit_code == 0
    clock.advance(hours=1)
    assert cli("customer", "note", "1", "VIP", "--as", "bob").exit_code == 0
    shown = jcli("customer", "show", "ann@example.com")
    assert [(n["by"], n["text"]) for n in shown["note_log"]] == [
        ("ann", "Prefers a call after 17:00"),
        ("bob", "VIP"),
    ]
    text = cli("customer", "show", "1").stdout
    assert "Prefers a call after 17:00" in text and "Notes" in text
    with pytest.raises(InvalidInput):
        desk.note_customer("1", "  ")
    with pytest.raises(CustomerNotFound):
        desk.note_customer("nobody@example.com", "x")


def test_customer_show_has_every_case_with_last_heard(desk, clock, cli):
    case = desk.new_case("Ann Lee <ann@example.com>", "Laptop")
    clock.advance(hours=2)
    desk.heard(case.id, "any news? [bold]x[/]", Channel.PHONE)
    text = cli("customer", "show", "ann@example.com").stdout
    assert "last heard from them" in text and "any news? [bold]x[/]" in text
    assert "never" in text  # never told


def test_merge_moves_the_cases_with_an_event_each_and_keeps_history(desk, clock, cli, jcli):
    a, b1, b2 = _two_customers(desk, clock)
    before = {c: [e.id for e in desk.events(c)] for c in (b1.id, b2.id)}
    result = cli("customer", "merge", "ann@example.com", "ann.lee@home.example")
    assert result.exit_code == 0, result.stderr
    assert f"customer #2 merged into #1: 2 case(s) moved (#{b1.id}, #{b2.id})" in result.stderr
    for case_id in (b1.id, b2.id):
        events = desk.events(case_id)
        assert [e.id for e in events[:-1]] == before[case_id]  # history kept, one event added
        assert events[-1].kind is EventKind.CUSTOMER_MOVED
        assert events[-1].data == {"customer_id": 1, "previous": 2}
        assert desk.store.case(case_id).customer_id == 1
    assert desk.store.case(b2.id).status.value == "closed"  # a closed case stays closed
    shown = jcli("customer", "show", "1")
    assert {c["id"] for c in shown["cases"]} == {a.id, b1.id, b2.id}
    assert [m["email"] for m in shown["merged"]] == ["ann.lee@home.example"]
    redirected = cli("customer", "show", "ann.lee@home.example")
    assert "customer #2 was merged into #1" in redirected.stderr
    assert desk.check().clean


def test_after_a_merge_new_mail_from_the_duplicate_goes_to_the_kept_customer(desk, clock):
    _two_customers(desk, clock)
    desk.merge_customers("1", "2")
    case = desk.new_case("Ann L. <ann.lee@home.example>", "Another problem")
    assert desk.store.case(case.id).customer_id == 1
    desk.note_customer("ann.lee@home.example", "merged note")
    assert desk.store.customer(1).id == 1


def test_search_finds_a_moved_case_by_its_new_customer(desk, clock, jcli):
    _, b1, _ = _two_customers(desk, clock)
    assert b1.id not in [c["id"] for c in jcli("search", '"ann@example.com"')]
    desk.merge_customers("1", "2")
    assert b1.id in [c["id"] for c in jcli("search", '"ann@example.com"')]


def test_merges_that_make_no_sense_are_refused(desk, clock):
    _two_customers(desk, clock)
    desk.new_case("Cy <cy@example.com>", "x")
    with pytest.raises(InvalidInput, match="themselves"):
        desk.merge_customers("1", "ann@example.com")
    desk.merge_customers("1", "2")
    with pytest.raises(Refused, match="already merged into #1"):
        desk.merge_customers("3", "2")
    with pytest.raises(Refused, match="already merged into #1"):
        desk.merge_customers("2", "3")
    with pytest.raises(CustomerNotFound):
        desk.merge_customers("1", "99")
