"""Two processes catching up the same events fold them once (the race fixed in 1045220).

A report read where the steps stood (the watermark, each case's latest step) before it took the
write lock. When another process folded the same events meanwhile, the report then wrote its
stale fold over that one: the day counts of the agents held those events twice, and a case's
older step could be written back as its latest. The other process here runs at the exact moment
the first asks for the write lock, so the race happens on every run, not by luck."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from casedesk.core.reports import case_steps
from casedesk.store import reports
from casedesk.store.reports import agent_events, stored_steps, update_steps

from .conftest import Built, acted_from_steps

pytestmark = pytest.mark.both_engines

CATCH_UP = """
import sys
from casedesk import paths
from casedesk.desk.desk import Desk
from casedesk.store.reports import update_steps

desk = Desk.open(paths.store_location(sys.argv[1]), "other")
print(update_steps(desk.store, desk.policy))
desk.close()
"""


def test_two_processes_folding_the_same_events_count_them_once(built: Built, db_path, monkeypatch):
    desk = built.desk
    store, policy = desk.store, desk.policy
    with monkeypatch.context() as old:  # written by a casedesk that kept no report figures
        old.setattr(reports, "keep_steps", lambda *args: None)
        desk.tell(2, "The new disk is on its way.")
        desk.note(4, "Spare server ordered.")
        desk.tell(4, "The spare server arrives tomorrow.")
    location = str(getattr(db_path, "url", db_path))
    other: list[subprocess.CompletedProcess[str]] = []
    begin = store.transaction

    @contextmanager
    def other_process_first(*args: object, **kwargs: object) -> Iterator[None]:
        if not other:  # the moment this process asks for the write lock
            other.append(
                subprocess.run(
                    [sys.executable, "-c", CATCH_UP, location],
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
            )
        with begin(*args, **kwargs):
            yield

    monkeypatch.setattr(store, "transaction", other_process_first)
    update_steps(store, policy)
    monkeypatch.undo()

    assert other and other[0].returncode == 0, other and other[0].stderr
    assert other[0].stdout.strip() == "2"  # the other process caught up #2 and #4 first
    histories = [store.events(case_id) for case_id in store.all_case_ids()]
    for events in histories:
        assert stored_steps(store, events[0].case_id) == case_steps(events, policy)
    window = built.window(-300, 300)  # whole days: read from the agents' day counts
    assert agent_events(store, window) == acted_from_steps(store, histories, window, policy)
    assert update_steps(store, policy) == 0
