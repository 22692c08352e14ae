"""How long `casedesk report` takes on a large store (target: under 1 s on 100,000 cases).

    python benchmarks/report.py --db /tmp/r100k.db          # builds the store first if missing
    python benchmarks/report.py --db /tmp/r100k.db --runs 7
    python benchmarks/report.py --db /tmp/r10k.db --cases 10000 --engine postgres  # and on PG

Builds the store with `casedesk demo --cases 100000` when the file does not exist (about 1.5
minutes), then the report steps once (the first report on a store replays every case: about a
minute on 100,000 cases, once), and then measures:

* the report computation itself (`store.reports.build_report`, as `casedesk report` calls it)
  for the default window (30 days), a 7-day window, a past window and a whole year;
* the whole `casedesk report` process (start-up, opening the store, computing, printing) for
  the default window, as a user sees it;
* a report right after a few new events (the steps catch up on those cases only).

Each figure is over `--runs` runs: median and best wall time, and CPU time (which a busy shared
machine does not inflate). With `--engine postgres`, the same figures follow on a PostgreSQL copy
of the store (a temporary server, or `--pg-url`), whose first report folds every case. A
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from casedesk.core import clock
from casedesk.core.policy import DEFAULT_POLICY
from casedesk.core.reports import Window
from casedesk.desk.desk import Desk
from casedesk.paths import ServerStore, StoreLocation
from casedesk.store import Store
from casedesk.store.reports import build_report, update_steps

CASEDESK = Path(sys.executable).with_name("casedesk")


def timed(runs: int, action: object) -> str:
    """Median and best wall time, and the median CPU time of this process (on a shared machine
    the CPU time says what the code costs; the wall time what a user waits)."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        action()  # type: ignore[operator]
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return (
        f"median {statistics.median(walls) * 1000:5.0f} ms, best {min(walls) * 1000:5.0f} ms, "
        f"CPU {statistics.median(cpus) * 1000:5.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/r100k.db"))
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="postgres: then the same figures on a PostgreSQL copy of the store",
    )
    parser.add_argument("--pg-url", help="the server for --engine postgres (default: start one)")
    args = parser.parse_args()

    env = {**os.environ, "CASEDESK_AGENT": "ann"}
    if not args.db.exists():
        print(f"building {args.cases} demo cases in {args.db} …", flush=True)
        subprocess.run(
            [CASEDESK, "demo", "--db", args.db, "--cases", str(args.cases), "--no-open"],
            check=True,
            env=env,
        )
    measure(args.db, args.runs, env)
    if args.engine == "postgres":
        from run import pg_server_url, pg_store_for

        server_url, server = pg_server_url(args.pg_url)
        try:
            url = pg_store_for(args.db, server_url, args.cases)
            print(f"\n-- the same store on PostgreSQL ({uptime()})")
            measure(ServerStore(url), args.runs, env)
        finally:
            if server is not None:
                server.close()  # type: ignore[attr-defined]


def uptime() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def measure(db: StoreLocation, runs: int, env: dict[str, str]) -> None:
    """Every figure on one store (a SQLite file or a server store)."""
    where = str(getattr(db, "url", db))
    store = Store.open(db)
    print(f"store: {store.counts()} ({store.engine}, {uptime()})")
    start = time.perf_counter()
    replayed = update_steps(store, DEFAULT_POLICY)
    print(
        f"steps brought up to date: {replayed} cases replayed in "
        f"{time.perf_counter() - start:.1f} s"
    )

    now = clock.now()
    windows = {
        "last 30 days (default)": Window(now - timedelta(days=30), now),
        "last 7 days": Window(now - timedelta(days=7), now),
        "30 days ending 60 days ago": Window(now - timedelta(days=90), now - timedelta(days=60)),
        "last 365 days": Window(now - timedelta(days=365), now),
    }
    for name, window in windows.items():
        figures = timed(runs, lambda w=window: build_report(store, DEFAULT_POLICY, w, weekly=False))
        print(f"report, {name:<28} {figures}")

    def whole_process() -> None:
        subprocess.run(
            [CASEDESK, "report", "--db", where],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )

    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        whole_process()
        walls.append(time.perf_counter() - start)
    print(
        f"`casedesk report` process, default window: median "
        f"{statistics.median(walls) * 1000:5.0f} ms, best {min(walls) * 1000:5.0f} ms"
    )

    desk = Desk(store=store, policy=DEFAULT_POLICY, actor="ann")
    for case_id in (1, 2, 3):
        desk.note(case_id, "benchmark: one more event")
    window = windows["last 30 days (default)"]
    figures = timed(1, lambda: build_report(store, DEFAULT_POLICY, window, weekly=False))
    print(f"report after 3 new events (catching up): {figures}")
    store.close()


if __name__ == "__main__":
    main()
