"""The queue's header says whether mail is still coming in by itself."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static
from tui_helpers import drive, settle

from casedesk.desk.desk import Desk
from casedesk.store.mail import WatchStore


def header(app) -> str:
    return str(app.screen.query_one("#counts", Static).render())


def beat(desk: Desk, at) -> None:
    with desk.store.transaction():
        WatchStore(desk.store).beat("imap://help@mx/INBOX", "imap", 1, "host", 60.0, at, None, True)


def test_no_watcher_and_no_mail_says_nothing_about_mail(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        assert " mail " not in header(app)

    drive(app, scenario)


def test_a_beating_watcher_shows_as_watching(make_app, seeded, desk, clock):
    beat(desk, clock.now - timedelta(seconds=30))
    app = make_app()

    async def scenario(pilot):
        assert "mail none yet, watching" in header(app)

    drive(app, scenario)


def test_a_stale_heartbeat_shows_that_intake_stopped(make_app, seeded, desk, clock):
    beat(desk, clock.now - timedelta(minutes=10))  # three 60 s intervals missed
    app = make_app()

    async def scenario(pilot):
        assert "intake stopped" in header(app)

    drive(app, scenario)


def test_the_header_notices_a_watcher_that_died_while_the_console_was_open(
    make_app, seeded, desk, clock
):
    # A watcher killed with -9 writes nothing more, so only time passing can show it.
    beat(desk, clock.now - timedelta(seconds=30))
    app = make_app()

    async def scenario(pilot):
        assert "watching" in header(app)
        clock.advance(minutes=10)
        app.tick()
        await settle(pilot)
        assert "intake stopped" in header(app)

    drive(app, scenario)
