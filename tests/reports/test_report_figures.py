"""Every figure of the report on the hand-built store (see conftest.py for its timeline)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casedesk.core.reports import (
    AgentLoad,
    Window,
    case_steps,
    percentile,
    report_from_events,
    summarize_case,
)
from casedesk.store import reports
from casedesk.store.reports import (
    build_report,
    case_figures,
    overdue_series,
    problem_titles,
    stored_steps,
    update_steps,
)

from .conftest import Built, H

pytestmark = pytest.mark.both_engines


def sql_report(built: Built, start: float, end: float, **kwargs):
    return build_report(built.desk.store, built.desk.policy, built.window(start, end), **kwargs)


def replayed_report(built: Built, start: float, end: float, **kwargs):
    store = built.desk.store
    return report_from_events(
        (store.events(case_id) for case_id in store.all_case_ids()),
        built.desk.policy,
        built.window(start, end),
        customer_names=lambda ids: {i: store.customer(i).name for i in ids},
        agent_events=_agent_events(built, start, end),
        problem_titles=problem_titles(store, built.window(start, end)),
        **kwargs,
    )


def _agent_events(built: Built, start: float, end: float) -> dict[str, tuple[int, int]]:
    """Events acted and told per agent, counted straight from the event log."""
    window = built.window(start, end)
    counts: dict[str, tuple[int, int]] = {}
    store = built.desk.store
    for agent in store.agents():
        events = [
            e
            for case_id in store.all_case_ids()
            for e in store.events(case_id)
            if e.actor == agent and window.since <= e.at < window.until
        ]
        counts[agent] = (len(events), sum(e.kind.value == "told" for e in events))
    return counts


@pytest.fixture(params=["sql", "replay"])
def main_report(request, built):
    """The report for [0, +240h), from the SQL path and from the pure replay: both must agree."""
    make = sql_report if request.param == "sql" else replayed_report
    return make(built, 0, 240)


def test_percentile_interpolates_between_closest_ranks():
    assert percentile([], 50) is None
    assert percentile([7], 90) == 7
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([0, 1, 1, 2], 90) == pytest.approx(1.7)


def test_case_counts(main_report):
    r = main_report
    assert r.cases_existing == 5  # #1 closed before the window still exists
    assert r.cases_open_in_window == 4  # all but #1
    assert r.cases_open_at_until == 3  # #2, #4, #5 (#3 was told of its resolution)


def test_first_response_counts_cases_created_in_the_window(main_report):
    r = main_report
    # #3 created at the window's start, answered after 2h; #5 after 3h; #4 only at +240,
    # which is the window's end and so not in it: still awaiting.
    assert (r.first_response.count, r.awaiting_first_response) == (2, 1)
    assert r.first_response.median == 2.5 * H
    assert r.first_response.p90 == pytest.approx(2.9 * H)
    weeks = [(start - r.window.since, spread.count) for start, spread in r.first_response_by_week]
    assert weeks == [(timedelta(0), 1), (timedelta(weeks=1), 1)]


def test_time_to_resolution(main_report):
    r = main_report
    assert r.resolution.count == 2  # #3 after 100h, #5 after 10h
    assert r.resolution.median == 55 * H
    assert r.resolution.p90 == pytest.approx(91 * H)


def test_updates_told_per_open_case(main_report):
    r = main_report
    # #3 told twice, #2 once (+20; +245 is after the window), #5 once, #4 never.
    assert r.told_total == 4
    assert r.told_per_case.count == 4
    assert r.told_per_case_mean == 1.0
    assert r.told_per_case.median == 1
    assert r.told_per_case.p90 == pytest.approx(1.7)
    assert r.never_told_in_window == 1


def test_overdue_share_per_customer(main_report):
    r = main_report
    # Ann: #3 open 101h, overdue 74→100 (26h); #2 open 240h, overdue 0→20 and 102→240 (158h).
    # Ben: #4 open 1→240 (239h), overdue from its first-response due at +5 (235h).
    # Cara: #5 open 200→240 (40h), overdue from its resolution notice due at +212 (28h).
    assert r.open_seconds == (101 + 240 + 239 + 40) * H
    assert r.overdue_seconds == (26 + 158 + 235 + 28) * H
    assert r.overdue_share == pytest.approx(447 / 620)
    assert (r.customers, r.customers_overdue) == (3, 3)
    shares = [(c.name, c.open_seconds // H, c.overdue_seconds // H) for c in r.worst_customers]
    assert shares == [("Ben Okafor", 239, 235), ("Cara Nguyen", 40, 28), ("Ann Smith", 341, 184)]
    assert r.worst_customers[0].share == pytest.approx(235 / 239)
    assert r.customer_share.median == pytest.approx(0.7)
    assert r.customer_share.p90 == pytest.approx(0.7 + 0.8 * (235 / 239 - 0.7))


def test_longest_silence_of_each_open_case(main_report):
    r = main_report
    lines = [(x.case_id, x.seconds // H, (x.current_seconds or 0) // H) for x in r.longest_silences]
    # #4 never told since +1; #2 silent since it was told at +20 (its earlier gap was 139h);
    # #5 silent since its told at +203.
    assert lines == [(4, 239, 239), (2, 220, 220), (5, 37, 37)]
    assert r.longest_silences[0].customer == "Ben Okafor"
    assert r.longest_silences[0].owner == "ann"
    assert r.silence.median == 220 * H
    assert r.silence.p90 == pytest.approx((220 + 0.8 * 19) * H)
    assert dict(r.silence_histogram) == {
        "< 1d": 0,
        "1-3d": 1,
        "3-7d": 0,
        "1-2w": 2,
        "2-4w": 0,
        "4w+": 0,
    }


def test_resolved_but_not_told(main_report):
    r = main_report
    assert r.resolved_not_told == 1
    [line] = r.resolved_not_told_cases
    assert (line.case_id, line.customer, line.owner, line.seconds) == (
        5,
        "Cara Nguyen",
        "bob",
        30 * H,
    )


def test_no_problems_yet(main_report):
    assert main_report.problems == []


@pytest.mark.parametrize("make", [sql_report, replayed_report])
def test_problems_by_affected_customers_as_of_the_windows_end(built, clock, make):
    desk = built.desk
    clock.set(built.at(260))
    mail = desk.new_problem("Mail server fault").id
    desk.link_problem(2, mail)  # Ann
    desk.link_problem(4, mail)  # Ben
    clock.set(built.at(261))
    vpn = desk.new_problem("VPN profile").id
    desk.link_problem(5, vpn)  # Cara
    clock.set(built.at(262))
    desk.unlink_problem(4)
    clock.set(built.at(270))

    def affected(end: float) -> list[tuple[str, int, int]]:
        problems = make(built, 0, end).problems or []
        return [(p.title, p.affected_customers, p.cases) for p in problems]

    assert affected(260) == []  # the first problem was made at the window's end
    assert affected(260.5) == [("Mail server fault", 2, 2)]
    assert affected(261.5) == [("Mail server fault", 2, 2), ("VPN profile", 1, 1)]
    assert affected(263) == [("Mail server fault", 1, 1), ("VPN profile", 1, 1)]


def test_load_per_agent(main_report):
    # Open at +240: ann owns #2 and #4, bob #5, all overdue. Events in the window: bob created,
    # told, resolved, told and closed #3 and created, told and resolved #5; ann created and
    # assigned #4, and logged a call, told and set waiting on #2.
    assert main_report.agents == [AgentLoad("ann", 2, 2, 5, 1), AgentLoad("bob", 1, 1, 8, 3)]


def test_owner_filter_keeps_the_cases_owned_at_the_windows_end(built):
    r = sql_report(built, 0, 240, owner="bob")
    assert (r.cases_existing, r.cases_open_in_window, r.cases_open_at_until) == (2, 2, 1)
    assert r.told_total == 3
    assert r.open_seconds == (101 + 40) * H
    assert r.overdue_seconds == (26 + 28) * H
    assert [a.agent for a in r.agents] == ["bob"]
    assert r == replayed_report(built, 0, 240, owner="bob")


def test_window_ends_are_half_open(built):
    # [+2, +101): the told at +2 counts, the told at +101 does not, so as of +101 case #3 is
    # resolved and its customer not told yet.
    r = sql_report(built, 2, 101)
    assert r.told_total == 2  # #3 at +2, #2 at +20
    assert r.resolved_not_told == 1
    assert r.resolved_not_told_cases[0].case_id == 3
    assert r.resolved_not_told_cases[0].seconds == 1 * H
    assert r.resolution.count == 1
    assert r.first_response.count == 0  # nothing was created in the window
    assert r.overdue_seconds == (18 + 26 + 96) * H  # #2 2→20, #3 74→100, #4 5→101 from +2
    assert r == replayed_report(built, 2, 101)


def test_a_past_window_ignores_everything_after_it(built, clock):
    before = sql_report(built, -130, -100)
    # Later events, even on the same cases, change nothing about a window that has ended.
    clock.advance(hours=5)
    built.desk.tell(2, "Model number received, ordering the part.")
    built.desk.note(4, "Checked the logs.")
    after = sql_report(built, -130, -100)
    assert before == after
    # Only #1 (open until told at -199, closed) and #2 (created at -120) exist; #2 is open from
    # -120 and was told at -119, so nothing was overdue yet.
    assert before.cases_existing == 2
    assert before.open_seconds == 20 * H
    assert before.overdue_seconds == 0


def test_each_write_keeps_the_steps_up_to_date(built, clock):
    store, policy = built.desk.store, built.desk.policy
    assert update_steps(store, policy) == 0  # the desk folded every event as it was written
    clock.advance(hours=1)
    built.desk.tell(4, "Still on it.")
    if store.engine == "sqlite":  # PostgreSQL's writes fold the cases they wrote instead
        newest = store.conn.execute("SELECT max(id) FROM events").fetchone()[0]
        assert store.meta("report_steps_upto") == str(newest)
    assert update_steps(store, policy) == 0
    window = built.window(0, 300)
    sql = {f.case_id: f for f in case_figures(store, window)}
    for case_id in store.all_case_ids():
        steps = list(case_steps(store.events(case_id), policy))
        assert stored_steps(store, case_id) == steps
        assert summarize_case(steps, window) == sql[case_id]


@pytest.mark.sqlite_only(reason="PostgreSQL keeps no steps watermark at writes")
def test_a_store_far_behind_is_caught_up_by_the_report_not_by_a_write(built, clock):
    store, policy = built.desk.store, built.desk.policy
    store.conn.execute("UPDATE meta SET value = '0' WHERE key = 'report_steps_upto'")
    assert update_steps(store, policy, limit=4) is None  # 5 cases behind: left alone
    assert store.meta("report_steps_upto") == "0"
    assert update_steps(store, policy) == 5
    for case_id in store.all_case_ids():
        assert stored_steps(store, case_id) == list(case_steps(store.events(case_id), policy))


def test_steps_of_another_policy_are_folded_again_by_the_report_on_a_large_store(
    built, monkeypatch
):
    store, policy = built.desk.store, built.desk.policy
    monkeypatch.setattr(reports, "KEEP_LIMIT", 4)  # 5 cases: too many for a write to refold
    with store.transaction():
        store.set_meta("report_steps_policy", "folded with another policy")
    built.desk.note(1, "Written while the steps are stale.")
    assert store.meta("report_steps_policy") == "folded with another policy"
    assert update_steps(store, policy) == 5
    for case_id in store.all_case_ids():
        assert stored_steps(store, case_id) == list(case_steps(store.events(case_id), policy))
    built.desk.note(2, "And one after.")
    assert update_steps(store, policy) == 0
    assert stored_steps(store, 2) == list(case_steps(store.events(2), policy))


def test_a_small_store_with_stale_steps_is_folded_again_by_the_next_write(built):
    store, policy = built.desk.store, built.desk.policy
    with store.transaction():
        store.set_meta("report_steps_policy", "folded with another policy")
    built.desk.note(1, "Written while the steps are stale.")
    assert store.meta("report_steps_policy") != "folded with another policy"
    assert update_steps(store, policy) == 0
    for case_id in store.all_case_ids():
        assert stored_steps(store, case_id) == list(case_steps(store.events(case_id), policy))


def test_overdue_count_over_time(built):
    series = overdue_series(built.desk.store, built.desk.policy, built.window(0, 240), points=11)
    t0 = built.window(0, 240).s
    assert [t - t0 for t, _ in series] == [k * 24 * H for k in range(11)]
    # 0h: #2 (overdue since -47); 24h..72h: #4; 96h: #3 and #4; 120h..192h: #2 and #4 again;
    # 216h, 240h: #2, #4 and #5.
    assert [n for _, n in series] == [1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3]
    bobs = overdue_series(
        built.desk.store, built.desk.policy, built.window(0, 240), points=11, owner="bob"
    )
    assert [n for _, n in bobs] == [0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]


def test_the_window_must_end_after_it_starts(built):
    with pytest.raises(ValueError):
        Window(built.at(5), built.at(5))
