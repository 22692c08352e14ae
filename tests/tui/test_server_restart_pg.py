"""The PostgreSQL server restarts (`pg_ctl restart`) while the console and a CLI loop work on
the same case: the console's change in flight is reported as not done and can be saved again
once, its live refresh hears changes again, and the CLI loop stores each note at most once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
from test_pilot import keys, open_case, type_text
from textual.widgets import TextArea
from tui_helpers import drive, messages, settle

from casedesk.app import CasedeskApp
from casedesk.desk.desk import Desk
from casedesk.paths import ServerStore
from casedesk.screens.dialogs import FormDialog
from casedesk.widgets.timeline import Timeline
from note_loop import NoteLoop

LOOP = 25


def _texts(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute("SELECT text FROM events ORDER BY id")]


def test_the_console_and_a_cli_loop_live_through_a_server_restart(
    pg_server, pg_url: str, tmp_path: Path, clock
) -> None:
    location = ServerStore(pg_url)
    seed = Desk.open(location, "ann")
    seed.now = clock
    seed.new_case("Acme <ops@acme.example>", "Printer on fire", owner="ann")
    seed.close()
    app = CasedeskApp(location, "ann", settings={}, poll_seconds=None)
    loop: list[NoteLoop] = []

    async def scenario(pilot):
        case = await open_case(pilot, 1)
        loop.append(NoteLoop(pg_url, tmp_path, LOOP, agent="cli"))
        deadline = time.monotonic() + 120
        while sum(t.startswith("loop-") for t in _texts(pg_url)) < 3:
            assert time.monotonic() < deadline and loop[0].running(), "the loop did not start"
            time.sleep(0.2)

        # The console saves a note while another agent's change holds the case: it is in
        # flight, waiting, when the server restarts.
        holder = psycopg.connect(pg_url, autocommit=True)
        holder.execute("BEGIN")
        holder.execute("SELECT id FROM cases WHERE id = 1 FOR NO KEY UPDATE")
        await keys(pilot, "n")
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "console note")
        restart = threading.Timer(1.0, pg_server.restart)
        restart.start()
        await keys(pilot, "ctrl+s")  # waits for the row until the restart cuts it off
        restart.join()
        holder.close()
        assert any("was not done: try again" in m for m in messages(app)), messages(app)
        assert "console note" not in _texts(pg_url)
        assert isinstance(app.screen, FormDialog)  # the text is still there to save again
        assert app.screen.query_one(TextArea).text == "console note"
        await keys(pilot, "ctrl+s")
        assert not isinstance(app.screen, FormDialog)
        assert _texts(pg_url).count("console note") == 1

        loop[0].finish()

        # Live refresh hears changes again: another agent's note shows without a keypress.
        app.poll()
        await settle(pilot)
        bob = Desk.open(location, "bob")
        bob.now = clock
        bob.note(1, "bob after the restart")
        bob.close()
        app.watcher.wait(10)
        app.poll()
        await settle(pilot)
        assert "bob after the restart" in case.query_one(Timeline).entry_text(-1)

    drive(app, scenario)

    loop[0].check(_texts(pg_url))
    desk = Desk.open(location, "ann")
    try:
        assert desk.check().clean
    finally:
        desk.close()
