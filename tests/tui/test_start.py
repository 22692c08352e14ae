"""Start-up: the first page of the queue is read while Textual starts, and keys typed before it
is on screen wait for it instead of acting on an empty list."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

from tui_helpers import settle

from casedesk.app import CasedeskApp
from casedesk.widgets.case_list import CaseList


class SlowDisk(CasedeskApp):
    """The console on a store whose first page takes until `gate` opens (a cold disk)."""

    def __init__(self, db: Path, gate: threading.Event) -> None:
        self.gate = gate
        super().__init__(db, "ann", settings={}, poll_seconds=None)

    def _prefetch_queue(self) -> None:
        self.gate.wait(10)
        super()._prefetch_queue()


def test_keys_typed_before_the_first_rows_act_on_them(db_path, seeded):
    gate = threading.Event()
    app = SlowDisk(db_path, gate)

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            cases = app.screen.query_one(CaseList)
            await pilot.press("j", "j")
            await pilot.pause(0.3)  # longer than the first show waits for the page
            assert cases.total == 0  # still loading
            gate.set()
            await settle(pilot)
            assert cases.total == 4
            assert cases.cursor == 2  # both presses moved down the rows that came

    asyncio.run(main())


def test_ctrl_q_quits_while_the_queue_still_loads(db_path, seeded):
    gate = threading.Event()
    app = SlowDisk(db_path, gate)

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+q")
            await pilot.pause(0.2)
            assert app._exit
            gate.set()

    asyncio.run(main())


# Loaded once the first rows are painted, not before: the desk (every action, the policy and its
# TOML parser) is not needed to show them.
DEFERRED = ("casedesk.desk.desk", "casedesk.core.policy", "tomllib")
PROBE = """
import asyncio, sys
from pathlib import Path
import casedesk.widgets.case_list as case_list
from casedesk.app import CasedeskApp

DEFERRED = {deferred!r}
seen = []
case_list._note_first_rows = lambda: seen.append([m for m in DEFERRED if m in sys.modules])

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
    print("BEFORE", seen[0])

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
