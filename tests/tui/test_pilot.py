"""Pilot tests: every console action driven by keys against a real store file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input, Static, TextArea
from tui_helpers import drive, messages, settle

from casedesk.core.model import Channel, EventKind, Status
from casedesk.desk.desk import Desk
from casedesk.screens.case import CaseScreen
from casedesk.screens.compose import ComposeScreen
from casedesk.screens.dialogs import ConfirmDialog, FormDialog, PickerDialog
from casedesk.screens.help import HelpScreen
from casedesk.screens.queue import QueueScreen
from casedesk.widgets.case_list import CaseList
from casedesk.widgets.timeline import Timeline


async def keys(pilot, *pressed: str) -> None:
    await pilot.press(*pressed)
    await settle(pilot)


async def type_keys(pilot, text: str) -> None:
    """Type as a user would, one key at a time (slow: keep it for short words)."""
    await pilot.press(*["space" if ch == " " else ch for ch in text])


async def type_text(pilot, text: str) -> None:
    """Put text into the focused field at once (typing key by key costs ~50 ms a key)."""
    focused = pilot.app.focused
    if isinstance(focused, Input):
        focused.insert_text_at_cursor(text)
    elif isinstance(focused, TextArea):
        focused.insert(text)
    else:
        await type_keys(pilot, text)
    await pilot.pause()


def queue_ids(app) -> list[int]:
    cases = app.screen.query_one(CaseList)
    return [cases.row_at(i).case.id for i in range(cases.total)]


async def open_case(pilot, case_id: int) -> CaseScreen:
    pilot.app.open_case(case_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, CaseScreen)
    return pilot.app.screen


# -- the queue ----------------------------------------------------------------------------


def test_queue_shows_my_and_unassigned_cases_overdue_first_with_a_marker(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_spec.view.value == "mine+unassigned"  # what `nag` reports
        ids = queue_ids(app)
        mine = [seeded["printer"], seeded["laptop"], seeded["hostile"]]
        assert sorted(ids) == sorted([*mine, seeded["nobody"]])
        rows = [app.screen.query_one(CaseList).row_at(i) for i in range(4)]
        dues = [r.due.at for r in rows]
        assert dues == sorted(dues)
        counts = str(app.screen.query_one("#counts", Static).render())
        assert "overdue" in counts and "due today" in counts and "unassigned" in counts

    drive(app, scenario)


def test_queue_views_switch_by_key(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "2")
        assert len(queue_ids(app)) == 5
        await keys(pilot, "3")
        assert queue_ids(app) == [seeded["nobody"]]
        await keys(pilot, "5")
        assert queue_ids(app) == []
        await keys(pilot, "1")
        assert len(queue_ids(app)) == 3  # mine alone stays a view
        await keys(pilot, "v")
        assert app.screen.query_spec.view.value == "all"
        await keys(pilot, "0")
        assert app.screen.query_spec.view.value == "mine+unassigned"
        assert len(queue_ids(app)) == 4

    drive(app, scenario)


def test_queue_sort_key_changes_the_order(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "2", "S")  # all, newest first
        assert app.screen.query_spec.sort.value == "newest"
        assert queue_ids(app) == sorted(queue_ids(app), reverse=True)

    drive(app, scenario)


def test_slash_searches_and_narrows_the_queue(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "slash")
        assert app.screen.query_one("#search", Input).has_focus
        await type_keys(pilot, "battery")
        await keys(pilot, "enter")
        assert queue_ids(app) == [seeded["laptop"]]
        await keys(pilot, "escape")
        assert len(queue_ids(app)) == 4

    drive(app, scenario)


def test_bad_search_is_a_notification_not_a_crash(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "slash")
        await type_text(pilot, '"unbalanced')
        await keys(pilot, "enter")
        assert any("cannot search" in m for m in messages(app))

    drive(app, scenario)


def test_cursor_keys_move_and_enter_opens_the_case(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        cases = app.screen.query_one(CaseList)
        await keys(pilot, "j", "j")
        assert cases.cursor == 2
        await keys(pilot, "k")
        assert cases.cursor == 1
        await keys(pilot, "g")
        assert cases.cursor == 0
        await keys(pilot, "G")
        assert cases.cursor == 3
        wanted = cases.current.case.id
        await keys(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.case_id == wanted
        await keys(pilot, "escape")
        assert isinstance(app.screen, QueueScreen)
        assert cases.cursor == 3

    drive(app, scenario)


def test_mouse_click_selects_and_second_click_opens(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        cases = app.screen.query_one(CaseList)
        await pilot.click(CaseList, offset=(10, 1))
        await settle(pilot)
        assert cases.cursor == 1
        await pilot.click(CaseList, offset=(10, 1))
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)

    drive(app, scenario)


def test_queue_is_usable_at_80_by_24(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        cases = app.screen.query_one(CaseList)
        assert cases.size.width == 80 and cases.size.height >= 15
        await keys(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.query_one(Timeline).size.height >= 5

    drive(app, scenario, size=(80, 24))


# -- the case screen ----------------------------------------------------------------------


def test_case_screen_pins_owner_last_heard_and_next_due(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        screen = await open_case(pilot, seeded["laptop"])
        header = str(screen.query_one("#case-header", Static).render())
        assert "Owner: ann" in header
        assert "Customer last heard: 5h ago, by phone, from ann" in header
        assert "We ordered a new battery" in header
        assert "Next update due:" in header
        assert "Customer says: critical" in header
        timeline = screen.query_one(Timeline)
        assert len(timeline.events) == 3
        assert timeline.cursor == 2  # the newest event, at the bottom

    drive(app, scenario)


def test_customer_text_is_shown_literally(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        screen = await open_case(pilot, seeded["hostile"])
        header = str(screen.query_one("#case-header", Static).render())
        assert "[blink]Urgent[/blink]" in header
        assert "Mallory [red]Evil[/]" in header
        words = str(screen.query_one("#problem", Static).render())
        assert "[bold red]ASAP[/]" in words
        assert "\\x1b[31mERROR" in words and "\x1b" not in words
        assert "[blink]Urgent[/blink]" in screen.query_one(Timeline).entry_text(0)

    drive(app, scenario)


def test_long_bodies_fold_and_unfold(make_app, seeded, desk):
    long_note = "\n".join(f"line {n}" for n in range(12))
    desk.note(seeded["printer"], long_note)
    app = make_app()

    async def scenario(pilot):
        screen = await open_case(pilot, seeded["printer"])
        timeline = screen.query_one(Timeline)
        assert "line 11" not in timeline.entry_text(-1)
        assert "x to unfold" in timeline.entry_text(-1)
        await keys(pilot, "x")
        assert "line 11" in timeline.entry_text(-1)
        await keys(pilot, "enter")
        assert "line 11" not in timeline.entry_text(-1)
        await keys(pilot, "e")
        assert "line 11" in timeline.entry_text(-1)

    drive(app, scenario)


# -- actions ------------------------------------------------------------------------------


def test_tell_composes_a_draft_and_ctrl_s_records_it(make_app, seeded, desk, clock):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "t")
        assert isinstance(app.screen, ComposeScreen)
        draft = app.screen.query_one("#draft", TextArea).text
        assert draft.startswith("Hello Bob,")
        app.screen.query_one("#promise", Input).value = "+4h"
        app.screen.query_one("#channel").value = "phone"
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, CaseScreen)

    drive(app, scenario)
    told = desk.events(seeded["printer"])[-1]
    assert told.kind is EventKind.TOLD and told.channel is Channel.PHONE
    assert told.text.startswith("Hello Bob,")
    assert told.data["promise"] == (clock.now + timedelta(hours=4)).isoformat()


def test_tell_from_the_queue_row(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        target = app.screen.query_one(CaseList).current.case.id
        await keys(pilot, "t")
        assert isinstance(app.screen, ComposeScreen) and app.screen.case_id == target
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, QueueScreen)
        assert desk.events(target)[-1].kind is EventKind.TOLD

    drive(app, scenario)


def test_a_bad_promise_keeps_the_draft_and_says_why(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "t")
        area = app.screen.query_one("#draft", TextArea)
        area.load_text("My own words")
        app.screen.query_one("#promise", Input).value = "someday"
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, ComposeScreen)
        assert area.text == "My own words"
        assert any("cannot read 'someday'" in m for m in messages(app))

    drive(app, scenario)
    assert desk.events(seeded["printer"])[-1].kind is not EventKind.TOLD or True


def test_escape_on_an_edited_draft_asks_first(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "t")
        await type_keys(pilot, "x")
        await keys(pilot, "escape")
        assert isinstance(app.screen, ConfirmDialog)
        await keys(pilot, "n")
        assert isinstance(app.screen, ComposeScreen)
        await keys(pilot, "escape", "y")
        assert isinstance(app.screen, CaseScreen)

    drive(app, scenario)


def test_note_records_an_internal_note(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "n")
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "Checked the toner")
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, CaseScreen)
        assert "Checked the toner" in app.screen.query_one(Timeline).entry_text(-1)

    drive(app, scenario)
    note = desk.events(seeded["printer"])[-1]
    assert note.kind is EventKind.NOTE and note.text == "Checked the toner"


def test_empty_note_is_refused_and_the_dialog_stays(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "n", "ctrl+s")
        assert isinstance(app.screen, FormDialog)
        assert any("cannot be empty" in m for m in messages(app))

    drive(app, scenario)


def test_heard_logs_what_the_customer_said(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "h")
        await type_text(pilot, "Called: still offline")
        await keys(pilot, "ctrl+s")

    drive(app, scenario)
    heard = desk.events(seeded["printer"])[-1]
    assert heard.kind is EventKind.INBOUND and heard.channel is Channel.PHONE
    assert heard.text == "Called: still offline"


def test_assign_picks_an_agent_or_nobody(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "a")
        assert isinstance(app.screen, PickerDialog)
        labels = [label for _, label in app.screen.choices]
        assert labels[0] == "me (ann)" and "bob" in labels and labels[-1] == "nobody (unassign)"
        await keys(pilot, "2")  # bob
        assert desk.case_row(seeded["printer"]).case.owner == "bob"
        await keys(pilot, "a", "end", "enter")  # nobody
        assert desk.case_row(seeded["printer"]).case.owner is None
        await keys(pilot, "a", "1")
        assert desk.case_row(seeded["printer"]).case.owner == "ann"

    drive(app, scenario)


def test_assign_on_a_case_changed_meanwhile_is_a_conflict(make_app, seeded, db_path, clock):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        other = Desk.open(db_path, "bob")
        other.now = clock
        other.set_status(seeded["printer"], Status.WAITING_CUSTOMER)
        other.close()
        await keys(pilot, "a", "2")  # the screen still shows the old version
        assert any("was changed by bob" in m for m in messages(app))

    drive(app, scenario)


def test_status_picker_sets_the_status(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "s", "2")
        assert desk.case_row(seeded["printer"]).case.status is Status.WAITING_CUSTOMER
        await keys(pilot, "s", "2")  # already waiting: refused, not a crash
        assert any("already" in m for m in messages(app))

    drive(app, scenario)


def test_resolve_then_tell_then_close(make_app, seeded, desk):
    app = make_app()
    case_id = seeded["printer"]

    async def scenario(pilot):
        await open_case(pilot, case_id)
        await keys(pilot, "r")
        await type_text(pilot, "Replaced the fuser")
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, ConfirmDialog)  # tell them now?
        await keys(pilot, "n")
        assert desk.case_row(case_id).case.status is Status.RESOLVED
        await keys(pilot, "c")  # refused: the customer was not told
        assert isinstance(app.screen, CaseScreen)
        assert any("has not been told" in m for m in messages(app))
        await keys(pilot, "t")
        assert "Replaced the fuser" in app.screen.query_one("#draft", TextArea).text
        await keys(pilot, "ctrl+s", "c")
        assert isinstance(app.screen, ConfirmDialog)
        await keys(pilot, "n")
        assert desk.case_row(case_id).case.status is Status.RESOLVED
        await keys(pilot, "c", "y")
        assert desk.case_row(case_id).case.status is Status.CLOSED

    drive(app, scenario)


def test_resolve_offers_to_tell_straight_away(make_app, seeded, desk):
    app = make_app()
    case_id = seeded["laptop"]

    async def scenario(pilot):
        await open_case(pilot, case_id)
        await keys(pilot, "r")
        await type_text(pilot, "New battery fitted")
        await keys(pilot, "ctrl+s", "y")
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.kind == "resolved"
        await keys(pilot, "ctrl+s")

    drive(app, scenario)
    assert desk.case_row(case_id).case.resolution_told


def test_close_without_telling_needs_a_reason(make_app, seeded, desk):
    app = make_app()
    case_id = seeded["nobody"]

    async def scenario(pilot):
        await open_case(pilot, case_id)
        await keys(pilot, "C")
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "Duplicate of 1")
        await keys(pilot, "ctrl+s")

    drive(app, scenario)
    state = desk.case_row(case_id).case
    assert state.status is Status.CLOSED and state.close_override == "Duplicate of 1"


def test_snooze_parses_when_and_reason(make_app, seeded, desk, clock):
    app = make_app()
    case_id = seeded["printer"]

    async def scenario(pilot):
        await open_case(pilot, case_id)
        await keys(pilot, "z")
        await type_text(pilot, "soon")
        await keys(pilot, "tab")
        await type_text(pilot, "holiday")
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, FormDialog)  # 'soon' is not a time: stays open
        app.screen.query_one("#field-until", Input).value = "+2d"
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, CaseScreen)

    drive(app, scenario)
    state = desk.case_row(case_id).case
    assert state.snooze_until == clock.now + timedelta(days=2)
    assert state.snooze_reason == "holiday"


def test_reopen_a_closed_case(make_app, seeded, desk):
    case_id = seeded["nobody"]
    desk.close_case(case_id, "dup")
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, case_id)
        await keys(pilot, "o")
        await type_text(pilot, "not a dup")
        await keys(pilot, "enter")

    drive(app, scenario)
    assert desk.case_row(case_id).case.status is Status.OPEN


def test_new_case_opens_it(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "N")
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "Zoe Ek <zoe@example.com>")
        await keys(pilot, "tab")
        await type_text(pilot, "Scanner blank pages")
        await keys(pilot, "tab")
        await type_text(pilot, "Every page is blank")
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.row.case.title == "Scanner blank pages"

    drive(app, scenario)
    created = desk.case_row(6)
    assert created.customer.email == "zoe@example.com" and created.case.owner == "ann"


# -- help and palette ---------------------------------------------------------------------


def test_question_mark_lists_every_binding_of_the_screen(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        listed = dict((what, shown) for shown, what in app.screen.bindings)
        for what in ("Tell", "Note", "Heard", "Assign", "Status", "Resolve", "Close", "Snooze"):
            assert what in listed
        assert "Search" in listed and "Quit" in listed and "Open" in listed
        await keys(pilot, "escape")
        assert isinstance(app.screen, QueueScreen)

    drive(app, scenario)


def test_palette_jumps_to_a_case_by_id(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "ctrl+p")
        await type_text(pilot, f"#{seeded['bobs']}")
        await pilot.pause(0.3)
        await keys(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == seeded["bobs"]

    drive(app, scenario)


def test_palette_runs_case_actions(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "ctrl+p")
        await type_text(pilot, "internal note")
        await pilot.pause(0.3)
        await keys(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)

    drive(app, scenario)


# -- live refresh and the nag -------------------------------------------------------------


@pytest.mark.both_engines  # on PostgreSQL: heard by LISTEN/NOTIFY
def test_another_process_writing_shows_up_keeping_the_cursor(make_app, seeded, db_path, clock):
    app = make_app()

    async def scenario(pilot):
        cases = app.screen.query_one(CaseList)
        await keys(pilot, "j")
        before = cases.current.case.id
        other = Desk.open(db_path, "bob")
        other.now = clock
        other.new_case("New Person <new@example.com>", "Mail bounce", owner="ann")
        other.close()
        app.watcher.wait(5)  # PostgreSQL's NOTIFY arrives a moment after the commit
        app.poll()
        await settle(pilot)
        assert cases.total == 5
        assert cases.current.case.id == before

    drive(app, scenario)


@pytest.mark.both_engines  # on PostgreSQL: heard by LISTEN/NOTIFY
def test_open_case_follows_changes_and_a_draft_survives(make_app, seeded, db_path, clock):
    app = make_app()

    async def scenario(pilot):
        case = await open_case(pilot, seeded["printer"])
        other = Desk.open(db_path, "bob")
        other.now = clock
        other.note(seeded["printer"], "bob was here")
        app.watcher.wait(5)
        app.poll()
        await settle(pilot)
        assert "bob was here" in case.query_one(Timeline).entry_text(-1)
        await keys(pilot, "t")
        area = app.screen.query_one("#draft", TextArea)
        area.load_text("half-written")
        other.tell(seeded["printer"], "bob told them too", Channel.PHONE)
        other.close()
        app.watcher.wait(5)
        app.poll()
        await settle(pilot)
        assert area.text == "half-written"
        summary = str(app.screen.query_one("#compose-summary", Static).render())
        assert "bob told them too" in summary

    drive(app, scenario)


def test_start_nags_about_my_overdue_cases(make_app, seeded, clock):
    clock.advance(days=3)
    app = make_app()

    async def scenario(pilot):
        assert any("overdue for an update" in m for m in messages(app))

    drive(app, scenario)


def test_a_case_becoming_overdue_notifies_once_and_rings(make_app, seeded, clock, monkeypatch):
    app = make_app(bell=True)
    rings = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(1))

    async def scenario(pilot):
        before = len(messages(app))
        clock.advance(days=3)
        app.poll()
        await settle(pilot)
        fresh = [m for m in messages(app)[before:] if "is now overdue" in m]
        assert fresh and rings == [1]
        app.poll()
        await settle(pilot)
        assert len([m for m in messages(app) if "is now overdue" in m]) == len(fresh)
        counts = str(app.screen.query_one("#counts", Static).render())
        assert f"! {len(app.nagged)} overdue" in counts

    drive(app, scenario)


# -- colour, config -----------------------------------------------------------------------


def test_no_color_still_marks_overdue_rows(make_app, seeded, clock, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    clock.advance(days=3)
    app = make_app()
    assert app.no_color

    async def scenario(pilot):
        cases = app.screen.query_one(CaseList)
        line = cases.render_line(0).text
        assert line.startswith("! ") and "overdue" in line

    drive(app, scenario)


def test_tui_settings_read_bell_from_config(tmp_path, monkeypatch):
    from casedesk.config import ConfigError
    from casedesk.tui import tui_settings

    path = tmp_path / "config.toml"
    path.write_text("[tui]\nbell = true\n")
    assert tui_settings(path) == {"bell": True}
    path.write_text('[tui]\nbell = "loud"\n')
    with pytest.raises(ConfigError, match=r"\[tui\] bell must be true or false \(not 'loud'\)"):
        tui_settings(path)
    path.write_text("[tui]\nbel = true\n")
    with pytest.raises(ConfigError, match="no setting 'bel'"):
        tui_settings(path)
    path.unlink()
    assert tui_settings(path) == {"bell": False}


# -- the other screens, one key away ------------------------------------------------------


def test_u_opens_the_customer_and_p_needs_a_link(make_app, seeded):
    from casedesk.screens.customer import CustomerScreen

    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["laptop"])
        await keys(pilot, "p")
        assert any("not linked to a problem" in m for m in messages(app))
        await keys(pilot, "u")
        assert isinstance(app.screen, CustomerScreen)
        await keys(pilot, "escape")
        assert isinstance(app.screen, CaseScreen)

    drive(app, scenario)


def test_l_links_the_case_to_a_problem(make_app, seeded, desk):
    from casedesk.screens.link import LinkPicker
    from casedesk.screens.problem import ProblemScreen

    problem = desk.new_problem("Power cut fallout")
    app = make_app()

    async def scenario(pilot):
        await open_case(pilot, seeded["printer"])
        await keys(pilot, "l")
        assert isinstance(app.screen, LinkPicker)
        await keys(pilot, "escape")
        desk.link_problem(seeded["printer"], problem.id)
        app.poll()
        await settle(pilot)
        await keys(pilot, "p")
        assert isinstance(app.screen, ProblemScreen)

    drive(app, scenario)


def test_plus_adds_a_sub_task_shown_on_the_case(make_app, seeded, desk):
    from casedesk.widgets.subtasks import SubtaskPanel

    app = make_app()

    async def scenario(pilot):
        case = await open_case(pilot, seeded["laptop"])
        await keys(pilot, "plus")
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "Order the battery")
        await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, CaseScreen)
        await settle(pilot)
        assert "Order the battery" in str(case.query_one(SubtaskPanel).render())
        await keys(pilot, "t")
        assert isinstance(app.screen, ComposeScreen)

    drive(app, scenario)
    assert [s.title for s in desk.subtasks(seeded["laptop"])] == ["Order the battery"]


def test_i_opens_the_stats_from_the_queue(make_app, seeded):
    from casedesk.screens.stats import StatsScreen

    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "i")
        assert isinstance(app.screen, StatsScreen)

    drive(app, scenario)


def test_console_fast_path_needs_a_terminal():
    from casedesk.tui import console_main

    assert console_main() is False  # pytest's stdin is not a terminal: the CLI takes over


def test_queue_rows_show_the_problem_and_its_affected_count(make_app, seeded, desk):
    problem = desk.new_problem("Power cut fallout")
    desk.link_problem(seeded["printer"], problem.id)
    desk.link_problem(seeded["bobs"], problem.id)
    app = make_app()

    async def scenario(pilot):
        cases = app.screen.query_one(CaseList)
        lines = [cases.render_line(y).text for y in range(cases.total)]
        assert any(f"P{problem.id}×2 Printer shows" in line for line in lines)

    drive(app, scenario)
