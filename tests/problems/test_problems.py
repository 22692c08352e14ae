"""Problems: links, evidence counts, similar-report suggestions, resolve-all and tell-all."""

from __future__ import annotations

import pytest

from casedesk.core.describe import describe_event
from casedesk.core.errors import InvalidInput, Refused
from casedesk.core.model import Channel, DueReason, EventKind, Status
from casedesk.desk.problems import key_terms, parse_problem_id, similarity_query
from casedesk.desk.templates import TemplateError
from casedesk.store.problems import ProblemNotFound

pytestmark = pytest.mark.both_engines


def _report(desk, n: int, title: str = "Printer offline after the power cut", body: str = ""):
    return desk.new_case(f"Customer {n} <c{n}@example.com>", title, body or f"story {n}")


def test_link_move_and_unlink_are_events_that_replay(desk, clock):
    a, b = desk.new_problem("Printer fault"), desk.new_problem("Network fault")
    case = _report(desk, 1)
    assert desk.link_problem(case.id, a.id).problem_id == a.id
    clock.advance(minutes=1)
    assert desk.link_problem(case.id, b.id).problem_id == b.id  # moved, previous recorded
    moved = desk.events(case.id)[-1]
    assert moved.kind is EventKind.LINKED and moved.data == {"problem": b.id, "previous": a.id}
    assert desk.unlink_problem(case.id).problem_id is None
    assert desk.replayed(case.id) == desk.store.case(case.id)
    assert desk.check().clean
    with pytest.raises(Refused, match="not linked"):
        desk.unlink_problem(case.id)
    desk.link_problem(case.id, a.id)
    with pytest.raises(Refused, match="already linked"):
        desk.link_problem(case.id, a.id)
    with pytest.raises(ProblemNotFound, match="no problem P99"):
        desk.link_problem(case.id, 99)


def test_problem_counts_cases_customers_and_first_and_latest_report(desk, clock):
    problem = desk.new_problem("Printer fault", "since the power cut")
    first = _report(desk, 1)
    clock.advance(hours=2)
    again = desk.new_case("Customer 1 <c1@example.com>", "Printer still offline")
    clock.advance(hours=3)
    last = _report(desk, 2)
    for case in (first, again, last):
        desk.link_problem(case.id, problem.id)
    found = desk.problem(problem.id)
    assert (found.affected, found.customers, found.open_cases) == (3, 2, 3)
    assert found.first_report == first.created_at and found.latest_report == last.created_at
    assert desk.case_row(again.id).problem.affected == 3


def test_resolving_a_problem_resolves_every_linked_open_case_in_one_go(desk, clock):
    problem = desk.new_problem("Printer fault")
    cases = [_report(desk, n) for n in range(4)]
    for case in cases:
        desk.link_problem(case.id, problem.id)
    desk.resolve(cases[3].id, "fixed on its own")  # already resolved: left as it is
    desk.tell(cases[3].id, "fixed!")
    desk.close_case(cases[3].id)
    clock.advance(hours=1)
    resolved = desk.resolve_problem(problem.id, "New driver 4.2 fixes it.")
    assert resolved == [c.id for c in cases[:3]]
    for case in cases[:3]:
        row = desk.case_row(case.id)
        assert row.case.status is Status.RESOLVED
        assert row.case.resolution_summary == "New driver 4.2 fixes it."
        assert row.due.reason is DueReason.RESOLUTION
        assert desk.events(case.id)[-1].data == {"problem": problem.id}
    assert desk.store.case(cases[3].id).status is Status.CLOSED
    assert desk.problem(problem.id).resolved
    with pytest.raises(Refused, match="already resolved"):
        desk.resolve_problem(problem.id, "again")
    assert desk.check().clean


def test_tell_problem_tells_each_open_linked_case_once_and_fills_placeholders(desk, cli, jcli):
    problem = desk.new_problem("Printer fault")
    cases = [_report(desk, n) for n in range(3)]
    for case in cases:
        desk.link_problem(case.id, problem.id)
    desk.close_case(cases[2].id, override_reason="customer gave up")  # closed: not told again
    desk.resolve_problem(problem.id, "Driver 4.2.")
    result = cli(
        "tell",
        "--problem",
        f"P{problem.id}",
        "Hi {first_name}: {problem_summary}",
        "--channel",
        "phone",
    )
    assert result.exit_code == 0, result.stderr
    assert f"told 2 customer(s) by phone (#{cases[0].id}, #{cases[1].id})" in result.stderr
    assert jcli("show", cases[0].id)["last_told"]["text"] == "Hi Customer: Driver 4.2."
    assert jcli("show", cases[2].id)["last_told"] is None
    assert desk.case_row(cases[0].id).due is None


def test_tell_problem_with_an_unknown_placeholder_tells_nobody(desk, cli):
    problem = desk.new_problem("Printer fault")
    case = _report(desk, 1)
    desk.link_problem(case.id, problem.id)
    result = cli("tell", "--problem", "1", "Hi {name}")
    assert result.exit_code == 1
    assert "unknown placeholder {name}" in result.stderr
    assert desk.store.case(case.id).told_at is None


def test_tell_problem_by_email_records_told_per_case_when_mail_is_not_set_up(desk, cli):
    problem = desk.new_problem("Printer fault")
    cases = [_report(desk, n) for n in range(3)]
    for case in cases:
        desk.link_problem(case.id, problem.id)
    result = cli("tell", "--problem", "P1", "Fixed.")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("no mail was sent") <= 1  # said once, not once per customer
    for case in cases:
        told = [e for e in desk.events(case.id) if e.kind is EventKind.TOLD]
        assert len(told) == 1 and told[0].channel is Channel.EMAIL


def test_tell_problem_also_works_through_the_domain_with_a_failing_case(desk):
    from casedesk.core.errors import Refused as Refusal

    problem = desk.new_problem("Printer fault")
    cases = [_report(desk, n) for n in range(3)]
    for case in cases:
        desk.link_problem(case.id, problem.id)

    def flaky(d, case_id, text, channel, promise):  # type: ignore[no-untyped-def]
        if case_id == cases[1].id:
            raise Refusal("the mail server said no")
        return d.tell(case_id, text, channel, promise)

    outcomes = desk.tell_problem(problem.id, "Fixed, {first_name}.", Channel.EMAIL, flaky)
    assert [o.told for o in outcomes] == [True, False, True]
    assert outcomes[1].error == "the mail server said no"
    with pytest.raises(TemplateError):
        desk.tell_problem(problem.id, "{oops}", Channel.EMAIL, flaky)


def test_new_case_offers_similar_open_reports_and_the_problem_to_link(desk, cli, jcli):
    problem = desk.new_problem("Printer offline after power cut")
    for n in range(3):
        case = _report(desk, n, "Office printer offline", "printer shows offline since Monday")
        desk.link_problem(case.id, problem.id)
    _report(desk, 9, "VPN drops every five minutes", "vpn tunnel keeps dropping")
    result = cli(
        "new",
        "--customer",
        "Zoe <zoe@example.com>",
        "--title",
        "Printer is offline",
        "--body",
        "our printer went offline",
    )
    assert result.exit_code == 0, result.stderr
    new_id = int(result.stdout)
    assert f"3 similar open reports — link with: casedesk link {new_id} --problem P1" in (
        result.stderr
    )
    created = jcli("new", "--customer", "Yan <yan@example.com>", "--title", "printer offline")
    similar = created["similar"]
    assert similar["suggested_problem"] == 1
    assert {c["id"] for c in similar["cases"]} == {1, 2, 3, new_id}
    assert [p["affected"] for p in similar["problems"]] == [3]


def test_no_suggestions_for_unrelated_or_only_common_words(desk, cli):
    _report(desk, 1, "Printer offline", "the printer is offline")
    result = cli("new", "--customer", "Zoe", "--title", "VPN drops", "--body", "the tunnel drops")
    assert result.exit_code == 0 and "similar" not in result.stderr
    # sharing one word with a report is not similar; two distinctive words are
    assert desk.similar(desk.new_case("Bo", "Printer jammed", "paper stuck").id).empty
    assert not desk.similar(desk.new_case("Cy", "printer offline again", "").id).empty


def test_resolved_and_closed_cases_are_not_offered_as_similar(desk):
    old = _report(desk, 1, "Printer offline", "printer offline")
    desk.resolve(old.id, "fixed")
    assert desk.similar(_report(desk, 2, "Printer offline", "printer offline").id).cases == []


def test_similar_suggests_making_a_problem_when_there_is_none(desk, cli):
    _report(desk, 1, "Printer offline", "printer offline")
    result = cli("new", "--customer", "Zoe", "--title", "Printer offline again")
    assert "1 similar open report (#1) — make them one problem: casedesk problem new" in (
        result.stderr
    )


@pytest.mark.parametrize(
    "text", ['"', "a AND OR NOT", "(((", "NEAR(x y)", "*", "col:umn", "ünïcödé wörds", "-- ;"]
)
def test_any_case_text_makes_a_safe_similarity_query(desk, text):
    case = desk.new_case("Zoe", text or "x", text)
    assert desk.similar(case.id) is not None  # never an FTS5 syntax error


def test_key_terms_skip_common_words_and_repeats():
    assert key_terms("The printer is offline, the PRINTER is OFFLINE!!") == ["printer", "offline"]
    assert key_terms("Laptop won't charge: charger broken, not charging") == [
        "laptop",
        "charge",
        "broken",
    ]
    assert similarity_query("help please") is None
    assert similarity_query("printer") == '"printer"'
    assert similarity_query("printer offline") == '("printer" AND "offline")'


def test_problem_ids_read_as_p4_or_4():
    assert parse_problem_id("P4") == parse_problem_id("4") == parse_problem_id("p4") == 4
    with pytest.raises(InvalidInput):
        parse_problem_id("four")


def test_problem_cli_new_list_show_resolve(desk, clock, cli, jcli):
    assert cli("problem", "new", "Printer fault", "--description", "driver 4.1").stdout == "P1\n"
    for n in range(2):
        case = _report(desk, n)
        assert cli("link", case.id, "--problem", "P1").exit_code == 0
    listed = jcli("problem", "list")
    assert [(p["label"], p["affected"], p["status"]) for p in listed] == [("P1", 2, "open")]
    shown = jcli("problem", "show", "P1")
    assert shown["description"] == "driver 4.1" and len(shown["cases"]) == 2
    assert [c["email"] for c in shown["customer_list"]] == ["c0@example.com", "c1@example.com"]
    assert all(
        c["problem"] == {"id": 1, "title": "Printer fault", "affected": 2} for c in shown["cases"]
    )
    text = cli("problem", "show", "P1").stdout
    assert "2 case(s) from 2 customer(s)" in text
    resolved = cli("problem", "resolve", "P1", "--summary", "Driver 4.2")
    assert "2 linked case(s)" in resolved.stderr
    assert jcli("problem", "list") == []
    assert jcli("problem", "list", "--all")[0]["status"] == "resolved"
    assert cli("problem", "show", "P7").stderr == "casedesk: no problem P7\n"
    assert cli("unlink", "1").exit_code == 0
    assert describe_event(desk.events(1)[-1]) == "unlinked from problem P1"
    assert jcli("show", 1)["problem"] is None


def test_tell_problem_fills_next_update_per_case(desk, clock):
    problem = desk.new_problem("Printer fault")
    case = _report(desk, 1)
    desk.link_problem(case.id, problem.id)
    desk.tell_problem(problem.id, "Next update by {next_update}.", Channel.PHONE)
    assert desk.store.case(case.id).told_text == "Next update by Thu 09:00."


def test_list_narrows_to_one_problem(desk, jcli):
    problem = desk.new_problem("Printer fault")
    linked = _report(desk, 1)
    _report(desk, 2)
    desk.link_problem(linked.id, problem.id)
    assert [c["id"] for c in jcli("list", "--problem", "P1")] == [linked.id]
    assert len(jcli("list")) == 2
