"""On PostgreSQL, writers in several processes and reports catching up (and folding the whole
store again after a policy change) at the same time: afterwards every case's steps are a fold of
its whole event log, so no write's events slipped between the writers and the reports."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from casedesk import paths
from casedesk.core.reports import case_steps
from casedesk.desk.desk import Desk
from casedesk.store import postgres_reports
from casedesk.store.reports import stored_steps, update_steps

WORKER = str(Path(__file__).parent.parent / "stress_worker.py")


def test_writers_and_reports_at_once_leave_every_case_folded(pg_url, monkeypatch, tmp_path):
    desk = Desk.open(paths.store_location(pg_url), "seed", policy_path=tmp_path / "none.toml")
    store, policy = desk.store, desk.policy
    try:
        # More cases than a write folds again by itself, so the reports must do it.
        for n in range(210):
            desk.new_case(f"seed{n}@example.com", f"seed case {n}", owner="ann")
        monkeypatch.setattr(postgres_reports, "_CHUNK", 25)  # many chunks between the writes
        workers = [
            subprocess.Popen(
                [sys.executable, WORKER, pg_url, f"w{n}", "120", str(n)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(4)
        ]
        rounds = 0
        while any(worker.poll() is None for worker in workers):
            if rounds % 3 == 0:  # as if the policy changed: every case is folded again
                with store.transaction():
                    store.set_meta("report_steps_policy", f"another policy {rounds}")
            update_steps(store, policy)
            rounds += 1
            time.sleep(0.05)
        for worker in workers:
            assert worker.wait() == 0, worker.stderr.read() if worker.stderr else ""
        assert rounds >= 2
        update_steps(store, policy)
        for case_id in store.all_case_ids():
            expected = list(case_steps(store.events(case_id), policy))
            assert stored_steps(store, case_id) == expected, case_id
        assert update_steps(store, policy) == 0
    finally:
        desk.close()
