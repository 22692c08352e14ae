"""The PostgreSQL server restarts (`pg_ctl restart`) while the console and a CLI loop work on
the same case: the console's change in flight is reported as not done and can be saved again
once, its live refresh hears changes again, and the CLI loop stores each note at most once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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

LOOP = 25


def _cli_loop(url: str, tmp_path: Path) -> subprocess.Popen[str]:
    """Notes added one CLI process each; prints "ok N" or "failed N" after each."""
    env = {**os.environ, "CASEDESK_DB": url, "CASEDESK_AGENT": "cli"}
    casedesk = f"{sys.executable} -m casedesk"
    script = tmp_path / "loop.sh"
    script.write_text(
        f"for i in $(seq 1 {LOOP}); do\n"
        f'  if {casedesk} note 1 "loop-$i" 2>"{tmp_path}/err-$i"; then echo "ok $i"; '
        'else echo "failed $i"; fi\n'
        "done\n"
    )
    return subprocess.Popen(["bash", str(script)], env=env, stdout=subprocess.PIPE, text=True)


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
    outcomes: dict[str, str] = {}

    async def scenario(pilot):
        case = await open_case(pilot, 1)
        loop = _cli_loop(pg_url, tmp_path)
        deadline = time.monotonic() + 120
        while sum(t.startswith("loop-") for t in _texts(pg_url)) < 3:
            assert time.monotonic() < deadline and loop.poll() is None, "the loop did not start"
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

        out, _ = loop.communicate(timeout=600)
        outcomes.update(line.split()[::-1] for line in out.splitlines())

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

    texts = [t for t in _texts(pg_url) if t.startswith("loop-")]
    assert len(outcomes) == LOOP
    assert len(texts) == len(set(texts)), "a note was stored twice"
    for i, outcome in outcomes.items():
        err = (tmp_path / f"err-{i}").read_text()
        assert "Traceback" not in err
        if outcome == "ok":
            assert f"loop-{i}" in texts
        else:
            assert err.startswith("casedesk: ") and len(err.splitlines()) == 1, err
    desk = Desk.open(location, "ann")
    try:
        assert desk.check().clean
    finally:
        desk.close()
    print(json.dumps({"loop": LOOP, "failed": sorted(k for k, v in outcomes.items() if v != "ok")}))
