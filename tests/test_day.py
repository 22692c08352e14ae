"""A scripted day through the CLI, time stepped with CASEDESK_NOW, against a real store file."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.both_engines


def show(cli, case_id: int = 1) -> dict:
    result = cli("show", str(case_id), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def nag(cli, *args: str) -> list[dict]:
    result = cli("nag", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_day_at_the_desk(cli, clock):
    # 09:00 — a high-priority case arrives; first response is due at 13:00.
    new = cli(
        "new",
        "--customer",
        "Ann Smith <ann@example.com>",
        "--title",
        "Laptop won't charge",
        "--body",
        "Battery stuck at 3%",
        "--priority",
        "high",
        "--owner",
        "ann",
    )
    assert new.exit_code == 0 and new.stdout.strip() == "1"
    case = show(cli)
    assert case["next_due"]["reason"] == "first-response"
    assert case["next_due"]["at"] == "2026-11-23T13:00:00+00:00"

    clock.advance(hours=3, minutes=59)
    assert show(cli)["overdue"] is False
    assert cli("nag").stdout == ""

    clock.advance(minutes=2)  # 13:01
    assert show(cli)["overdue"] is True
    [item] = nag(cli)
    assert item["id"] == 1 and item["reason"] == "first-response"
    assert "no first response for 4h 1m" in cli("nag").stdout

    # Telling the customer resets it to the periodic update (high: 24h).
    assert cli("tell", "1", "Looking at it now", "--channel", "phone").exit_code == 0
    case = show(cli)
    assert case["overdue"] is False
    assert case["next_due"]["reason"] == "periodic-update"
    assert case["next_due"]["at"] == "2026-11-24T13:01:00+00:00"
    assert case["last_told"] == {
        "at": "2026-11-23T13:01:00+00:00",
        "channel": "phone",
        "by": "ann",
        "text": "Looking at it now",
    }
    assert nag(cli) == []

    # 14:00 — the customer writes: a reply is due within 4h.
    clock.set(clock.now.replace(hour=14, minute=0))
    assert cli("heard", "1", "Any news? I need it Thursday", "--channel", "email").exit_code == 0
    case = show(cli)
    assert case["next_due"]["reason"] == "next-reply"
    assert case["next_due"]["at"] == "2026-11-23T18:00:00+00:00"
    assert case["last_heard_from_customer"]["text"] == "Any news? I need it Thursday"

    # 15:00 — a promise earlier than the cadence wins.
    clock.set(clock.now.replace(hour=15))
    assert cli("tell", "1", "Battery ordered", "--promise", "+2h").exit_code == 0
    case = show(cli)
    assert case["next_due"]["reason"] == "promise"
    assert case["next_due"]["at"] == "2026-11-23T17:00:00+00:00"
    clock.set(clock.now.replace(hour=17, minute=30))
    [item] = nag(cli)
    assert item["explanation"] == "promised by today 17:00"

    # 17:45 — resolved: "resolved — customer not told" is due in 2h.
    clock.set(clock.now.replace(hour=17, minute=45))
    assert cli("resolve", "1", "--summary", "Replaced the battery").exit_code == 0
    case = show(cli)
    assert case["status"] == "resolved"
    assert case["next_due"]["reason"] == "resolution-notice"
    assert case["next_due"]["at"] == "2026-11-23T19:45:00+00:00"

    # Close is refused until the resolution is told.
    refused = cli("close", "1")
    assert refused.exit_code == 1
    assert "not been told" in refused.stderr
    clock.set(clock.now.replace(hour=20))
    [item] = nag(cli)
    assert item["explanation"] == "resolved — customer not told"

    assert cli("tell", "1", "Fixed — new battery fitted", "--channel", "phone").exit_code == 0
    assert show(cli)["next_due"] is None
    assert cli("close", "1").exit_code == 0
    assert show(cli)["status"] == "closed"
    assert nag(cli) == []


def test_snooze_silences_nag_until_its_time(cli, clock):
    cli(
        "new",
        "--customer",
        "bob@example.com",
        "--title",
        "VPN",
        "--priority",
        "urgent",
        "--owner",
        "ann",
    )
    clock.advance(hours=2)
    assert [i["id"] for i in nag(cli)] == [1]
    assert cli("snooze", "1", "tomorrow 9:00", "--reason", "customer travelling").exit_code == 0
    assert nag(cli) == []
    assert cli("nag").stdout == ""
    clock.set(clock.now.replace(day=24, hour=8, minute=59))
    assert nag(cli) == []
    clock.set(clock.now.replace(hour=9, minute=1))
    [item] = nag(cli)
    assert item["reason"] == "snooze"
    assert "customer travelling" in item["explanation"]
    events = show(cli)["events"]
    assert events[-1]["kind"] == "snoozed" and events[-1]["text"] == "customer travelling"


def test_nag_shows_mine_and_unassigned_and_everyone_with_all(cli, clock):
    cli("new", "--customer", "a@example.com", "--title", "mine", "--owner", "ann")
    cli("new", "--customer", "b@example.com", "--title", "bob's", "--owner", "bob")
    cli("new", "--customer", "c@example.com", "--title", "nobody's")
    clock.advance(hours=9)
    assert sorted(i["id"] for i in nag(cli)) == [1, 3]
    assert sorted(i["id"] for i in nag(cli, "--all")) == [1, 2, 3]
    assert sorted(i["id"] for i in nag(cli, "--as", "bob")) == [2, 3]
    text = cli("nag").stdout
    assert text.startswith("casedesk: 2 customers are overdue for an update")
    assert "\x1b" not in text  # not a terminal: no colour codes
