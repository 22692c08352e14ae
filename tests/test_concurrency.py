"""Many agents, one store file: no lost updates, no surfaced locks, nothing half-applied."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from casedesk.core.model import Channel
from casedesk.desk.desk import Desk
from casedesk.paths import ServerStore, StoreLocation
from casedesk.store import Store

WORKER = str(Path(__file__).with_name("stress_worker.py"))


def _arg(location: StoreLocation) -> str:
    """The store as a worker's command line names it (a URL whole, with no *** in it)."""
    return location.url if isinstance(location, ServerStore) else str(location)


def _seed_store(path: StoreLocation, cases: int = 12) -> None:
    desk = Desk.open(path, "seed")
    for n in range(cases):
        desk.new_case(f"seed{n}@example.com", f"seed case {n}", owner="ann")
    desk.close()


def _event_texts(path: StoreLocation) -> set[str]:
    with Store.open(path) as store:
        return {row["text"] for row in store.events_rows()}


@pytest.mark.both_engines
def test_eight_agents_500_mixed_operations_each_lose_nothing(db_path, capsys):
    _seed_store(db_path)
    procs = [
        subprocess.Popen(
            [sys.executable, WORKER, _arg(db_path), f"w{n}", "500", str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    records = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert "locked" not in err
        records += [json.loads(line) for line in out.splitlines()]
    ops = [r for r in records if "op" in r]
    assert len(ops) == 8 * 500
    assert [r for r in ops if r["outcome"] == "error"] == []
    ok = [r for r in ops if r["outcome"] == "ok"]
    refused = [r for r in ops if r["outcome"] == "refused"]
    assert all("look again" in r["reason"] or "already" in r["reason"] for r in refused)

    texts = _event_texts(db_path)
    appended = [r for r in ok if r["op"] in ("new", "note", "tell", "heard")]
    assert all(r["marker"] in texts for r in appended), "an acknowledged append is missing"
    with _opened(db_path) as desk:
        report = desk.check()
    assert report.clean, report.problems[:5]
    with capsys.disabled():
        print(
            f"\nstress ({db_path.__class__.__name__}): {len(ops)} attempted, "
            f"{len(ok)} acknowledged, {len(refused)} refused "
            f"with a reason, {sum(r['marker'] in texts for r in appended)}/{len(appended)} "
            f"appends found, longest wait {max(r['wait'] for r in ops) * 1000:.0f} ms"
        )


class _opened:
    def __init__(self, path: StoreLocation) -> None:
        self.desk = Desk.open(path, "checker")

    def __enter__(self) -> Desk:
        return self.desk

    def __exit__(self, *exc: object) -> None:
        self.desk.close()


@pytest.mark.both_engines
def test_kill_9_mid_burst_keeps_every_acknowledged_change(db_path, capsys):
    _seed_store(db_path)
    rng = random.Random(11)
    acknowledged: list[dict] = []
    for round_ in range(12):
        proc = subprocess.Popen(
            [sys.executable, WORKER, _arg(db_path), f"k{round_}", "100000", str(round_), "--ack"],
            stdout=subprocess.PIPE,
            text=True,
        )
        # Kill once it is writing (opening a server store takes longer than a file).
        first = proc.stdout.readline()  # type: ignore[union-attr]
        time.sleep(0.2 + rng.random() * 0.8)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        out = first + out
        lines = out.splitlines()
        complete = lines if out.endswith("\n") else lines[:-1]  # the last may be cut mid-write
        acknowledged += [json.loads(line) for line in complete]
    appends = [
        r
        for r in acknowledged
        if r["outcome"] == "ok" and r["op"] in ("new", "note", "tell", "heard")
    ]
    assert len(appends) > 100
    texts = _event_texts(db_path)
    missing = [r["marker"] for r in appends if r["marker"] not in texts]
    assert missing == []
    with _opened(db_path) as desk:
        report = desk.check()
    assert report.clean, report.problems[:5]
    with capsys.disabled():
        print(
            f"\ncrash: 12 kill -9, {len(acknowledged)} acknowledged, all {len(appends)} "
            "acknowledged appends found, check clean"
        )


def test_kill_9_mid_import_leaves_no_half_import(db_path, tmp_path):
    source = tmp_path / "source.db"
    from casedesk.desk.demo import build_demo

    build_demo(source, cases=3000)
    dump = tmp_path / "dump.jsonl"
    with Store.open(source) as store, dump.open("w") as out:
        from casedesk.store.portable import export_to

        export_to(store, out)
    rng = random.Random(5)
    for attempt in range(5):
        target = tmp_path / f"target{attempt}.db"
        script = (
            "import sys; from pathlib import Path; from casedesk.cli.admin import "
            f"import_jsonl; import_jsonl(Path(r'{dump}'), Path(r'{target}'), 'x'); "
            "print('done', flush=True)"
        )
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        time.sleep(0.3 + rng.random() * 1.2)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        with Store.open(target) as store:
            counts = store.counts()
        if "done" in out:
            assert counts["cases"] == 3000
        else:
            assert counts in ({"customers": 0, "cases": 0, "events": 0},), counts
        with _opened(target) as desk:
            assert desk.check().clean


def test_two_os_users_in_one_group_write_the_same_shared_store(two_users, as_user, monkeypatch):
    group, (alice, bob) = two_users
    base = Path(tempfile.mkdtemp(prefix="casedesk-shared-", dir="/tmp"))
    base.chmod(0o755)
    neutral = base / "xdg"
    neutral.mkdir()
    neutral.chmod(0o777)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(neutral))
    monkeypatch.setenv("XDG_DATA_HOME", str(neutral))
    try:
        from casedesk.store.shared import init_shared

        path = init_shared(base / "team", group)

        def act(name: str):
            def run() -> None:
                desk = Desk.open(path, name)
                case = desk.new_case(f"{name}@example.com", f"from {name}")
                for other in desk.store.all_case_ids():
                    desk.note(other, f"{name} was here on #{other}")
                desk.tell(case.id, f"{name} told", Channel.PHONE)
                desk.close()

            return run

        assert as_user(alice, act(alice)) == 0
        assert as_user(bob, act(bob)) == 0
        assert as_user(alice, act(alice)) == 0

        texts = _event_texts(path)
        assert {
            f"{alice} was here on #1",
            f"{bob} was here on #1",
            f"{bob} was here on #2",
            f"{alice} was here on #3",
        } <= texts
        for part in path.parent.iterdir():
            if part.name.startswith("casedesk.db"):
                assert part.stat().st_mode & 0o060 == 0o060, f"{part.name} not group-writable"
        with _opened(path) as desk:
            assert desk.check().clean
    finally:
        shutil.rmtree(base, ignore_errors=True)
