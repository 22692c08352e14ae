"""The catch-up round (`T`): every overdue case of the view, one drafted screen each."""

from __future__ import annotations

import asyncio
import email
import sys
from email.policy import default
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea
from tui_helpers import drive, messages, settle, smtp_config

from casedesk.core.clock import to_text
from casedesk.core.model import Channel, EventKind, Status
from casedesk.core.rules import is_overdue
from casedesk.core.when import parse_when
from casedesk.desk.desk import Desk
from casedesk.screens.catchup import CatchUpScreen, Tally
from casedesk.screens.dialogs import ConfirmDialog, FormDialog
from casedesk.screens.help import HelpScreen
from casedesk.screens.queue import QueueScreen
from casedesk.widgets.case_list import CaseList
from casedesk.widgets.presence import PresenceBeacon

sys.path.insert(0, str(Path(__file__).parents[1] / "mail"))
from mail_helpers import Capture, SmtpServer, free_port


async def keys(pilot, *pressed: str) -> None:
    await pilot.press(*pressed)
    await settle(pilot)


def told(desk: Desk, case_id: int) -> list[str]:
    """The words of every update the customer of `case_id` was given."""
    return [e.text for e in desk.events(case_id) if e.kind is EventKind.TOLD]


def overdue_of_ann(desk: Desk, now) -> list[int]:
    """Ann's and nobody's open cases whose customer is overdue, asked case by case."""
    found = []
    for row in desk.store.list_cases(limit=None):
        if row.case.status is Status.CLOSED or row.case.owner not in ("ann", None):
            continue
        if is_overdue(row.due, now):
            found.append(row.case.id)
    return found


@pytest.fixture
def overdue(seeded, clock) -> list[int]:
    """Three of ann's (and nobody's) customers overdue, most overdue first."""
    clock.advance(hours=2, minutes=30)
    return [seeded["laptop"], seeded["hostile"], seeded["nobody"]]


def the_round(app) -> CatchUpScreen:
    assert isinstance(app.screen, CatchUpScreen), app.screen
    return app.screen


def draft_of(app) -> str:
    return app.screen.query_one("#round-draft", TextArea).text


async def start(pilot) -> CatchUpScreen:
    await keys(pilot, "T")
    return the_round(pilot.app)


def test_summary_says_the_numbers_in_words():
    tally = Tally(told=7, snoozed=2, skipped=1)
    assert tally.summary(3) == "told 7 · snoozed 2 · skipped 1 · 3 still overdue"


def test_t_walks_the_overdue_cases_most_overdue_first_with_a_draft_each(
    make_app, overdue, desk, clock
):
    app = make_app()
    seen: list[tuple[int, str]] = []

    async def scenario(pilot):
        screen = await start(pilot)
        for _ in overdue:
            seen.append((screen.current.row.case.id, draft_of(app)))
            header = str(screen.query_one("#round-header").render())
            assert "OVERDUE" in header and " · told " in header
            await keys(pilot, "ctrl+s")
        assert isinstance(app.screen, QueueScreen)

    drive(app, scenario)
    assert [case_id for case_id, _ in seen] == overdue
    for case_id, draft in seen:
        assert told(desk, case_id)[-1] == draft  # what was shown is what was recorded
        assert f"(case #{case_id})" in draft and "{" not in draft
    # The laptop's customer heard from us before; the other two never did.
    assert seen[0][1].startswith("Hello Carla,\n\nA quick update")
    assert "Thank you for getting in touch" in seen[1][1]
    assert "Thank you for getting in touch" in seen[2][1]
    assert overdue_of_ann(desk, clock.now) == []


def test_the_draft_fits_each_case_state(make_app, seeded, desk, clock):
    resolved = desk.new_case("Gus Lee <gus@example.com>", "Mail bounces", "All mail bounces.")
    desk.tell(resolved.id, "Looking at it.", Channel.EMAIL)
    desk.resolve(resolved.id, "The mailbox quota was raised.")
    third = desk.new_case("Hana Ito <hana@example.com>", "Screen flickers", "", owner="ann")
    desk.tell(third.id, "Sent it to the maker.", Channel.EMAIL)
    desk.set_status(third.id, Status.WAITING_THIRD_PARTY)
    sub = desk.new_case("Ivo Berg <ivo@example.com>", "New desk phone", "", owner="ann")
    desk.tell(sub.id, "Ordered.", Channel.EMAIL)
    desk.add_subtask(sub.id, "the phone has shipped")
    clock.advance(days=6)
    app = make_app()
    drafts: dict[int, tuple[str, str]] = {}

    async def scenario(pilot):
        screen = await start(pilot)
        while isinstance(app.screen, CatchUpScreen):
            drafts[screen.current.row.case.id] = (screen.kind, draft_of(app))
            await keys(pilot, "ctrl+n")

    drive(app, scenario)
    assert drafts[resolved.id][0] == "resolved"
    assert "The mailbox quota was raised." in drafts[resolved.id][1]
    assert drafts[third.id][0] == "waiting-third-party"
    assert drafts[sub.id][0] == "progress" and "shipped" in drafts[sub.id][1]
    assert drafts[seeded["nobody"]][0] == "acknowledgement"
    assert len({text for _, text in drafts.values()}) == len(drafts)


def test_ctrl_n_skips_without_recording(make_app, overdue, desk):
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        await keys(pilot, "ctrl+n")
        assert screen.current.row.case.id == overdue[1]
        await keys(pilot, "escape")

    drive(app, scenario)
    assert told(desk, overdue[0])[-1] == "We ordered a new battery; it arrives Thursday."
    assert told(desk, overdue[1]) == []
    assert messages(app)[-1] == "told 0 · snoozed 0 · skipped 1 · 3 still overdue"


def test_z_snoozes_with_when_and_why_and_moves_on(make_app, overdue, desk, clock):
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        await keys(pilot, "z")
        assert isinstance(app.screen, FormDialog)
        app.screen.query_one("#field-until", Input).value = "+2d"
        app.screen.query_one("#field-reason", Input).value = "waiting for the part"
        await keys(pilot, "ctrl+s")
        assert app.screen is screen
        assert screen.current.row.case.id == overdue[1]
        await keys(pilot, "escape")

    drive(app, scenario)
    state = desk.case_row(overdue[0]).case
    assert state.snooze_reason == "waiting for the part"
    assert messages(app)[-1] == "told 0 · snoozed 1 · skipped 0 · 2 still overdue"


def test_a_takes_the_case_and_stays_on_it(make_app, overdue, desk):
    app = make_app()
    nobody = overdue[2]

    async def scenario(pilot):
        screen = await start(pilot)
        await keys(pilot, "ctrl+n", "ctrl+n")
        assert screen.current.row.case.id == nobody
        await keys(pilot, "a")
        assert screen.current.row.case.id == nobody
        assert "owner ann · " in str(screen.query_one("#round-header").render())
        await keys(pilot, "ctrl+s")  # our own change is no reason to skip it
        assert isinstance(app.screen, QueueScreen)

    drive(app, scenario)
    assert desk.case_row(nobody).case.owner == "ann"
    assert len(told(desk, nobody)) == 1


def test_escape_ends_with_the_summary_and_the_queue_where_it_was(make_app, overdue, desk):
    app = make_app()

    async def scenario(pilot):
        cases = app.screen.query_one(CaseList)
        await keys(pilot, "j", "j")
        where = cases.current.case.id
        await start(pilot)
        await keys(pilot, "ctrl+s", "ctrl+n")
        await keys(pilot, "escape")
        assert isinstance(app.screen, QueueScreen)
        assert cases.current.case.id == where  # the same case (its row moved: it was told)

    drive(app, scenario)
    assert messages(app)[-1] == "told 1 · snoozed 0 · skipped 1 · 2 still overdue"


def test_e_edits_the_draft_and_escape_leaves_the_editor_first(make_app, overdue, desk):
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        await keys(pilot, "e")
        area = screen.query_one("#round-draft", TextArea)
        assert area.has_focus
        area.load_text("Carla, the battery is in; come by at noon.")
        await keys(pilot, "z", "a")  # typed into the draft, not snooze/take
        await keys(pilot, "escape")
        assert app.screen is screen and not area.has_focus
        await keys(pilot, "escape")  # an edited draft: ask before throwing it away
        assert isinstance(app.screen, ConfirmDialog)
        await keys(pilot, "n")
        await keys(pilot, "ctrl+s")

    drive(app, scenario)
    assert told(desk, overdue[0])[-1].startswith("za")
    assert told(desk, overdue[0])[-1].endswith("come by at noon.")


def test_c_changes_the_channel_the_update_is_recorded_by(make_app, overdue, desk):
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        assert screen.channel is Channel.PHONE  # the laptop's customer was last told by phone
        await keys(pilot, "c")
        assert screen.channel is Channel.CHAT
        await keys(pilot, "ctrl+s")

    drive(app, scenario)
    assert desk.events(overdue[0])[-1].channel is Channel.CHAT


def test_a_case_another_agent_told_meanwhile_is_skipped_never_told_twice(
    make_app, overdue, desk, db_path, clock
):
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        assert screen.current.row.case.id == overdue[0]
        # Another agent, on their own connection, tells the next customer while ann reads.
        bob = Desk.open(db_path, "bob")
        bob.now = clock
        bob.tell(overdue[1], "Bob here: on it.", Channel.PHONE)
        bob.close()
        await keys(pilot, "ctrl+s")
        assert screen.current.row.case.id == overdue[2]
        assert any("was changed by bob" in m and "skipped" in m for m in messages(app))
        await keys(pilot, "escape")

    drive(app, scenario)
    assert told(desk, overdue[1]) == ["Bob here: on it."]
    assert messages(app)[-1] == "told 1 · snoozed 0 · skipped 1 · 1 still overdue"


def test_the_case_on_screen_told_by_another_agent_is_not_told_again(
    make_app, overdue, desk, db_path, clock
):
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        screen.query_one("#round-draft", TextArea).load_text("Ann's edited words.")
        bob = Desk.open(db_path, "bob")
        bob.now = clock
        bob.tell(overdue[0], "Bob called her.", Channel.PHONE)
        bob.close()
        app.poll()  # the live refresh sees it: a warning, the edited draft stays
        await settle(pilot)
        assert screen.current.row.case.id == overdue[0]
        assert any("will not tell them twice" in m for m in messages(app))
        await keys(pilot, "ctrl+s")  # refused by the version: skipped, not sent
        assert screen.current.row.case.id == overdue[1]

    drive(app, scenario)
    assert told(desk, overdue[0])[-1] == "Bob called her."
    assert "Ann's edited words." not in told(desk, overdue[0])


def test_ctrl_s_sends_by_mail_through_a_real_smtp_server(
    make_app, overdue, desk, tmp_path, monkeypatch
):
    with SmtpServer(Capture()) as server:
        smtp_config(tmp_path, monkeypatch, server.port)
        app = make_app()

        async def scenario(pilot):
            screen = await start(pilot)
            await keys(pilot, "ctrl+n")  # the laptop's customer is told by phone
            assert screen.channel is Channel.EMAIL
            await keys(pilot, "ctrl+s")
            assert screen.current.row.case.id == overdue[2]

        drive(app, scenario)
        [(_, rcpts, raw)] = server.capture.received
    message = email.message_from_bytes(raw, policy=default)
    assert rcpts == ["mallory@example.com"]
    sent = message.get_content().replace("\r\n", "\n").strip()
    assert sent == told(desk, overdue[1])[-1].strip()
    assert desk.events(overdue[1])[-1].data["message_id"] == message["Message-ID"]


def test_a_failed_send_keeps_the_draft_and_stays_on_the_case(
    make_app, overdue, desk, tmp_path, monkeypatch
):
    smtp_config(tmp_path, monkeypatch, free_port())  # nobody listens there
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        await keys(pilot, "ctrl+n")
        screen.query_one("#round-draft", TextArea).load_text("Mallory, fixed by Friday.")
        await keys(pilot, "ctrl+s")
        assert app.screen is screen
        assert screen.current.row.case.id == overdue[1]
        assert draft_of(app) == "Mallory, fixed by Friday."
        assert any(m.startswith("not sent:") for m in messages(app))
        assert not screen.sending
        await keys(pilot, "c", "ctrl+s")  # by phone instead: recorded, and on to the next
        assert screen.current.row.case.id == overdue[2]

    drive(app, scenario)
    assert told(desk, overdue[1]) == ["Mallory, fixed by Friday."]
    assert desk.events(overdue[1])[-1].channel is Channel.PHONE


def test_nothing_overdue_says_so(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "T")
        assert isinstance(app.screen, QueueScreen)
        assert "nobody is overdue" in messages(app)[-1]

    drive(app, scenario)


def test_the_round_follows_the_view_it_starts_from(make_app, overdue):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "3")  # unassigned only
        screen = await start(pilot)
        assert [case_id for case_id, _ in screen.cases] == [overdue[2]]

    drive(app, scenario)


def test_the_palette_starts_the_round_and_help_lists_its_keys(make_app, overdue):
    app = make_app()

    async def scenario(pilot):
        await keys(pilot, "ctrl+p")
        app.screen.query_one(Input).value = "catch-up"
        await settle(pilot)
        await keys(pilot, "enter")
        the_round(app)
        await keys(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        listed = {what for _, what in app.screen.bindings}
        for what in ("Send / record, next", "Skip", "Snooze, next", "Take it", "End round"):
            assert what in listed

    drive(app, scenario)


def test_no_mail_goes_out_for_a_case_another_agent_told_meanwhile(
    make_app, overdue, desk, db_path, clock, tmp_path, monkeypatch
):
    with SmtpServer(Capture()) as server:
        smtp_config(tmp_path, monkeypatch, server.port)
        app = make_app()

        async def scenario(pilot):
            screen = await start(pilot)
            await keys(pilot, "ctrl+n")
            bob = Desk.open(db_path, "bob")
            bob.now = clock
            bob.note(overdue[1], "Bob is calling her now.")
            bob.close()
            screen.query_one("#round-draft", TextArea).load_text("Edited, so it is not skipped.")
            await keys(pilot, "ctrl+s")
            assert screen.current.row.case.id == overdue[2]
            assert any("was changed by bob" in m for m in messages(app))

        drive(app, scenario)
        assert server.capture.received == []
    assert told(desk, overdue[1]) == []


def test_others_see_the_round_writing_to_each_customer_in_turn(make_app, overdue, desk, clock):
    bob = Desk(desk.store, desk.policy, "bob", clock)
    bob.announce(overdue[1], "viewing")
    app = make_app()
    writing = "ann is writing to this customer"

    async def scenario(pilot):
        screen = await start(pilot)
        assert bob.collision_warning(overdue[0]) == writing  # was None: the round said nothing
        beacon = screen.query_one(PresenceBeacon)
        assert not beacon.display
        await keys(pilot, "ctrl+n")
        assert bob.collision_warning(overdue[0]) is None  # left as the round moved on
        assert bob.collision_warning(overdue[1]) == writing
        assert beacon.display and "bob has this case open" in str(beacon.render())
        await keys(pilot, "escape")
        for _ in range(50):  # the mark is taken away by a thread as the screen goes
            if bob.collision_warning(overdue[1]) is None:
                break
            await asyncio.sleep(0.05)
        assert bob.collision_warning(overdue[1]) is None

    drive(app, scenario)


def test_p_promises_the_next_update_with_the_words_used_everywhere(make_app, overdue, desk, clock):
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        await keys(pilot, "p")
        assert screen.query_one("#round-promise", Input).has_focus
        await keys(pilot, "t", "o", "m", "o", "r", "r", "o", "w", "space", "9", "enter")
        assert screen.query_one("#round-draft", TextArea).has_focus  # enter: back to the draft
        await keys(pilot, "ctrl+s")
        assert screen.current.row.case.id == overdue[1]
        assert screen.query_one("#round-promise", Input).value == ""  # not carried on

    drive(app, scenario)
    expected = parse_when("tomorrow 9", clock.now)
    assert desk.store.case(overdue[0]).promise_at == expected
    assert desk.events(overdue[0])[-1].data["promise"] == to_text(expected)


def test_a_promise_that_cannot_be_read_is_said_and_nothing_is_told(make_app, overdue, desk):
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        screen.query_one("#round-promise", Input).value = "someday soon"
        await keys(pilot, "ctrl+s")
        assert screen.current.row.case.id == overdue[0]
        assert screen.query_one("#round-promise", Input).has_focus
        assert any("someday soon" in m for m in messages(app)), messages(app)

    drive(app, scenario)
    assert told(desk, overdue[0]) == ["We ordered a new battery; it arrives Thursday."]


def test_at_80_by_24_the_header_leaves_the_rows_to_the_entries_and_the_draft(make_app, overdue):
    app = make_app()

    async def scenario(pilot):
        screen = await start(pilot)
        assert screen.query_one("#round-header").outer_size.height == 4  # was 8
        assert screen.query_one("#round-timeline").size.height >= 6
        assert screen.query_one("#round-draft").size.height >= 8

    drive(app, scenario, size=(80, 24))
