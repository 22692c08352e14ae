"""Snapshots of the queue, case and compose screens at a fixed size, time and store.

Regenerate after an intended change with `pytest tests/tui --snapshot-update`, then look at the
SVGs under tests/tui/__snapshots__/ before committing them.
"""

from __future__ import annotations

from tui_helpers import settle

SIZE = (100, 30)


async def quiet(pilot) -> None:
    """Wait for the paged rows and the queue's footer (mounted once the rows are on screen),
    then drop the start-up nag so it does not cover them."""
    await settle(pilot)
    for _ in range(100):
        if pilot.app.screen.query("Footer FooterKey"):
            break
        await pilot.pause(0.02)
    pilot.app.clear_notifications()
    await settle(pilot)


def test_queue_screen(snap_compare, make_app, seeded, clock):
    clock.advance(hours=2, minutes=30)  # four customers overdue, one not yet
    app = make_app()
    assert snap_compare(app, terminal_size=SIZE, run_before=quiet, press=["2"])


def test_case_screen_shows_customer_text_literally(snap_compare, make_app, seeded):
    app = make_app()

    async def open_hostile(pilot) -> None:
        await quiet(pilot)
        app.open_case(seeded["hostile"])
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_hostile)


def test_case_screen_with_history(snap_compare, make_app, seeded):
    app = make_app()

    async def open_laptop(pilot) -> None:
        await quiet(pilot)
        app.open_case(seeded["laptop"])
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_laptop)


def test_compose_screen(snap_compare, make_app, seeded):
    app = make_app()

    async def compose(pilot) -> None:
        await quiet(pilot)
        app.open_case(seeded["printer"])
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        draft = app.screen.query_one("#draft")
        draft.cursor_blink = False  # a blinking cursor made it flaky
        # TextArea caches a line drawn while the cursor blinked off under the same key as a
        # steady cursor's: drop its lines, or the snapshot lacks the cursor whenever the
        # screen took longer than a blink to settle.
        draft.notify_style_update()
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=compose)


LONG_TITLE = "Outlook keeps asking for the password after every update"


def test_queue_at_80_by_24_keeps_titles_readable(snap_compare, make_app, seeded, desk, clock):
    desk.new_case("Femi Adeyemi-Johnson <femi@example.com>", LONG_TITLE, owner="ann")
    clock.advance(hours=2, minutes=30)
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=quiet, press=["1"])


def test_queue_at_120_by_40(snap_compare, make_app, seeded, desk, clock):
    desk.new_case("Femi Adeyemi-Johnson <femi@example.com>", LONG_TITLE, owner="ann")
    clock.advance(hours=2, minutes=30)
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=quiet)


def test_an_empty_store_says_how_to_begin(snap_compare, make_app, monkeypatch):
    monkeypatch.setenv("CASEDESK_CONFIG", "/home/ann/.config/casedesk/config.toml")
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=quiet)


def catch_up_round(size: tuple[int, int]):
    async def start(pilot) -> None:
        await quiet(pilot)
        await pilot.press("T")
        await settle(pilot)

    return start


def test_catch_up_round_at_80_by_24(snap_compare, make_app, seeded, clock):
    clock.advance(hours=2, minutes=30)
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=catch_up_round((80, 24)))


def test_catch_up_round_at_120_by_40(snap_compare, make_app, seeded, clock):
    clock.advance(hours=2, minutes=30)
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=catch_up_round((120, 40)))
