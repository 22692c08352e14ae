"""A fast typist, or a paste, followed at once by ctrl+s: the terminal delivers the text and
the ctrl+s in one read, and the console must save all of the text (the tmux test once saved
"Cleaned the scanner g"). ctrl+s is a priority binding: the app ran it as soon as it read it,
while the keys before it still waited in the text field's own queue."""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key
from tui_helpers import drive, settle

from casedesk.core.model import EventKind
from casedesk.screens.catchup import CatchUpScreen
from casedesk.screens.compose import ComposeScreen
from casedesk.screens.dialogs import FormDialog

TEXT = "Cleaned the scanner glass and both rollers; all fine now."


def burst(app, text: str, *then: str) -> None:
    """The keys of `text`, then `then`, handed to the app all at once, as the terminal driver
    does with one read of a fast typist's keys (Pilot's `press` waits after each key)."""
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        app._driver.send_message(events.Key(key, character))
    for key in then:
        app._driver.send_message(events.Key(key, None))


def test_a_dialog_saves_all_of_the_text_typed_just_before_ctrl_s(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        app.open_case(seeded["printer"])
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        burst(app, TEXT, "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)

    drive(app, scenario)
    heard = desk.events(seeded["printer"])[-1]
    assert heard.kind is EventKind.INBOUND
    assert heard.text == TEXT  # was cut short: "Cleaned the scanner g…" or less


def test_a_second_ctrl_s_in_the_same_read_saves_once(make_app, seeded, desk):
    app = make_app()
    before = desk.store.event_count(seeded["printer"])

    async def scenario(pilot):
        app.open_case(seeded["printer"])
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        burst(app, TEXT, "ctrl+s", "ctrl+s")
        await settle(pilot)

    drive(app, scenario)
    assert desk.store.event_count(seeded["printer"]) == before + 1


def test_compose_sends_all_of_the_text_typed_just_before_ctrl_s(make_app, seeded, desk):
    app = make_app()

    async def scenario(pilot):
        app.open_case(seeded["printer"])
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        burst(app, TEXT, "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)

    drive(app, scenario)
    told = desk.events(seeded["printer"])[-1]
    assert told.kind is EventKind.TOLD
    assert TEXT in told.text


def test_the_round_tells_all_of_the_text_typed_just_before_ctrl_s(make_app, seeded, desk, clock):
    clock.advance(hours=2, minutes=30)
    app = make_app()
    told_case: list[int] = []

    async def scenario(pilot):
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, CatchUpScreen)
        told_case.append(app.screen.current.row.case.id)
        await pilot.press("e")
        await settle(pilot)
        burst(app, TEXT, "ctrl+s", "ctrl+s")  # the second must not tell the next customer
        await settle(pilot)
        assert app.screen.current.row.case.id != told_case[0]
        told_case.append(app.screen.current.row.case.id)

    drive(app, scenario)
    told = [e for e in desk.events(told_case[0]) if e.kind is EventKind.TOLD]
    assert TEXT in told[-1].text
    assert not any(e.kind is EventKind.TOLD for e in desk.events(told_case[1])[-1:])
