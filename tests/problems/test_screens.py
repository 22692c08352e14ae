"""Pilot tests: each screen pushed onto a minimal App that holds a Desk on a real store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, Static, TextArea

from casedesk.core.model import Channel, DueReason, EventKind, Status
from casedesk.screens.customer import CustomerScreen
from casedesk.screens.link import LinkPicker
from casedesk.screens.problem import ProblemScreen
from casedesk.widgets.subtasks import SubtaskPanel, ask_add_subtask, ask_finish_subtask

pytestmark = pytest.mark.both_engines


class Host(App[None]):
    """Just enough app for a screen: the desk, and `open_case` recording what was opened."""

    def __init__(self, desk: Any, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.desk = desk
        self.make_screen = make_screen
        self.opened: list[int] = []
        self.result: Any = "not yet"

    def on_mount(self) -> None:
        def keep(result: Any) -> None:
            self.result = result

        self.push_screen(self.make_screen(), keep)

    def open_case(self, case_id: int) -> None:
        self.opened.append(case_id)


def drive(app: Host, scenario: Callable[[Any], Awaitable[None]], size=(110, 34)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot)

    asyncio.run(main())


async def put_text(pilot: Any, text: str) -> None:
    focused = pilot.app.focused
    if isinstance(focused, Input):
        focused.insert_text_at_cursor(text)
    elif isinstance(focused, TextArea):
        focused.load_text(text)
    await pilot.pause()


def screen_text(app: Host, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notes(app: Host) -> list[str]:
    return [n.message for n in app._notifications]


def _printer_problem(desk: Any, clock: Any, reports: int = 3) -> tuple[int, list[int]]:
    problem = desk.new_problem("Printer offline after the power cut")
    ids = []
    for n in range(reports):
        case = desk.new_case(f"Cust{n} Person <c{n}@example.com>", "Printer offline", "offline")
        desk.link_problem(case.id, problem.id)
        ids.append(case.id)
        clock.advance(minutes=10)
    return problem.id, ids


def test_problem_screen_shows_the_evidence_and_opens_a_case(desk, clock):
    pid, ids = _printer_problem(desk, clock)
    app = Host(desk, lambda: ProblemScreen(pid))

    async def scenario(pilot):
        header = screen_text(app, "#problem-header")
        assert "Problem P1: Printer offline after the power cut" in header
        assert "3 cases from 3 customers" in header
        assert app.screen.query_one(DataTable).row_count == 3
        await pilot.press("j", "enter")
        assert app.opened == [ids[1]]

    drive(app, scenario)


def test_problem_screen_resolves_then_tells_everyone_in_one_action(desk, clock):
    pid, ids = _printer_problem(desk, clock)
    app = Host(desk, lambda: ProblemScreen(pid))

    async def scenario(pilot):
        await pilot.press("R")
        await pilot.pause()
        await put_text(pilot, "Driver 4.2 fixes it.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        for case_id in ids:
            row = desk.case_row(case_id)
            assert row.case.status is Status.RESOLVED and row.due.reason is DueReason.RESOLUTION
        assert "resolved" in screen_text(app, "#problem-header")

        await pilot.press("T")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        assert "{problem_summary}" in area.text  # the resolved template, filled per case
        await pilot.press("ctrl+s")
        await pilot.pause()
        for n, case_id in enumerate(ids):
            told = [e for e in desk.events(case_id) if e.kind is EventKind.TOLD]
            assert len(told) == 1
            assert f"Hello Cust{n}," in told[0].text and "Driver 4.2 fixes it." in told[0].text
            assert desk.case_row(case_id).due is None
        assert any("told 3 customer(s)" in m for m in notes(app))

    drive(app, scenario)


def test_problem_screen_unlinks_the_selected_case(desk, clock):
    pid, ids = _printer_problem(desk, clock, reports=2)
    app = Host(desk, lambda: ProblemScreen(pid))

    async def scenario(pilot):
        await pilot.press("u")
        await pilot.pause()
        assert desk.store.case(ids[0]).problem_id is None
        assert app.screen.query_one(DataTable).row_count == 1
        assert "1 case from 1 customer" in screen_text(app, "#problem-header")

    drive(app, scenario)


def test_tell_all_with_nothing_open_says_so(desk, clock):
    problem = desk.new_problem("Nothing linked")
    app = Host(desk, lambda: ProblemScreen(problem.id))

    async def scenario(pilot):
        await pilot.press("T")
        await pilot.pause()
        assert any("no open case" in m for m in notes(app))
        assert isinstance(app.screen, ProblemScreen)

    drive(app, scenario)


def test_customer_screen_shows_cases_notes_and_takes_a_note(desk, clock):
    case = desk.new_case("Ann Lee <ann@example.com>", "Laptop won't charge")
    clock.advance(hours=2)
    desk.heard(case.id, "any news? [bold]x[/]", Channel.PHONE)
    desk.note_customer("1", "Prefers calls")
    app = Host(desk, lambda: CustomerScreen(1))

    async def scenario(pilot):
        assert "Customer #1: Ann Lee <ann@example.com>" in screen_text(app, "#customer-header")
        assert "Prefers calls" in screen_text(app, "#customer-notes")
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert "any news? [bold]x[/]" in str(table.get_row_at(0)[3])
        await pilot.press("n")
        await pilot.pause()
        await put_text(pilot, "VIP: call back within the hour")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "VIP: call back within the hour" in screen_text(app, "#customer-notes")
        await pilot.press("enter")
        assert app.opened == [case.id]

    drive(app, scenario)


def test_customer_screen_merges_a_duplicate(desk, clock):
    desk.new_case("Ann Lee <ann@example.com>", "Laptop")
    dup = desk.new_case("Ann L. <ann.lee@home.example>", "Charger")
    app = Host(desk, lambda: CustomerScreen(1))

    async def scenario(pilot):
        await pilot.press("M")
        await pilot.pause()
        await put_text(pilot, "ann.lee@home.example")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert desk.store.case(dup.id).customer_id == 1
        assert app.screen.query_one(DataTable).row_count == 2
        assert "merged in: #2" in screen_text(app, "#customer-header")

    drive(app, scenario)


def test_customer_screen_refusal_keeps_the_form_open(desk, clock):
    desk.new_case("Ann Lee <ann@example.com>", "Laptop")
    app = Host(desk, lambda: CustomerScreen(1))

    async def scenario(pilot):
        await pilot.press("M")
        await pilot.pause()
        await put_text(pilot, "1")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("themselves" in m for m in notes(app))
        assert not isinstance(app.screen, CustomerScreen)  # the form is still open

    drive(app, scenario)


class CaseLike(Screen[None]):
    """What the case screen does with the panel: mount it, load it, wire two keys."""

    BINDINGS: ClassVar[list[Any]] = [
        ("plus", "add_subtask", "Sub-task"),
        ("D", "finish_subtask", "Sub-task done"),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self):
        yield SubtaskPanel(id="subtasks")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.query_one(SubtaskPanel).load(self.app.desk, self.case_id)

    def action_add_subtask(self) -> None:
        ask_add_subtask(self, self.app.desk, self.case_id, self.reload)

    def action_finish_subtask(self) -> None:
        ask_finish_subtask(self, self.app.desk, self.case_id, self.reload)


def test_subtask_panel_shows_progress_and_its_dialogs_change_it(desk, clock):
    case = desk.new_case("Ann", "Laptop", owner="ann")
    desk.add_subtask(case.id, "Order battery", team="parts")
    desk.add_subtask(case.id, "Fit battery", assignee="bob", team="hardware")
    app = Host(desk, lambda: CaseLike(case.id))

    async def scenario(pilot):
        panel = app.screen.query_one(SubtaskPanel)
        text = str(panel.render())
        assert "0 of 2 steps done" in text and "hardware (bob)" in text
        await pilot.press("plus")
        await pilot.pause()
        await put_text(pilot, "Warranty claim")
        await pilot.press("tab")
        await put_text(pilot, "warranty")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "0 of 3 steps done" in str(panel.render())
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("tab")
        await put_text(pilot, "the new battery has shipped")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = str(panel.render())
        assert "1 of 3 steps done" in text and "the new battery has shipped" in text
        assert "drafted update" in text
        assert desk.store.case(case.id).status is Status.OPEN
        assert desk.current_draft(case.id) is not None

    drive(app, scenario)


def test_subtask_panel_hides_without_subtasks(desk, clock):
    case = desk.new_case("Ann", "Laptop")
    app = Host(desk, lambda: CaseLike(case.id))

    async def scenario(pilot):
        panel = app.screen.query_one(SubtaskPanel)
        assert panel.has_class("-empty") and not panel.display
        await pilot.press("D")
        await pilot.pause()
        assert any("no open sub-task" in m for m in notes(app))

    drive(app, scenario)


def _similar_store(desk, clock):
    problem = desk.new_problem("Printer offline after power cut")
    linked = desk.new_case("A <a@example.com>", "Office printer offline", "printer offline")
    desk.link_problem(linked.id, problem.id)
    loose = desk.new_case("B <b@example.com>", "Printer offline again", "printer offline")
    other = desk.new_problem("VPN drops")
    fresh = desk.new_case("C <c@example.com>", "printer offline since monday", "")
    return problem.id, other.id, loose.id, fresh.id


def test_link_picker_offers_similar_reports_and_links_the_starred_problem(desk, clock):
    pid, other, loose, fresh = _similar_store(desk, clock)
    app = Host(desk, lambda: LinkPicker(fresh))

    async def scenario(pilot):
        evidence = screen_text(app, "#link-similar")
        assert "2 similar open reports" in evidence and f"#{loose}" in evidence
        options = app.screen.query_one(OptionList)
        first = str(options.get_option_at_index(0).prompt)
        assert first.startswith(f"★ P{pid}")
        assert str(options.get_option_at_index(1).prompt).startswith(f"  P{other}")
        await pilot.press("enter")
        await pilot.pause()
        assert desk.store.case(fresh).problem_id == pid
        assert app.result == pid

    drive(app, scenario)


def test_link_picker_makes_a_new_problem_with_the_similar_loose_reports(desk, clock):
    _, _, loose, fresh = _similar_store(desk, clock)
    app = Host(desk, lambda: LinkPicker(fresh))

    async def scenario(pilot):
        options = app.screen.query_one(OptionList)
        last = options.option_count - 1
        assert "and its 1 similar report" in str(options.get_option_at_index(last).prompt)
        options.highlighted = last
        await pilot.press("enter")
        await pilot.pause()
        made = app.result
        assert made == 3
        assert desk.store.case(fresh).problem_id == made == desk.store.case(loose).problem_id
        assert desk.problem(made).title == "printer offline since monday"
        assert desk.check().clean

    drive(app, scenario)


def test_link_picker_escape_links_nothing(desk, clock):
    _, _, _, fresh = _similar_store(desk, clock)
    app = Host(desk, lambda: LinkPicker(fresh))

    async def scenario(pilot):
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None and desk.store.case(fresh).problem_id is None

    drive(app, scenario)


def test_screens_work_inside_the_real_console(desk, clock, db_path):
    """Pushed onto casedesk's own app: its stylesheets, and enter opens the real case screen."""
    from casedesk.app import CasedeskApp
    from casedesk.screens.case import CaseScreen

    pid, ids = _printer_problem(desk, clock, reports=2)
    app = CasedeskApp(db_path, "ann", settings={}, poll_seconds=None)
    app.desk.now = clock

    async def main() -> None:
        async with app.run_test(size=(110, 34)) as pilot:
            await pilot.pause()
            app.push_screen(ProblemScreen(pid))
            await pilot.pause()
            assert "2 cases from 2 customers" in screen_text(app, "#problem-header")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == ids[0]
            app.push_screen(CustomerScreen(desk.store.case(ids[0]).customer_id))
            await pilot.pause()
            assert "Customer #1" in screen_text(app, "#customer-header")
            app.push_screen(LinkPicker(ids[1]))
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, CustomerScreen)

    asyncio.run(main())
