"""Fixtures every test shares: a real store file, a clock you can step, the CLI, isolated dirs."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casedesk.desk.desk import Desk
from casedesk.entry import main
from casedesk.paths import ServerStore, StoreLocation
from pgserver import PgServer, find_bindir

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


ENGINES = ("sqlite", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `both_engines` (a module's pytestmark) run once per engine: `db_path` is a
    SQLite file, then a PostgreSQL store on the test server. `sqlite_only` (with a reason)
    keeps one test on SQLite."""
    if "db_path" not in metafunc.fixturenames:
        return
    both = metafunc.definition.get_closest_marker("both_engines")
    only = metafunc.definition.get_closest_marker("sqlite_only")
    engines = ENGINES if both and not only else ENGINES[:1]
    metafunc.parametrize("db_path", engines, indirect=True, ids=list(engines))


@pytest.fixture
def db_path(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StoreLocation]:
    """A real store, also named by CASEDESK_DB for CLI runs: a SQLite file, or (for tests that
    run on both engines) a fresh PostgreSQL store on the test server."""
    if getattr(request, "param", "sqlite") == "postgres":
        server: PgServer = request.getfixturevalue("pg_server")
        url = server.new_store()
        monkeypatch.setenv("CASEDESK_DB", url)
        yield ServerStore(url)
        server.drop_store(url)
        return
    path = tmp_path / "store" / "casedesk.db"
    monkeypatch.setenv("CASEDESK_DB", str(path))
    yield path


@pytest.fixture
def desk(db_path: StoreLocation, clock: Clock) -> Iterator[Desk]:
    opened = Desk.open(db_path, "ann")
    opened.now = clock
    opened.store.os_user = "ann"  # as if ann's own login wrote it (tests run as root)
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
def cli(db_path: StoreLocation, clock: Clock) -> Callable[..., Result]:
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


@pytest.fixture
def two_users() -> Iterator[tuple[str, list[str]]]:
    """A throwaway group with two throwaway users in it (needs root, as CI has)."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs as root with useradd: this test must run there")
        pytest.skip("needs root to create users")
    tag = uuid.uuid4().hex[:6]
    group, users = f"cdg{tag}", [f"cda{tag}", f"cdb{tag}"]
    assert os.system(f"groupadd {group}") == 0
    for user in users:
        assert os.system(f"useradd -M -N -g {group} -s /usr/sbin/nologin {user}") == 0
    yield group, users
    for user in users:
        os.system(f"userdel {user} 2>/dev/null")
    os.system(f"groupdel {group} 2>/dev/null")


def _as_user(user: str, action: Callable[[], object]) -> int:
    """Run `action()` in a forked child with the real uid and gid of `user`; its exit code."""
    import pwd

    entry = pwd.getpwnam(user)
    pid = os.fork()
    if pid == 0:  # the child: become the user for real, then act
        code = 1
        try:
            os.setgroups([entry.pw_gid])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            os.umask(0o022)  # a careless default: the shared set-up must not depend on it
            action()
            code = 0
        except BaseException as exc:
            sys.stderr.write(f"{user}: {exc!r}\n")
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.fixture
def as_user() -> Callable[[str, Callable[[], object]], int]:
    """`as_user("alice", action)`: runs action() as that OS user (real uid/gid, umask 022)."""
    return _as_user


@pytest.fixture
def cli_as(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    """`cli_as("alice", "list")`: `casedesk list` run as that OS user, in a forked child.

    The child's XDG dirs are a fresh folder anyone can use (the test's own are root's).
    """
    neutral = Path(tempfile.mkdtemp(prefix="casedesk-xdg-", dir="/tmp"))
    neutral.chmod(0o1777)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(neutral / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(neutral / "data"))

    def run(user: str, *args: str) -> Result:
        reader, writer = os.pipe()

        def act() -> None:
            os.close(reader)
            result = run_cli(*args)
            os.write(writer, json.dumps(result.__dict__).encode())

        code = _as_user(user, act)
        os.close(writer)
        with os.fdopen(reader, "rb") as pipe:
            data = pipe.read()
        assert code == 0 and data, f"the child running as {user} failed"
        return Result(**json.loads(data))

    yield run
    shutil.rmtree(neutral, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL server for the whole run (skipped here without the server binaries,
    a failure on CI: .ci/apt-packages.txt installs them)."""
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail(
                "PostgreSQL server binaries missing: .ci/apt-packages.txt must install them"
            )
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed here")
    server = PgServer(bindir)
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL store (its own schema on the shared test server)."""
    url = pg_server.new_store()
    yield url
    pg_server.drop_store(url)
