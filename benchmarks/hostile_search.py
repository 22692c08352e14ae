"""How long `casedesk search` takes once one hostile mail repeats a word for megabytes.

    python benchmarks/hostile_search.py [--size 10M] [--messages 1000] [--timeout 120]

A store of ordinary mail (the same generator as `mail_import.py`) gets one more message whose
body is the word "invoice" repeated to `--size`. The baseline, in the same run and the same
store, is the same search before that mail arrived. `casedesk search invoice` runs as a whole
process, as a user would run it; one that outlives `--timeout` is stopped and reported as such.
Target: the search under 1 s with the hostile mail in the store (and the whole process within
1 s of the baseline). Before casedesk capped what it indexes and built snippets itself, 320 KB
took 24 s and 10 MB more than 5 minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from mail_import import SETTINGS, generate

from casedesk.core.errors import CasedeskError
from casedesk.desk.desk import Desk
from casedesk.mail.intake import take_in
from casedesk.store import Store

WORD = "invoice"
TARGET_SECONDS = 1.0


def parse_size(text: str) -> int:
    units = {"k": 1_000, "m": 1_000_000}
    if text[-1].lower() in units:
        return int(float(text[:-1]) * units[text[-1].lower()])
    return int(text)


def hostile_mail(size: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Mallory <mallory@example.net>"
    msg["To"] = "help@example.com"
    msg["Subject"] = f"{WORD} overdue"
    msg["Message-ID"] = "<hostile@example.net>"
    msg.set_content((WORD + " ") * (size // (len(WORD) + 1)))
    return msg.as_bytes()


def timed_search(db: Path, query: str, timeout: float) -> str:
    """The wall time of `casedesk search QUERY` in its own process, as text."""
    command = [sys.executable, "-m", "casedesk", "search", query, "--db", str(db)]
    env = {**os.environ, "CASEDESK_NOW": "2026-11-02T12:00:00+00:00", "NO_COLOR": "1"}
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s (stopped)"
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        return f"failed after {elapsed:.2f} s: {done.stderr.strip()[:200]}"
    return f"{elapsed:.2f} s"


def in_process_search(db: Path, timeout: float) -> str:
    """The store's search alone (no process start-up), stopped by an interrupt at `timeout`."""
    store = Store.open(db)
    timer = threading.Timer(timeout, store.conn.interrupt)
    timer.start()
    started = time.perf_counter()
    try:
        store.search(WORD)
    except CasedeskError as exc:
        return f"{exc} after {time.perf_counter() - started:.1f} s"
    finally:
        timer.cancel()
        store.close()
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10M", help="hostile body size (e.g. 320k, 10M)")
    parser.add_argument("--messages", type=int, default=1000, help="ordinary mails first")
    parser.add_argument("--timeout", type=float, default=120.0, help="stop a search after this")
    args = parser.parse_args()
    size = parse_size(args.size)

    folder = Path(tempfile.mkdtemp(prefix="casedesk-hostile-bench-"))
    db = folder / "bench.db"
    try:
        desk = Desk.open(db, "bench", policy_path=folder / "no-policy.toml")
        try:
            for n, raw in enumerate(generate(args.messages)):
                take_in(desk, raw, f"bench/{n}", SETTINGS)
            ordinary = (
                b"Subject: Re: " + WORD.encode() + b" question\nFrom: Bea <bea@example.org>\n"
                b"Message-ID: <ordinary@example.org>\n\nWhere is my " + WORD.encode() + b"?\n"
            )
            take_in(desk, ordinary, "bench/ordinary", SETTINGS)
            desk.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            baseline = timed_search(db, WORD, args.timeout)
            started = time.perf_counter()
            taken = take_in(desk, hostile_mail(size), "bench/hostile", SETTINGS)
            intake = time.perf_counter() - started
            desk.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            desk.close()
        hostile = timed_search(db, WORD, args.timeout)
        unrelated = timed_search(db, "restart", args.timeout)
        inside = in_process_search(db, args.timeout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"store: {args.messages} ordinary mails + one of {size:,} bytes ({taken.outcome})")
    print(f"taking the hostile mail in: {intake:.2f} s")
    print(f"search {WORD!r}, before the hostile mail (baseline): {baseline}")
    print(f"search {WORD!r}, with the hostile mail:             {hostile}")
    print(f"search 'restart' (unrelated), with it:                {unrelated}")
    print(f"the store's search for {WORD!r} alone, in process:       {inside}")
    # A loaded machine's process start-up alone can pass 1 s: the whole-process figure is read
    # against its baseline, the store's search on its own against the target.
    met = (
        inside.endswith(" ms")
        and float(inside.split()[0]) < TARGET_SECONDS * 1000
        and hostile.endswith(" s")
        and baseline.endswith(" s")
        and float(hostile.split()[0]) - float(baseline.split()[0]) < TARGET_SECONDS
    )
    print(
        f"target: the search < {TARGET_SECONDS:.0f} s, and < {TARGET_SECONDS:.0f} s over the "
        "baseline as a whole process —",
        "met" if met else "NOT met",
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
