"""casedesk's speed figures, each beside its baseline measured in the same run.

    python benchmarks/run.py                      # 100,000 cases / 2,000,000 events
    python benchmarks/run.py --cases 10000        # a smaller store
    python benchmarks/run.py --growth             # the interactive figures at 1k, 10k and 100k
    python benchmarks/run.py --markdown out.md    # also write the table as Markdown
    python benchmarks/run.py --engine both        # the CLI and report figures on SQLite and
                                                  # PostgreSQL, side by side (--pg-url, else a
                                                  # temporary server started here, as the
                                                  # tests do; the store is moved there by
                                                  # casedesk export | casedesk import)

Stores are built once with `casedesk demo` (fixed CASEDESK_NOW, so due times are the same every
run) and cached in benchmarks/.cache/. Each figure is the median of several whole-process runs.
TUI figures drive the real console in tmux, as a user's terminal would. These are benchmarks,
not tests: nothing here gates the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
BIN = Path(sys.executable).parent
CASEDESK = str(BIN / "casedesk")
NOW = "2026-11-23T12:00:00+00:00"
LONG_CASE = 1  # every demo store gives case #1 (and every 5000th) about 500 events
SEARCH = "battery charger light"


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    target: str
    baseline: str = "—"
    note: str = ""
    base_ms: float | None = None  # for targets relative to the baseline ("≤ 3×")

    def met(self) -> str:
        if self.value is None:
            return "n/a"
        ratio = re.match(r"≤\s*([\d.]+)×", self.target)
        if ratio:
            if not self.base_ms:
                return ""
            return "yes" if self.value <= float(ratio.group(1)) * self.base_ms else "NO"
        match = re.match(r"([<≥])\s*([\d.]+)", self.target)
        if not match:
            return ""
        limit = float(match.group(2))
        return (
            "yes"
            if (self.value < limit if match.group(1) == "<" else self.value >= limit)
            else "NO"
        )


def env(db: Path | str) -> dict[str, str]:
    return {
        **os.environ,
        "CASEDESK_DB": str(db),
        "CASEDESK_NOW": NOW,
        "CASEDESK_AGENT": "ann",
        "NO_COLOR": "1",
        "XDG_CONFIG_HOME": str(CACHE / "config"),
    }


def store_for(cases: int, events: int, rebuild: bool = False) -> Path:
    path = CACHE / f"store-{cases}-{events}.db"
    if path.exists() and not rebuild:
        return migrated(path)
    CACHE.mkdir(parents=True, exist_ok=True)
    print(
        f"building {cases:,} cases / ~{events:,} events (cached in {path.name})…", file=sys.stderr
    )
    started = time.perf_counter()
    subprocess.run(
        [
            CASEDESK,
            "demo",
            "--db",
            str(path),
            "--cases",
            str(cases),
            "--events",
            str(events),
            "--no-open",
        ],
        env=env(path),
        check=True,
    )
    print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def migrated(path: Path) -> Path:
    """A cached store built by an older casedesk, at the current schema before any figure is
    taken: otherwise the first read migrates it (rebuilding the search index took ~20 s on
    100,000 cases) and the raw query before it reads the old index."""
    from casedesk.store import schema

    conn = sqlite3.connect(path)
    try:
        behind = schema.version(conn) < schema.LATEST
    finally:
        conn.close()
    if behind:
        print(f"migrating {path.name} to schema {schema.LATEST}…", file=sys.stderr)
        command = [CASEDESK, "list", "--limit", "1"]
        subprocess.run(command, env=env(path), stdout=subprocess.DEVNULL, check=True)
    return path


def compile_sources() -> None:
    """Write casedesk's .pyc files first, as an installed wheel has them. Without them (an
    editable install run with PYTHONDONTWRITEBYTECODE, or sources edited since their .pyc was
    written) every process compiles each module it imports again: ~0.5-2 ms a module, which is
    more than the read verbs' queries."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "src" / "casedesk")],
        check=True,
    )


def median_ms(command: list[str], db: Path | str, runs: int, warmup: int = 2) -> float:
    """Median wall time of a whole process, in milliseconds."""
    times = []
    for index in range(warmup + runs):
        started = time.perf_counter()
        subprocess.run(
            command, env=env(db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        if index >= warmup:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


# -- CLI figures ---------------------------------------------------------------------------


# The read verbs (issue 17): with --json at most 3× a bare `python -c "import sqlite3"` of the
# same run, their human output at most 4×.
READS = [
    ("list --overdue", ["list", "--overdue"]),
    (f"show {LONG_CASE} (500 events)", ["show", str(LONG_CASE)]),
    (f"search '{SEARCH}'", ["search", SEARCH]),
    ("customer show 1", ["customer", "show", "1"]),
    ("nag", ["nag"]),
]


def cli_figures(db: Path | str, runs: int) -> list[Figure]:
    """The read verbs on a SQLite file or (a URL) a PostgreSQL store, beside the same run's
    bare interpreter and a raw full-text query of that engine."""
    sqlite_ms = median_ms(python("import sqlite3"), db, runs)
    task = taskwarrior_baseline(runs)
    base = f"python -c 'import sqlite3': {sqlite_ms:.0f} ms" + (f"; {task}" if task else "")
    if isinstance(db, Path):
        raw_query = (
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            'c.execute("SELECT rowid FROM events_fts WHERE events_fts MATCH ? ORDER BY rank '
            'LIMIT 50", (sys.argv[2],)).fetchall()'
        )
        raw_name = "raw FTS5 query"
    else:
        raw_query = (
            "import psycopg, sys; c = psycopg.connect(sys.argv[1]); "
            'c.execute("SELECT id FROM events WHERE casedesk_words(left(text, 65536)) @@ '
            "plainto_tsquery('simple', %s) LIMIT 50\", (sys.argv[2],)).fetchall()"
        )
        raw_name = "raw tsquery (psycopg)"
    raw_fts = median_ms([*python(raw_query), str(db), SEARCH], db, runs)
    figures = []
    for json_, limit in ((True, "≤ 3×"), (False, "≤ 4×")):
        for name, words in READS:
            command = [CASEDESK, *words, *(["--json"] if json_ else [])]
            value = median_ms(command, db, runs)
            raw = f"; {raw_name}, whole process: {raw_fts:.0f} ms" if "search" in name else ""
            figures.append(
                Figure(
                    f"casedesk {name}{' --json' if json_ else ''}",
                    value,
                    "ms",
                    limit,
                    base,
                    f"{value / sqlite_ms:.1f}× the baseline{raw}",
                    base_ms=sqlite_ms,
                )
            )
    return figures


def terminal_figures(db: Path, runs: int) -> list[Figure]:
    """The read verbs' human output at a terminal (colours, 120 columns: what a person waits
    for), in `script`'s pseudo-terminal, beside the bare interpreter run the same way."""
    if shutil.which("script") is None:
        return []

    def at_terminal(command: list[str]) -> list[str]:
        shell = shlex.join(["env", "-u", "NO_COLOR", "TERM=xterm-256color", "COLUMNS=120"])
        return ["script", "-qec", f"{shell} {shlex.join(command)}", "/dev/null"]

    sqlite_ms = median_ms(at_terminal(python("import sqlite3")), db, runs)
    base = f"python -c 'import sqlite3' in script: {sqlite_ms:.0f} ms"
    figures = []
    for name, words in READS[:-1]:  # (nag writes one line)
        value = median_ms(at_terminal([CASEDESK, *words]), db, runs)
        figures.append(
            Figure(
                f"casedesk {name} at a terminal",
                value,
                "ms",
                "≤ 4×",
                base,
                f"{value / sqlite_ms:.1f}× the baseline",
                base_ms=sqlite_ms,
            )
        )
    return figures


def report_figures(db: Path, runs: int) -> list[Figure]:
    """`casedesk report` (last 30 days): the first on a copy of the store never reported on, then
    later ones; each beside the same run's bare `import sqlite3`."""
    sqlite_ms = median_ms(python("import sqlite3"), db, runs)
    base = f"python -c 'import sqlite3': {sqlite_ms:.0f} ms"
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / db.name
        shutil.copyfile(db, fresh)
        note = "steps kept since the store was built (casedesk demo)"
        if not _has_steps(fresh):
            note = "steps missing or of an older casedesk: this first report folds every case"
        started = time.perf_counter()
        subprocess.run(
            [CASEDESK, "report"],
            env=env(fresh),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        first = (time.perf_counter() - started) * 1000
        later = median_ms([CASEDESK, "report"], fresh, max(3, runs // 2), warmup=0)
    return [
        Figure("casedesk report, first on the store", first, "ms", "< 5000", base, note),
        Figure("casedesk report, later ones", later, "ms", "< 1000", base),
    ]


def _has_steps(db: Path) -> bool:
    """Whether the store's report steps are current (this casedesk's kind, up to date)."""
    import sqlite3

    from casedesk.store.reports import STEPS_VERSION

    conn = sqlite3.connect(db)
    try:
        kept = dict(conn.execute("SELECT key, value FROM meta WHERE key LIKE 'report_steps_%'"))
        newest = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    finally:
        conn.close()
    return (
        str(kept.get("report_steps_policy", "")).startswith(f"{STEPS_VERSION}:")
        and int(kept.get("report_steps_upto") or 0) >= newest
    )


# -- PostgreSQL ----------------------------------------------------------------------------


def pg_server_url(given: str | None) -> tuple[str, object | None]:
    """The server to measure on: --pg-url, else a temporary one (initdb/pg_ctl, as the tests)."""
    if given:
        return given, None
    sys.path.insert(0, str(HERE.parent / "tests"))
    from pgserver import PgServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (initdb, pg_ctl): give --pg-url")
    server = PgServer(bindir)
    return server.url(None), server


def pg_store_for(sqlite_db: Path, server_url: str, cases: int) -> str:
    """The cached SQLite store moved into its own schema on the server the way a shop would
    move it: `casedesk export | casedesk import --format jsonl -` (COPY, indexes built once).
    The same rows, so both engines answer the same questions on the same data."""
    import psycopg

    schema_name = f"bench_{cases}_{sqlite_db.stat().st_mtime_ns}"
    sep = "&" if "?" in server_url else "?"
    url = f"{server_url}{sep}options=-csearch_path%3D{schema_name}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        events = f"{schema_name}.events"
        known = admin.execute("SELECT to_regclass(%s) IS NOT NULL", (events,)).fetchone()
        if (
            known
            and known[0]
            and admin.execute(f"SELECT EXISTS (SELECT 1 FROM {events})").fetchone()[0]
        ):
            return url  # moved before (the import is one transaction: events mean it finished)
        admin.execute(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")
        admin.execute(f"CREATE SCHEMA {schema_name}")
    print(f"moving {sqlite_db.name} to PostgreSQL ({schema_name})…", file=sys.stderr)
    started = time.perf_counter()
    exporting = subprocess.Popen(
        [CASEDESK, "--db", str(sqlite_db), "export"],
        env=env(sqlite_db),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run(
        [CASEDESK, "--db", url, "import", "--format", "jsonl", "-"],
        env=env(url),
        stdin=exporting.stdout,
        check=True,
    )
    if exporting.wait() != 0:
        raise SystemExit(f"casedesk export of {sqlite_db} failed")
    print(f"moved in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return url


def pg_report_figures(url: str, runs: int) -> list[Figure]:
    """`casedesk report` on the server store, when reports run on PostgreSQL (issue 16)."""
    sqlite_ms = median_ms(python("import sqlite3"), url, runs)
    base = f"python -c 'import sqlite3': {sqlite_ms:.0f} ms"
    started = time.perf_counter()
    first_run = subprocess.run(
        [CASEDESK, "report"], env=env(url), capture_output=True, text=True, check=False
    )
    first = (time.perf_counter() - started) * 1000
    if first_run.returncode != 0:
        note = (first_run.stderr.strip().splitlines() or ["failed"])[-1][:120]
        return [
            Figure("casedesk report, first on the store", None, "ms", "< 5000", base, note),
            Figure("casedesk report, later ones", None, "ms", "< 1000", base, note),
        ]
    later = median_ms([CASEDESK, "report"], url, max(3, runs // 2), warmup=0)
    note = "steps folded by the import"
    return [
        Figure("casedesk report, first on the store", first, "ms", "< 5000", base, note),
        Figure("casedesk report, later ones", later, "ms", "< 1000", base),
    ]


def side_by_side(sqlite: list[Figure], postgres: list[Figure], title: str) -> str:
    """One row per figure: SQLite's and PostgreSQL's against the same target, each with its
    ratio to the bare interpreter measured in its own part of the run."""
    rows = [
        f"### {title}: SQLite and PostgreSQL",
        "",
        "| figure | SQLite | PostgreSQL | target | met (SQLite / PostgreSQL) "
        "| baseline, same run (SQLite part / PostgreSQL part) |",
        "| --- | ---: | ---: | --- | --- | --- |",
    ]
    for lite, server in zip(sqlite, postgres, strict=True):
        bases = " / ".join(f.baseline.split(";")[0] for f in (lite, server))
        rows.append(
            f"| {lite.name} | {_value(lite)} | {_value(server)} | {lite.target} {unit_of(lite)}"
            f" | {lite.met()} / {server.met()} | {bases} |"
        )
    notes = []
    for engine, figures in (("SQLite", sqlite), ("PostgreSQL", postgres)):
        for f in figures:
            extra = f.note.partition("; ")[2] if "× the baseline" in f.note else f.note
            notes += [f"- {engine}, {f.name}: {extra}"] if extra else []
    return "\n".join([*rows, *(["", *notes] if notes else [])]) + "\n"


def _value(figure: Figure) -> str:
    if figure.value is None:
        return "—"
    ratio = f" ({figure.value / figure.base_ms:.1f}×)" if figure.base_ms else ""
    return f"{figure.value:,.0f} {figure.unit}{ratio}"


def taskwarrior_baseline(runs: int) -> str:
    """`task count` on 10,000 tasks, when Debian's taskwarrior is installed."""
    if shutil.which("task") is None:
        return ""
    home = CACHE / "taskwarrior"
    data = home / "data"
    rc = home / "taskrc"
    task_env = {**os.environ, "TASKRC": str(rc), "TASKDATA": str(data)}
    if not (home / "ready").exists():
        data.mkdir(parents=True, exist_ok=True)
        rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\n")
        tasks = "\n".join(
            json.dumps(
                {
                    "description": f"task {n}",
                    "status": "pending",
                    "uuid": str(uuid.uuid4()),
                    "entry": "20261101T000000Z",
                }
            )
            for n in range(10_000)
        )
        subprocess.run(
            ["task", "import", "-"],
            input=tasks,
            text=True,
            env=task_env,
            capture_output=True,
            check=True,
        )
        (home / "ready").touch()
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(["task", "count"], env=task_env, capture_output=True, check=False)
        times.append((time.perf_counter() - started) * 1000)
    return f"taskwarrior 'task count' on 10k tasks: {statistics.median(times[1:]):.0f} ms"


# -- TUI figures, in a real terminal (tmux) ------------------------------------------------


class Terminal:
    """A program in a detached tmux session, read through capture-pane."""

    def __init__(self, command: list[str], db: Path, width: int = 120, height: int = 40) -> None:
        self.socket = f"casedesk-bench-{uuid.uuid4().hex[:8]}"
        self.started = time.perf_counter()
        env_args = [
            f"{k}={v}" for k, v in env(db).items() if k.startswith(("CASEDESK", "NO_COLOR", "XDG"))
        ]
        subprocess.run(
            [
                "tmux",
                "-L",
                self.socket,
                "new-session",
                "-d",
                "-x",
                str(width),
                "-y",
                str(height),
                "env",
                *env_args,
                *command,
            ],
            check=True,
        )

    def screen(self) -> str:
        # -e keeps colours: a moving cursor changes only the highlight, not the text.
        return subprocess.run(
            ["tmux", "-L", self.socket, "capture-pane", "-p", "-e"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 30) -> float:
        """Seconds from `started` until the screen satisfies `ready`."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if ready(self.screen()):
                return time.perf_counter() - self.started
            time.sleep(0.003)
        raise TimeoutError(self.screen())

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", *keys], check=True)

    def rss_mb(self) -> float:
        pid = subprocess.run(
            ["tmux", "-L", self.socket, "display", "-p", "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        children = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True)
        pids = [pid, *children.stdout.split()]
        return max(_rss_kb(p) for p in pids) / 1024

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


def _rss_kb(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


QUEUE_READY = re.compile(r"\d+ cases")
EMPTY_APP = (
    "from textual.app import App\nfrom textual.widgets import Static\n"
    "class Empty(App):\n    def compose(self):\n        yield Static('EMPTY-READY')\n"
    "Empty().run()\n"
)


def queue_ready(screen: str) -> bool:
    return bool(QUEUE_READY.search(screen)) and "#" in screen


def tui_figures(db: Path, runs: int) -> list[Figure]:
    if shutil.which("tmux") is None:
        return [Figure("TUI figures", None, "", "", note="tmux is not installed")]
    start_times, empty_times, key_times, rss = [], [], [], 0.0
    for _ in range(runs):
        terminal = Terminal([CASEDESK], db)
        try:
            start_times.append(terminal.wait_for(queue_ready) * 1000)
            rss = max(rss, terminal.rss_mb())
            key_times += scroll_repaint_ms(terminal, 15)
        finally:
            terminal.close()
        terminal = Terminal([sys.executable, "-c", EMPTY_APP], db)
        try:
            empty_times.append(terminal.wait_for(lambda s: "EMPTY-READY" in s) * 1000)
        finally:
            terminal.close()
    empty = statistics.median(empty_times)
    return [
        Figure(
            "TUI queue interactive, from process start",
            statistics.median(start_times),
            "ms",
            "< 1000",
            f"empty Textual app: {empty:.0f} ms",
        ),
        Figure(
            "TUI queue interactive, against an empty Textual app",
            statistics.median(start_times),
            "ms",
            "≤ 1.4×",
            f"empty Textual app: {empty:.0f} ms",
            f"{statistics.median(start_times) / empty:.2f}× the empty app",
            base_ms=empty,
        ),
        *stats_screen_figures(db),
        Figure(
            f"TUI open case #{LONG_CASE} (500 events)",
            open_case_in_process_ms(db),
            "ms",
            "< 100",
            note="open_case → case screen painted, in process (Textual run_test)",
        ),
        Figure(
            "TUI key press to repaint, scrolling the queue",
            statistics.median(key_times),
            "ms",
            "< 50",
            note="tmux send-keys to changed screen",
        ),
        Figure("TUI resident memory", rss, "MB", "< 250"),
    ]


STATS_IN_PROCESS = """
import asyncio, sys, time
from pathlib import Path
from textual_plotext import PlotextPlot
from casedesk.app import CasedeskApp
from casedesk.screens.stats import StatsScreen

async def main():
    app = CasedeskApp(Path(sys.argv[1]), "ann", poll_seconds=None)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause(1.0)
        started = time.perf_counter()
        screen = StatsScreen(app.desk)
        app.push_screen(screen)
        first = None
        while screen.data is None:
            await pilot.pause(0.01)
            if first is None and screen.is_mounted and not screen.query_one(
                "#chart-overdue", PlotextPlot
            ).loading:
                first = time.perf_counter() - started
        print((first or 0) * 1000, (time.perf_counter() - started) * 1000)

asyncio.run(main())
"""


def stats_screen_figures(db: Path) -> list[Figure]:
    """The stats screen (`i`), in process: push → overdue chart drawn, and → every chart."""
    result = subprocess.run(
        [sys.executable, "-c", STATS_IN_PROCESS, str(db)],
        env=env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        first, every = (float(v) for v in result.stdout.strip().splitlines()[-1].split())
    except (ValueError, IndexError):
        first = every = float("nan")
    note = "push → drawn, in process (Textual run_test)"
    return [
        Figure("TUI stats screen: first chart", first, "ms", "< 1000", note=note),
        Figure("TUI stats screen: every chart", every, "ms", "—", note=note),
    ]


OPEN_CASE_IN_PROCESS = """
import asyncio, statistics, sys, time
from pathlib import Path
from casedesk.app import CasedeskApp
from casedesk.screens.case import CaseScreen

async def main():
    app = CasedeskApp(Path(sys.argv[1]), "ann", poll_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(1.0)
        times = []
        for _ in range(7):
            started = time.perf_counter()
            app.open_case(int(sys.argv[2]))
            while not isinstance(app.screen, CaseScreen):
                await pilot.pause(0)
            await pilot.pause(0)  # the first paint of the case screen
            times.append((time.perf_counter() - started) * 1000)
            app.pop_screen()
            await pilot.pause(0.2)
        print(statistics.median(times))

asyncio.run(main())
"""


def open_case_in_process_ms(db: Path) -> float:
    result = subprocess.run(
        [sys.executable, "-c", OPEN_CASE_IN_PROCESS, str(db), str(LONG_CASE)],
        env=env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return float(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return float("nan")


def scroll_repaint_ms(terminal: Terminal, presses: int) -> list[float]:
    times = []
    for _ in range(presses):
        before = terminal.screen()
        started = time.perf_counter()
        terminal.keys("j")
        deadline = started + 5
        while time.perf_counter() < deadline and terminal.screen() == before:
            time.sleep(0.001)
        times.append((time.perf_counter() - started) * 1000)
    return times


# -- mail ----------------------------------------------------------------------------------


def mail_figure() -> Figure:
    script = HERE / "mail_import.py"
    name = "mail import (10,000 messages)"
    if not script.exists():
        return Figure(name, None, "msg/s", "≥ 200", note="benchmarks/mail_import.py missing")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [sys.executable, str(script), "--messages", "10000", "--keep", tmp],
            capture_output=True,
            text=True,
            check=False,
        )
    found = re.search(r"imported \d+ messages in [\d.]+s: (\d+) messages/s", result.stdout)
    if not found:
        note = (result.stderr or result.stdout).strip()[-200:]
        return Figure(name, None, "msg/s", "≥ 200", note=note)
    return Figure(name, float(found.group(1)), "msg/s", "≥ 200")


# -- report --------------------------------------------------------------------------------


def unit_of(figure: Figure) -> str:
    """The target's unit: none for one relative to the baseline (≤ 3×) or without a value."""
    return "" if figure.value is None or "×" in figure.target else figure.unit


def table(figures: list[Figure], title: str) -> str:
    rows = [
        f"### {title}",
        "",
        "| figure | median | target | met | baseline, same run | note |",
        "| --- | ---: | --- | --- | --- | --- |",
    ]
    for f in figures:
        value = "—" if f.value is None else f"{f.value:,.0f} {f.unit}"
        rows.append(
            f"| {f.name} | {value} | {f.target} {unit_of(f)}"
            f" | {f.met()} | {f.baseline} | {f.note} |"
        )
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--events", type=int, help="default: 20 a case")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--growth", action="store_true", help="the interactive figures at 1k, 10k and 100k cases"
    )
    parser.add_argument("--no-tui", action="store_true")
    parser.add_argument("--no-mail", action="store_true")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgres", "both"),
        default="sqlite",
        help="postgres (or both): the CLI and report figures on SQLite and on a PostgreSQL "
        "copy of each store (moved by export | import), side by side",
    )
    parser.add_argument("--pg-url", help="the server for --engine postgres (default: start one)")
    args = parser.parse_args()
    compile_sources()
    if args.engine != "sqlite":
        return compare_engines(args)

    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    output = [f"casedesk benchmarks — {machine}\n"]
    sizes = [1_000, 10_000, args.cases] if args.growth else [args.cases]
    for cases in sizes:
        db = store_for(cases, args.events or cases * 20, args.rebuild)
        figures = cli_figures(db, args.runs) + terminal_figures(db, args.runs)
        if not args.no_report:
            figures += report_figures(db, args.runs)
        if not args.no_tui:
            figures += tui_figures(db, max(3, args.runs // 2))
        if not args.no_mail and cases == sizes[-1]:
            figures.append(mail_figure())
        text = table(figures, f"{cases:,} cases")
        print(text)
        output.append(text)
    if args.markdown:
        args.markdown.write_text("\n".join(output))
    return 0


def compare_engines(args: argparse.Namespace) -> int:
    """The CLI (and report) figures on each store size, SQLite beside PostgreSQL."""
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    output = [f"casedesk benchmarks, SQLite and PostgreSQL — {machine}\n"]
    server_url, server = pg_server_url(args.pg_url)
    try:
        sizes = [1_000, 10_000, args.cases] if args.growth else [args.cases]
        for cases in sizes:
            db = store_for(cases, args.events or cases * 20, args.rebuild)
            url = pg_store_for(db, server_url, cases)
            load = os.getloadavg()
            lite, server_figures = cli_figures(db, args.runs), cli_figures(url, args.runs)
            if not args.no_report:
                lite += report_figures(db, args.runs)
                server_figures += pg_report_figures(url, args.runs)
            after = os.getloadavg()
            text = side_by_side(lite, server_figures, f"{cases:,} cases") + (
                f"\nLoad average (1 min) {load[0]:.1f} at the start, {after[0]:.1f} at the end.\n"
            )
            print(text)
            output.append(text)
    finally:
        if server is not None:
            server.close()  # type: ignore[attr-defined]
    if args.markdown:
        args.markdown.write_text("\n".join(output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
