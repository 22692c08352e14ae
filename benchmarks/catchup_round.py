"""The catch-up round on the demo store, through the real console in tmux.

`T`, then ctrl+s nine times: the nine most overdue customers are told. Prints the time from each
keypress to the next case's drafted screen (the console's own in-process figure, written through
CASEDESK_ROUND_TIMINGS_FILE, and the wall time tmux sees), the summary line as captured from the
screen, and what each customer was told. The baseline, in the same run and the same console, is
ctrl+n (moving on without writing anything) and `j` on the queue (the smallest repaint).

    .venv/bin/python benchmarks/catchup_round.py [--size 120x40] [--cases 300]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

CASEDESK = str(Path(sys.executable).with_name("casedesk"))
NOW = "2026-11-23T09:00:00+00:00"
SUMMARY = re.compile(r"told \d+ · snoozed \d+ · skipped \d+ · \d+ still overdue")


class Tmux:
    def __init__(self, env: dict[str, str], size: str) -> None:
        self.socket = f"casedesk-bench-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.width, self.height = size.split("x")

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env
        )
        return done.stdout

    def start(self, command: list[str]) -> None:
        self.run("new-session", "-d", "-x", self.width, "-y", self.height, "--", *command)

    def screen(self, styled: bool = False) -> str:
        return self.run("capture-pane", "-p", *(["-e"] if styled else []))

    def wait_for(self, text: str, timeout: float = 20.0) -> float:
        """Seconds until `text` is on the screen."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if text in self.screen():
                return time.perf_counter() - start
            time.sleep(0.002)
        raise SystemExit(f"{text!r} never appeared:\n{self.screen()}")

    def press(self, key: str, then: str) -> float:
        """Wall seconds from sending `key` until `then` shows."""
        start = time.perf_counter()
        self.run("send-keys", key)
        while time.perf_counter() - start < 20:
            if then in self.screen():
                return time.perf_counter() - start
            time.sleep(0.002)
        raise SystemExit(f"{then!r} never appeared after {key}:\n{self.screen()}")

    def kill(self) -> None:
        self.run("kill-server")


def ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:.0f} ms, "
        f"min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f} (n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--tell", type=int, default=9)
    parser.add_argument("--skips", type=int, default=4, help="ctrl+n presses timed after")
    options = parser.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("needs tmux")
    work = Path(tempfile.mkdtemp(prefix="casedesk-round-"))
    db = work / "demo.db"
    env = {
        **os.environ,
        "CASEDESK_AGENT": "ann",
        "CASEDESK_NOW": NOW,
        "CASEDESK_CONFIG": str(work / "config.toml"),  # no mail set up: updates are recorded
        "TERM": "xterm-256color",
        "TZ": "UTC",
    }
    env.pop("TMUX", None)
    subprocess.run(
        [CASEDESK, "demo", "--db", str(db), "--cases", str(options.cases), "--no-open"],
        env=env,
        check=True,
        capture_output=True,
    )
    nag = subprocess.run(
        [CASEDESK, "nag", "--json", "--limit", str(options.tell), "--db", str(db)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    expected = [item["id"] for item in json.loads(nag.stdout)]

    timings = work / "timings.txt"
    term = Tmux({**env, "CASEDESK_ROUND_TIMINGS_FILE": str(timings)}, options.size)
    try:
        term.start([CASEDESK, "--db", str(db)])
        term.wait_for("view: mine+unassigned")
        time.sleep(1.0)
        queue_j = []
        for _ in range(5):  # baseline: the smallest repaint the console does
            before = term.screen(styled=True)  # the cursor row moves: only its colours change
            start = time.perf_counter()
            term.run("send-keys", "j")
            while term.screen(styled=True) == before and time.perf_counter() - start < 5:
                time.sleep(0.002)
            queue_j.append(time.perf_counter() - start)
            time.sleep(0.2)
        term.run("send-keys", "g")
        term.run("send-keys", "T")
        term.wait_for("Catch-up round · 1 of ")
        time.sleep(0.5)  # the agent reads; the next case is prepared meanwhile
        walls = []
        for number in range(2, options.tell + 2):
            walls.append(term.press("C-s", f"Catch-up round · {number} of "))
            time.sleep(0.5)
        sent = [float(line) / 1000 for line in timings.read_text().split()]
        timings.unlink()
        skips = []
        for number in range(options.tell + 2, options.tell + 2 + options.skips):
            skips.append(term.press("C-n", f"Catch-up round · {number} of "))
            time.sleep(0.5)
        skipped = [float(line) / 1000 for line in timings.read_text().split()] if skips else []
        term.run("send-keys", "Escape")
        term.wait_for("still overdue")
        summary = SUMMARY.search(term.screen()).group(0)  # type: ignore[union-attr]
        term.run("send-keys", "q")
    finally:
        term.kill()

    print(f"demo store: {options.cases} cases, tmux {options.size}, load {os.getloadavg()[0]:.1f}")
    print(f"ctrl+s → next drafted screen, in process: {ms(sent)}")
    print(f"ctrl+s → next drafted screen, tmux wall:  {ms(walls)}")
    if skips:
        print(f"baseline ctrl+n (no write), in process:  {ms(skipped)}")
        print(f"baseline ctrl+n (no write), tmux wall:   {ms(skips)}")
    print(f"baseline j on the queue, tmux wall:      {ms(queue_j)}")
    print(f"summary line (from the screen): {summary}")
    told = []
    for case_id in expected:
        shown = subprocess.run(
            [CASEDESK, "show", str(case_id), "--json", "--db", str(db)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        case = json.loads(shown.stdout)
        mine = [e for e in case["events"] if e["kind"] == "told" and e["at"] == NOW]
        told.append(mine[-1]["text"] if mine else "")
        print(f"\n#{case_id} ({case['status']}): {case['title']}")
        print("  " + (mine[-1]["text"].replace("\n", "\n  ") if mine else "NOT TOLD"))
    print(f"\n{sum(1 for t in told if t)} of the {len(expected)} most overdue told, ", end="")
    print(f"{len(set(told))} different drafts")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
