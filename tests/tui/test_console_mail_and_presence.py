"""The console sends updates as real mail, keeps the draft when it cannot, and warns of others."""

from __future__ import annotations

import email
import sys
from email.policy import default
from pathlib import Path

import pytest
from textual.widgets import TextArea
from tui_helpers import drive, messages, settle, smtp_config

from casedesk.core.model import Channel, EventKind
from casedesk.desk.desk import Desk
from casedesk.screens.case import CaseScreen
from casedesk.screens.compose import ComposeScreen
from casedesk.widgets.presence import PresenceBeacon

sys.path.insert(0, str(Path(__file__).parents[1] / "mail"))
from mail_helpers import Capture, SmtpServer, free_port

pytestmark = pytest.mark.both_engines


async def compose_and_send(pilot, case_id: int) -> None:
    pilot.app.open_case(case_id)
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ComposeScreen)
    pilot.app.screen.query_one("#channel").value = "email"
    area = pilot.app.screen.query_one("#draft", TextArea)
    area.load_text("The new printer arrives tomorrow.")
    await pilot.press("ctrl+s")
    await settle(pilot)


def test_ctrl_s_sends_the_update_by_smtp_and_records_it(
    make_app, seeded, desk, tmp_path, monkeypatch
):
    with SmtpServer(Capture()) as server:
        smtp_config(tmp_path, monkeypatch, server.port)
        app = make_app()

        async def scenario(pilot):
            await compose_and_send(pilot, seeded["printer"])
            assert isinstance(pilot.app.screen, CaseScreen)

        drive(app, scenario)
        [(_, rcpts, raw)] = server.capture.received
    message = email.message_from_bytes(raw, policy=default)
    assert rcpts == ["bob@northwind.example"]
    assert message["Subject"] == f"Re: Printer shows offline [#{seeded['printer']}]"
    assert message.get_content().strip() == "The new printer arrives tomorrow."
    told = desk.events(seeded["printer"])[-1]
    assert told.kind is EventKind.TOLD and told.channel is Channel.EMAIL
    assert told.data["message_id"] == message["Message-ID"]


def test_a_server_that_is_down_keeps_the_draft_and_records_nothing(
    make_app, seeded, desk, tmp_path, monkeypatch
):
    smtp_config(tmp_path, monkeypatch, free_port())  # nobody listens there
    before = desk.store.event_count(seeded["printer"])
    app = make_app()

    async def scenario(pilot):
        await compose_and_send(pilot, seeded["printer"])
        assert isinstance(pilot.app.screen, ComposeScreen)  # still writing
        text = pilot.app.screen.query_one("#draft", TextArea).text
        assert text == "The new printer arrives tomorrow."
        [error] = [m for m in messages(pilot.app) if m.startswith("not sent:")]
        assert "Nothing was recorded as told; your text is kept as draft" in error

    drive(app, scenario)
    assert desk.store.event_count(seeded["printer"]) == before


def test_the_case_screen_warns_when_another_agent_writes_to_the_customer(
    make_app, seeded, desk, clock
):
    bob = Desk(desk.store, desk.policy, "bob", clock)
    bob.announce(seeded["printer"], "composing")
    app = make_app()

    async def scenario(pilot):
        pilot.app.open_case(seeded["printer"])
        await settle(pilot)
        beacon = pilot.app.screen.query_one(PresenceBeacon)
        assert "bob is writing to this customer" in str(beacon.render())
        assert beacon.display
        bob.leave()
        beacon.beat()
        await settle(pilot)
        assert not beacon.display

    drive(app, scenario)


def test_customer_text_with_markup_in_notifications_and_choices_never_crashes(
    make_app, seeded, desk
):
    hostile = "broken [/] and [@click=app.quit]click[/] [bold]x"
    desk.add_subtask(seeded["printer"], hostile)
    app = make_app()

    async def scenario(pilot):
        pilot.app.screen.notify(hostile)  # a screen's notify passes markup=True to the app
        await settle(pilot)
        assert any(hostile in m for m in messages(pilot.app))
        # A toast with markup on would parse "[/]" when drawn and raise MarkupError.
        assert [n.markup for n in pilot.app._notifications] == [False] * len(
            pilot.app._notifications
        )
        pilot.app.open_case(seeded["printer"])
        await settle(pilot)
        await pilot.press("minus")  # finish a sub-task: its title is a choice in the dialog
        await settle(pilot)

    drive(app, scenario)


def test_quitting_with_a_half_written_update_asks_first(make_app, seeded):
    from casedesk.screens.dialogs import ConfirmDialog

    app = make_app()

    async def scenario(pilot):
        pilot.app.open_case(seeded["printer"])
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        pilot.app.screen.query_one("#draft", TextArea).load_text("half a thought")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        assert pilot.app.is_running

    drive(app, scenario)


def test_resolve_then_tell_now_composes_for_the_resolved_case(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        pilot.app.open_case(seeded["laptop"])
        await settle(pilot)
        pilot.app.screen._open_compose(seeded["laptop"], "resolved")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ComposeScreen)
        assert pilot.app.screen.case_id == seeded["laptop"]

    drive(app, scenario)


def test_another_agent_coming_and_going_shows_at_once_not_at_the_next_heartbeat(
    make_app, seeded, db_path, clock, monkeypatch
):
    """On PostgreSQL the console hears the presence change by NOTIFY; on SQLite by its poll.
    The heartbeat is pushed out of reach: only hearing the change can show bob."""
    from casedesk.widgets import presence

    monkeypatch.setattr(presence, "HEARTBEAT_SECONDS", 3600.0)
    app = make_app()

    async def scenario(pilot):
        pilot.app.open_case(seeded["printer"])
        await settle(pilot)
        beacon = pilot.app.screen.query_one(PresenceBeacon)
        assert not beacon.display
        await pilot.pause(0.3)
        app.poll()  # our own mark, heard: from here on only bob's changes are news
        await settle(pilot)
        bob = Desk.open(db_path, "bob")
        bob.now = clock
        try:
            bob.announce(seeded["printer"])
            app.watcher.wait(5)
            app.poll()
            await settle(pilot)
            assert "bob has this case open" in str(beacon.render())
            assert beacon.display
            bob.leave()
            app.watcher.wait(5)
            app.poll()
            await settle(pilot)
            assert not beacon.display
        finally:
            bob.close()

    drive(app, scenario)
