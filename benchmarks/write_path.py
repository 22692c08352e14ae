"""How long one desk write holds the write lock, and how much of it keeps the report figures.

    python benchmarks/write_path.py --db benchmarks/.cache/store-100000-2000000.db

Works on a copy of the store (the original is left as it is). Each write is a note on one case,
in a process that has not written to that case before (what every `casedesk note` process
does), on 200 cases drawn at random plus the ~500-event case #1: half of them with the report
figures kept (the desk as it ships), then the other half with that step switched off: the same
run's baseline. Prints the median, 90th percentile and worst write of each half, wall and CPU.
A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from casedesk.core.policy import DEFAULT_POLICY
from casedesk.desk.desk import Desk
from casedesk.store import Store


def summary(name: str, walls: list[float], cpus: list[float]) -> str:
    walls, cpus = sorted(walls), sorted(cpus)
    p90 = walls[int(len(walls) * 0.9)]
    return (
        f"{name:<34} median {statistics.median(walls) * 1000:6.2f} ms, p90 {p90 * 1000:6.2f} ms, "
        f"worst {walls[-1] * 1000:7.2f} ms; CPU median {statistics.median(cpus) * 1000:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("CASEDESK_NOW", "2026-11-23T12:00:00+00:00")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / args.db.name
        shutil.copyfile(args.db, copy)
        store = Store.open(copy)
        desk = Desk(store=store, policy=DEFAULT_POLICY, actor="ann")
        ids = store.all_case_ids()
        rng = random.Random(17)
        sample = rng.sample(ids[1:], args.writes + 1)
        desk.note(sample.pop(), "benchmark: warming up")  # first write: file and caches
        cases = [sample[0], 1, *sample[1:]]
        results: dict[bool, tuple[list[float], list[float]]] = {True: ([], []), False: ([], [])}
        long_case = 0.0
        # The kept half first: a write without the figures leaves them behind, and the next
        # kept write would catch that case up too.
        for kept, half in ((True, cases[0::2]), (False, cases[1::2])):
            if not kept:
                store.before_commit.pop("report_steps", None)
            for case_id in half:
                started, cpu = time.perf_counter(), time.process_time()
                desk.note(case_id, "benchmark: one more note")
                wall = time.perf_counter() - started
                results[kept][0].append(wall)
                results[kept][1].append(time.process_time() - cpu)
                if case_id == 1:
                    long_case = wall
        store.close()
    print(summary("write, report figures kept", *results[True]))
    print(summary("write, baseline (not kept)", *results[False]))
    print(f"write to the 500-event case #1, kept: {long_case * 1000:.2f} ms")


if __name__ == "__main__":
    main()
