"""Laying out `list`'s case table at a terminal: rich against cli/layout.py, in one process.

    python benchmarks/layout.py                   # 100 rows, width 120, truecolor
    python benchmarks/layout.py --rows 500 --width 80 --color-system standard

Builds a demo store (in a temporary folder), takes its first `--rows` cases as `list` shows
them, and times, as the median of `--runs` runs each: rich printing `case_table` (what
the read verbs fall back to) and `layout.table` printing the same cells (both checked equal first).
Timed from the built rows: neither side's imports are counted (rich's are counted by
`python -X importtime`; the layout module loads only the standard library).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--width", type=int, default=120)
    parser.add_argument("--color-system", default="truecolor")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from rich.console import Console

    from casedesk.cli import layout
    from casedesk.cli.reads import case_table_of
    from casedesk.core import clock
    from casedesk.core.model import Status
    from casedesk.store import Store
    from casedesk.styled import Styled

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "casedesk.db"
        subprocess.run(
            [sys.executable, "-m", "casedesk", "demo", "--db", str(path), "--no-open",
             "--cases", str(max(args.rows * 3, 300)), "--seed", "7"],
            check=True, capture_output=True, env={**os.environ, "CASEDESK_AGENT": "bench"},
        )  # fmt: skip
        store = Store.open(path)
        active = [s for s in Status if s is not Status.CLOSED]
        rows = store.list_cases(statuses=active, closed_when_due=True, limit=args.rows)
        store.close()
    now = clock.now()
    table = case_table_of(rows, now, None)

    def styled(cell: object) -> object:
        """A cell as cli/plain.py hands it to the layout module."""
        if not isinstance(cell, Styled):
            return cell
        return (cell.style, cell.parts) if cell.style else cell.parts

    def by_rich() -> str:
        out = io.StringIO()
        console = Console(
            file=out, force_terminal=True, color_system=args.color_system, width=args.width,
            highlight=False, soft_wrap=False,
        )  # fmt: skip
        console.print(table)  # (cli/plain.Table becomes a rich Table here)
        return out.getvalue()

    cells = [[styled(cell) for cell in row] for row in table.rows]

    def by_layout() -> str | None:
        return layout.table(table.columns, cells, args.width, args.color_system)

    assert by_layout() == by_rich(), "the two differ"
    timings = {}
    for name, run in (("rich", by_rich), ("layout", by_layout)):
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        timings[name] = statistics.median(times) * 1000
        timings[f"{name} fastest"] = min(times) * 1000
    load = os.getloadavg()[0]
    rich_ms, layout_ms = timings["rich"], timings["layout"]
    print(
        f"{len(rows)} rows at width {args.width}, {args.color_system}: rich {rich_ms:.1f} ms,"
        f" layout {layout_ms:.2f} ms ({rich_ms / layout_ms:.0f}x), medians of {args.runs};"
        f" fastest: rich {timings['rich fastest']:.1f} ms,"
        f" layout {timings['layout fastest']:.2f} ms;"
        f" load {load:.2f}"
    )


if __name__ == "__main__":
    main()
