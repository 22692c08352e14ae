"""Sub-tasks: events on the timeline, counts in the projection, drafted (not sent) updates."""

from __future__ import annotations

import pytest

from casedesk.core.errors import InvalidInput, Refused
from casedesk.core.model import Channel, EventKind, Status

pytestmark = pytest.mark.both_engines


@pytest.fixture
def case(desk):
    return desk.new_case("Ann Lee <ann@example.com>", "Laptop won't start", owner="ann")


def test_subtasks_are_numbered_in_order_and_derived_from_events(desk, case):
    desk.add_subtask(case.id, "Order battery", team="parts")
    desk.add_subtask(case.id, "Fit battery", assignee="bob", team="hardware")
    state = desk.finish_subtask(case.id, 1, "shipped")
    assert (state.subtasks_done, state.subtasks_total) == (1, 2)
    first, second = desk.subtasks(case.id)
    assert (first.number, first.done, first.note, first.who) == (1, True, "shipped", "parts")
    assert (second.number, second.done, second.who) == (2, False, "hardware (bob)")
    kinds = [e.kind for e in desk.events(case.id)]
    assert kinds.count(EventKind.SUBTASK_ADDED) == 2 and EventKind.SUBTASK_DONE in kinds
    assert desk.replayed(case.id) == desk.store.case(case.id)
    assert desk.check().clean


def test_finishing_every_subtask_never_resolves_or_closes_the_case(desk, case):
    for title in ("a", "b", "c"):
        desk.add_subtask(case.id, title, assignee="bob")
    for n in (1, 2, 3):
        state = desk.finish_subtask(case.id, n)
    assert state.status is Status.OPEN and state.owner == "ann"
    assert desk.case_row(case.id).due is not None


def test_a_subtask_cannot_be_done_twice_or_be_unknown_or_untitled(desk, case):
    desk.add_subtask(case.id, "Order battery")
    desk.finish_subtask(case.id, 1)
    with pytest.raises(Refused, match="already done"):
        desk.finish_subtask(case.id, 1)
    with pytest.raises(InvalidInput, match="no sub-task 7"):
        desk.finish_subtask(case.id, 7)
    with pytest.raises(InvalidInput, match="needs a title"):
        desk.add_subtask(case.id, "   ")


def test_a_closed_case_takes_no_new_subtasks(desk, case):
    desk.close_case(case.id, override_reason="duplicate")
    with pytest.raises(Refused, match="closed"):
        desk.add_subtask(case.id, "Order battery")


def test_each_change_drafts_an_update_that_is_not_sent(desk, case):
    desk.tell(case.id, "On it", Channel.PHONE)
    for title in ("Order battery", "Fit battery", "Test it"):
        desk.add_subtask(case.id, title)
    told_before = desk.store.case(case.id).told_at
    desk.finish_subtask(case.id, 1, "the new battery has shipped")
    desk.finish_subtask(case.id, 2, "")
    draft = desk.current_draft(case.id)
    assert draft is not None and draft.pending and draft.template == "progress"
    assert "Fit battery is done — 2 of 3 steps done" in draft.text
    assert desk.store.case(case.id).told_at == told_before  # drafting tells nobody
    desk.tell(case.id, draft.text)
    assert desk.current_draft(case.id) is None  # sent: nothing pending any more


def test_the_draft_reads_like_the_issue_example(desk, case):
    for title in ("Order battery", "Fit battery", "Test it"):
        desk.add_subtask(case.id, title)
    desk.finish_subtask(case.id, 1, "ordered")
    desk.finish_subtask(case.id, 2, "the new battery has shipped")
    assert "the new battery has shipped — 2 of 3 steps done" in desk.current_draft(case.id).text


def test_tell_draft_sends_the_drafted_update_in_one_action(desk, case, cli, jcli):
    desk.add_subtask(case.id, "Order battery")
    desk.finish_subtask(case.id, 1, "the new battery has shipped")
    result = cli("tell", case.id, "--draft", "--channel", "phone")
    assert result.exit_code == 0, result.stderr
    told = jcli("show", case.id)["last_told"]
    assert "the new battery has shipped — the one step is done" in told["text"]
    assert "Hello Ann," in told["text"]
    assert cli("tell", case.id, "text", "--draft").exit_code == 1  # one or the other


def test_draft_send_records_told_and_draft_show_falls_back_to_the_template(desk, case, cli, jcli):
    shown = jcli("draft", "show", case.id)
    assert shown["template"] == "acknowledgement" and not shown["pending"]
    desk.add_subtask(case.id, "Order battery", team="parts")
    assert jcli("draft", "show", case.id)["pending"]
    assert cli("draft", "send", case.id, "--channel", "chat").exit_code == 0
    assert jcli("show", case.id)["last_told"]["channel"] == "chat"
    assert not jcli("draft", "show", case.id)["pending"]


def test_subtask_cli_lists_and_reports_progress(desk, case, cli, jcli):
    assert cli("subtask", "add", case.id, "Order battery", "--team", "parts").exit_code == 0
    added = cli("subtask", "add", case.id, "Fit it", "--assignee", "bob")
    assert "sub-task 2 added" in added.stderr and "drafted for the customer" in added.stderr
    done = cli("subtask", "done", case.id, "1", "--note", "shipped")
    assert "1 to go" in done.stderr
    listed = jcli("subtask", "list", case.id)
    assert listed["done"] == 1 and listed["total"] == 2 and listed["owner"] == "ann"
    assert [s["done"] for s in listed["subtasks"]] == [True, False]
    text = cli("subtask", "list", case.id).stdout
    assert "Order battery" in text and "bob" in text
    assert "sub-tasks: 1 of 2 done" in cli("show", case.id).stdout
    assert cli("subtask", "done", case.id, "9").exit_code == 1
    assert "no sub-task 9" in cli("subtask", "done", case.id, "9").stderr
    assert "bob" in desk.store.agents()
