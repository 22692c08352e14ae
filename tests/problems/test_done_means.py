"""The issue's "done means", end to end on a real store through the CLI."""

from __future__ import annotations

import pytest

from casedesk.core.model import DueReason, Status

pytestmark = pytest.mark.both_engines


def test_three_subtasks_on_three_teams_keep_one_owner_until_the_customer_is_told(
    desk, clock, cli, jcli
):
    case = desk.new_case("Ann Lee <ann@example.com>", "My computer doesn't work", owner="ann")
    desk.tell(case.id, "We are on it.")
    for title, team, who in (
        ("Diagnose the mainboard", "hardware", "bob"),
        ("Order a new battery", "parts", "cy"),
        ("File the warranty claim", "warranty", "dee"),
    ):
        assert (
            cli("subtask", "add", case.id, title, "--team", team, "--assignee", who).exit_code == 0
        )
        clock.advance(hours=1)
    for n in (1, 2, 3):
        result = cli("subtask", "done", case.id, n, "--note", f"step {n} finished", "--as", "bob")
        assert result.exit_code == 0, result.stderr
        clock.advance(hours=1)

    shown = jcli("show", case.id)
    assert shown["owner"] == "ann"  # the sub-task assignees never took the case over
    assert shown["status"] == Status.OPEN.value  # all done, still not resolved or closed
    assert shown["subtasks"] == {"done": 3, "total": 3}
    assert shown["next_due"] is not None  # the customer is still owed an update
    assert "step 3 finished — all 3 steps done" in jcli("draft", "show", case.id)["text"]
    assert cli("close", case.id).exit_code == 1  # cannot close what the customer was not told

    assert cli("resolve", case.id, "--summary", "Mainboard and battery replaced").exit_code == 0
    assert jcli("show", case.id)["next_due"]["reason"] == DueReason.RESOLUTION.value
    assert cli("tell", case.id, "All fixed: mainboard and battery replaced.").exit_code == 0
    assert cli("close", case.id).exit_code == 0
    assert jcli("check")["clean"]


def test_five_customers_with_one_fault_are_one_problem_resolved_and_told_in_one_action(
    desk, clock, cli, jcli
):
    pid = cli("problem", "new", "Router drops Wi-Fi after firmware 2.1").stdout.strip()
    assert pid == "P1"
    ids = []
    for n, name in enumerate(("Ann", "Bob", "Cy", "Dee", "Eve")):
        created = jcli(
            "new",
            "--customer",
            f"{name} <{name.lower()}@example.com>",
            "--title",
            "Router drops wifi since the firmware update",
            "--body",
            f"customer {n}: the wifi router disconnects every hour",
        )
        ids.append(created["id"])
        if n:  # from the second report on, casedesk offers the earlier ones
            assert created["similar"]["cases"], created["similar"]
        assert cli("link", created["id"], "--problem", pid).exit_code == 0
        clock.advance(minutes=30)
    desk.tell(ids[0], "Looking into it")  # one of them heard from us already

    problem = jcli("problem", "show", pid)
    assert problem["affected"] == 5 and problem["customers"] == 5
    assert problem["first_report"] < problem["latest_report"]
    assert {c["problem"]["affected"] for c in jcli("list")} == {5}

    resolved = cli("problem", "resolve", pid, "--summary", "Firmware 2.1.1 fixes the drops.")
    assert resolved.exit_code == 0, resolved.stderr
    for case_id in ids:  # the agent is reminded to tell all five
        shown = jcli("show", case_id)
        assert shown["status"] == "resolved"
        assert shown["next_due"]["reason"] == DueReason.RESOLUTION.value
        assert shown["next_due"]["explanation"] == "resolved — customer not told"

    told = cli(
        "tell", "--problem", pid, "Hello {first_name}, firmware 2.1.1 fixes it (#{case_id})."
    )
    assert told.exit_code == 0, told.stderr
    assert "told 5 customer(s)" in told.stderr
    for case_id, name in zip(ids, ("Ann", "Bob", "Cy", "Dee", "Eve"), strict=True):
        shown = jcli("show", case_id)
        assert shown["resolution_told"] and shown["next_due"] is None
        assert shown["last_told"]["text"] == f"Hello {name}, firmware 2.1.1 fixes it (#{case_id})."
        told_events = [e for e in jcli("show", case_id)["events"] if e["kind"] == "told"]
        assert len(told_events) == (2 if case_id == ids[0] else 1)
        assert cli("close", case_id).exit_code == 0
    assert jcli("check")["clean"]
