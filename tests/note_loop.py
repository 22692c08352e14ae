"""A CLI loop for the server-restart tests: `casedesk note 1 loop-N`, one process each, while
the test does something to the server; then what each run said, checked against the store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class NoteLoop:
    def __init__(self, url: str, folder: Path, count: int, agent: str = "ann") -> None:
        self.folder = folder
        self.count = count
        casedesk = f"{sys.executable} -m casedesk"
        script = folder / "loop.sh"
        script.write_text(
            f"for i in $(seq 1 {count}); do\n"
            f'  if {casedesk} note 1 "loop-$i" 2>"{folder}/err-$i"; then echo "ok $i"; '
            'else echo "failed $i"; fi\n'
            "done\n"
        )
        env = {**os.environ, "CASEDESK_DB": url, "CASEDESK_AGENT": agent}
        self.process = subprocess.Popen(
            ["bash", str(script)], env=env, stdout=subprocess.PIPE, text=True
        )
        self.outcomes: dict[str, str] = {}

    def running(self) -> bool:
        return self.process.poll() is None

    def finish(self, timeout: float = 600) -> dict[str, str]:
        """Wait for the loop: "ok" or "failed" by run number."""
        out, _ = self.process.communicate(timeout=timeout)
        self.outcomes = dict(line.split()[::-1] for line in out.splitlines())
        return self.outcomes

    def check(self, texts: list[str]) -> None:
        """Given the texts of the case's events: each note acknowledged is stored, none twice,
        and each run that failed said why in one line (never a traceback)."""
        stored = [t for t in texts if t.startswith("loop-")]
        assert len(self.outcomes) == self.count
        assert len(stored) == len(set(stored)), "a note was stored twice"
        for i, outcome in self.outcomes.items():
            err = (self.folder / f"err-{i}").read_text()
            assert "Traceback" not in err
            if outcome == "ok":
                assert f"loop-{i}" in stored
            else:
                assert err.startswith("casedesk: ") and len(err.splitlines()) == 1, err
