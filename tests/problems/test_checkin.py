"""The check-in: "is it still working?" some days after the resolution was told."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from casedesk.core.errors import PolicyError, Refused
from casedesk.core.model import Channel, DueReason, Status
from casedesk.core.policy import DEFAULT_POLICY, policy_from_toml
from casedesk.desk.desk import Desk

pytestmark = pytest.mark.both_engines

DAYS3 = timedelta(days=3)


@pytest.fixture
def checking(desk):
    """The desk with check-ins on (3 days)."""
    desk.policy = replace(desk.policy, check_in=DAYS3)
    return desk


def _fixed_and_told(desk, clock):
    case = desk.new_case("Ann Lee <ann@example.com>", "Laptop", owner="ann")
    desk.tell(case.id, "on it", Channel.PHONE)
    clock.advance(hours=1)
    desk.resolve(case.id, "new battery")
    clock.advance(hours=1)
    desk.tell(case.id, "fixed: new battery", Channel.PHONE)
    return case.id


def test_check_ins_are_off_by_default():
    assert DEFAULT_POLICY.check_in is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"3d"', DAYS3),
        ("true", DAYS3),
        ('"5d"', timedelta(days=5)),
        ('"off"', None),
        ("false", None),
    ],
)
def test_the_policy_setting(value, expected):
    assert policy_from_toml(f"check_in = {value}\n", "p").check_in == expected


def test_a_bad_check_in_setting_is_a_policy_error():
    with pytest.raises(PolicyError, match="check_in"):
        policy_from_toml('check_in = "soon"\n', "policy.toml")


def test_the_check_in_falls_due_days_after_the_resolution_was_told(checking, clock):
    case_id = _fixed_and_told(checking, clock)
    due = checking.case_row(case_id).due
    told = checking.store.case(case_id).resolution_told_at
    assert due.reason is DueReason.CHECK_IN and due.at == told + DAYS3 and due.since == told
    assert checking.check().clean


def test_no_check_in_before_the_resolution_is_told_or_when_closed_by_override(checking, clock):
    case = checking.new_case("Ann", "Laptop")
    checking.resolve(case.id, "fixed")
    assert checking.case_row(case.id).due.reason is DueReason.RESOLUTION
    checking.close_case(case.id, override_reason="customer unreachable")
    assert checking.case_row(case.id).due is None


def test_closing_keeps_the_check_in_and_telling_ends_it(checking, clock):
    case_id = _fixed_and_told(checking, clock)
    state = checking.close_case(case_id)
    assert state.status is Status.CLOSED
    assert checking.case_row(case_id).due.reason is DueReason.CHECK_IN
    clock.advance(days=3, minutes=1)
    checking.tell(case_id, "Is it still working?", Channel.EMAIL)
    row = checking.case_row(case_id)
    assert row.due is None and row.case.check_in_ended_at == clock.now
    assert row.case.status is Status.CLOSED
    assert checking.check().clean


def test_dismissing_ends_the_check_in_and_is_on_the_timeline(checking, clock, cli):
    case_id = _fixed_and_told(checking, clock)
    checking.dismiss_check_in(case_id, "customer said they are away")
    assert checking.case_row(case_id).due is None
    assert checking.events(case_id)[-1].text == "customer said they are away"
    with pytest.raises(Refused, match="no check-in due"):
        checking.dismiss_check_in(case_id)
    assert checking.replayed(case_id) == checking.store.case(case_id)


def test_reopening_drops_the_check_in_until_the_next_resolution_is_told(checking, clock):
    case_id = _fixed_and_told(checking, clock)
    checking.dismiss_check_in(case_id)
    checking.reopen(case_id, "broke again")
    assert checking.store.case(case_id).check_in_ended_at is None
    checking.resolve(case_id, "fixed again")
    assert checking.case_row(case_id).due.reason is DueReason.RESOLUTION
    checking.tell(case_id, "fixed again", Channel.PHONE)
    assert checking.case_row(case_id).due.reason is DueReason.CHECK_IN


def test_the_customer_writing_back_owes_a_reply_before_the_check_in(checking, clock):
    case_id = _fixed_and_told(checking, clock)
    clock.advance(hours=1)
    checking.heard(case_id, "thanks!", Channel.EMAIL)
    assert checking.case_row(case_id).due.reason is DueReason.NEXT_REPLY


def test_check_in_nags_and_is_listed_and_dismissed_from_the_cli(
    check_in_policy, db_path, clock, cli, jcli
):
    desk = Desk.open(db_path, "ann")
    desk.now = clock
    case_id = _fixed_and_told(desk, clock)
    desk.close_case(case_id)
    desk.close()
    clock.advance(days=3, hours=2)
    [item] = json.loads(cli("nag", "--json").stdout)
    assert item["id"] == case_id and item["reason"] == "check-in"
    assert item["explanation"] == "check in: fixed and told 3d 2h ago"
    assert "check in: fixed and told 3d 2h ago" in cli("nag").stdout
    assert [c["id"] for c in jcli("checkin", "list")] == [case_id]
    assert [c["id"] for c in jcli("list", "--overdue")] == [case_id]  # shown while due
    assert [c["id"] for c in jcli("list", "--status", "closed")] == [case_id]
    assert cli("checkin", "dismiss", str(case_id), "--reason", "not needed").exit_code == 0
    assert cli("nag", "--json").stdout.strip() == "[]"
    assert jcli("list") == []  # closed and nothing due: out of the queue again
    again = cli("checkin", "dismiss", str(case_id))
    assert again.exit_code == 1 and "no check-in due" in again.stderr


def test_turning_check_ins_on_recomputes_closed_cases_too(desk, clock, db_path, config_dir):
    case_id = _fixed_and_told(desk, clock)
    desk.close_case(case_id)
    assert desk.case_row(case_id).due is None  # off by default
    desk.close()
    (config_dir / "policy.toml").write_text("check_in = true\n", encoding="utf-8")
    reopened = Desk.open(db_path, "ann")
    try:
        assert reopened.case_row(case_id).due.reason is DueReason.CHECK_IN
        assert reopened.check().clean
    finally:
        reopened.close()


def test_the_words_for_the_check_in():
    from casedesk.core.wording import describe_reason

    assert describe_reason("check-in") == "check in: is it still working?"
