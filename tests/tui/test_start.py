"""Start-up: the first page of the queue is read while Textual starts, and keys typed before it
is on screen wait for it instead of acting on an empty list."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from tui_helpers import drive, settle

from casedesk.app import CasedeskApp
from casedesk.core.errors import Interrupted
from casedesk.screens import LATER_STYLESHEETS
from casedesk.widgets.case_list import CaseList


class SlowDisk(CasedeskApp):
    """The console on a store whose first page takes until `gate` opens (a cold disk)."""

    def __init__(self, db: Path) -> None:
        self.gate = threading.Event()
        super().__init__(db, "ann", settings={}, poll_seconds=None)

    def _prefetch_queue(self) -> None:
        self.gate.wait(10)
        super()._prefetch_queue()


def while_loading(db: Path, scenario: Callable[[SlowDisk, Any], Awaitable[None]]) -> SlowDisk:
    """Play `scenario(app, pilot)` while the queue still waits for its first page; the page
    comes when the scenario opens the gate (or ends)."""
    app = SlowDisk(db)

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            try:
                await scenario(app, pilot)
            finally:
                app.gate.set()

    asyncio.run(main())
    return app


def test_keys_typed_before_the_first_rows_act_on_them(db_path, seeded):
    async def scenario(app: SlowDisk, pilot: Any) -> None:
        cases = app.screen.query_one(CaseList)
        await pilot.press("j", "j")
        await pilot.pause(0.3)  # longer than the first show waits for the page
        assert cases.total == 0  # still loading
        app.gate.set()
        await settle(pilot)
        assert cases.total == 4
        assert cases.cursor == 2  # both presses moved down the rows that came

    while_loading(db_path, scenario)


# The start-up read coming after the console quit used a closed store: a traceback from its
# thread as the console closed.
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_ctrl_q_quits_while_the_queue_still_loads(db_path, seeded):
    async def scenario(app: SlowDisk, pilot: Any) -> None:
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        assert app._exit

    app = while_loading(db_path, scenario)
    app._prefetch.join(5)  # the page comes after the console closed: it must find it closing
    assert not app._prefetch.is_alive()


# Loaded once the first rows are painted, not before: the desk (every action, the policy and its
# TOML parser) is not needed to show them.
DEFERRED = ("casedesk.desk.desk", "casedesk.core.policy", "tomllib")
PROBE = """
import asyncio, sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
import casedesk.widgets.case_list as case_list
from casedesk.app import CasedeskApp

DEFERRED = {deferred!r}
seen = []


def first_rows():
    from textual._context import active_app

    sources = active_app.get().stylesheet.source
    sheets = sorted(Path(path).name for path, _ in sources if path.endswith(".tcss"))
    seen.append(([m for m in DEFERRED if m in sys.modules], sheets))


case_list._note_first_rows = first_rows

async def main():
    app = CasedeskApp(Path(sys.argv[1]), "ann", settings={{}}, poll_seconds=None)
    async with app.run_test() as pilot:
        while not seen:
            await pilot.pause(0.01)
        for _ in range(500):  # the desk opens once the rows are painted
            if app._desk is not None:
                break
            await pilot.pause(0.01)
        print("AFTER", [m for m in DEFERRED if m in sys.modules])
    print("BEFORE", seen[0][0])
    print("STYLESHEETS", seen[0][1])

asyncio.run(main())
"""


def test_the_desk_is_loaded_after_the_first_rows_are_painted(db_path, seeded):
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(deferred=DEFERRED), str(db_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "BEFORE []" in result.stdout, result.stdout + result.stderr
    assert f"AFTER {list(DEFERRED)}" in result.stdout  # ready for the first action
    assert "STYLESHEETS ['queue.tcss']" in result.stdout  # the other screens' come later


def test_no_rule_read_after_the_first_rows_restyles_the_queue(make_app, seeded):
    """The other screens' stylesheets are read while the queue is on screen: none of their
    rules may match a widget of it, or it would change look a moment after it shows."""
    app = make_app()

    async def scenario(pilot) -> None:
        later = Stylesheet(variables=app.get_css_variables())
        later.read_all(LATER_STYLESHEETS)
        later.parse()
        selectors = [s.strip() for rules in later.rules for s in rules.selectors.split(",")]
        assert "#case-header" in selectors
        await pilot.press("slash")  # the search box too
        await settle(pilot)
        for selector in selectors:
            assert not app.query(selector), selector

    drive(app, scenario)


def test_a_case_opened_before_the_first_rows_has_its_screens_style(db_path, seeded):
    async def scenario(app: SlowDisk, pilot: Any) -> None:
        app.open_case(seeded["printer"])  # case.tcss: read as the screen is pushed
        await pilot.pause(0.2)
        assert app.screen.query_one("#case-header").styles.border_bottom[0] == "solid"

    while_loading(db_path, scenario)


def test_an_edited_policy_moves_the_due_times_before_the_first_rows(
    make_app, seeded, db_path, clock
):
    """The desk waits for the first paint only while the stored due times follow the policy
    file as it is: edited since, it opens first and the first rows show the new due times."""
    (db_path.parent / "policy.toml").write_text('[first_response]\nnormal = "30m"\n')
    app = make_app()
    assert app._desk is not None  # opened at start, before the page was read

    async def scenario(pilot) -> None:
        cases = app.screen.query_one(CaseList)
        rows = [cases.row_at(i) for i in range(cases.total)]
        nobody = next(row for row in rows if row and row.case.id == seeded["nobody"])
        assert nobody.due is not None
        assert nobody.due.at == nobody.case.created_at + timedelta(minutes=30)  # was 8 h

    drive(app, scenario)


def test_a_read_cut_short_by_quitting_ends_as_interrupted(db_path, seeded):
    """Quitting interrupts the read in progress; SQLite reports that as it steps the rows, past
    the store's own wording, so a start-up read printed a traceback from its thread."""
    app = CasedeskApp(db_path, "ann", settings={}, poll_seconds=None)
    app._prefetch.join(5)

    def quit_meanwhile() -> None:
        app._closed = True  # as on_unmount does, before it interrupts the reader
        app.reader.interrupt()

    def endless(store: Any) -> Any:
        threading.Timer(0.2, quit_meanwhile).start()
        return store.conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
        ).fetchall()

    try:
        with pytest.raises(Interrupted):
            app.read(endless)
        with pytest.raises(Interrupted):  # and any read after it
            app.read(lambda store: store.conn.execute("SELECT 1").fetchall())
    finally:
        app.on_unmount()
