"""Fixtures every test shares: a real store file, a clock you can step, the CLI, isolated dirs."""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casedesk.desk.desk import Desk
from casedesk.entry import main

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the user's files, store, agent name, colours or time zone."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("CASEDESK_AGENT", "ann")
    monkeypatch.setenv("TZ", "UTC")
    for name in ("CASEDESK_DB", "CASEDESK_NOW", "CASEDESK_CONFIG", "NO_COLOR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    time.tzset()
    yield
    time.tzset()


class Clock:
    """The test's "now". Setting it also sets CASEDESK_NOW, so CLI runs see the same time."""

    def __init__(self, start: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.set(start)

    def set(self, moment: datetime) -> None:
        self.now = moment
        self._monkeypatch.setenv("CASEDESK_NOW", moment.isoformat())

    def advance(self, **delta: float) -> datetime:
        self.set(self.now + timedelta(**delta))
        return self.now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(T0, monkeypatch)


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real store file, also named by CASEDESK_DB for CLI runs."""
    path = tmp_path / "store" / "casedesk.db"
    monkeypatch.setenv("CASEDESK_DB", str(path))
    return path


@pytest.fixture
def desk(db_path: Path, clock: Clock) -> Iterator[Desk]:
    opened = Desk.open(db_path, "ann")
    opened.now = clock
    yield opened
    opened.close()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> Result:
    """Run `casedesk ARGS` in this process, as the console script would."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(db_path: Path, clock: Clock) -> Callable[..., Result]:
    """`cli("new", "--customer", ...)` → Result(exit_code, stdout, stderr)."""
    return run_cli


def _require_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed: .ci/run must install it (.ci/apt-packages.txt)")
        pytest.skip(f"{name} is not installed here")
    return found


@pytest.fixture
def require_tool() -> Callable[[str], str]:
    """`require_tool("tmux")`: its path; skips locally when missing, but fails on CI."""
    return _require_tool
