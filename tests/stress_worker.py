"""A worker process for the concurrency tests: mixed operations on one store file.

    python stress_worker.py DB WORKER OPS SEED [--ack]

DB is a store file or a PostgreSQL URL. Prints one JSON line per operation *after* it returned
(so an acknowledged line means committed):
{"op", "case", "marker", "outcome": "ok"|"refused", "reason", "wait"}. A final "summary" line.
With --ack every line is flushed at once, for kill -9 tests.
"""

from __future__ import annotations

import json
import random
import sys
import time

from casedesk.core.errors import Conflict, Refused, StoreError
from casedesk.core.model import Channel, Status
from casedesk.desk.desk import Desk
from casedesk.paths import store_location

STATUSES = [Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY]


def main() -> int:
    db = store_location(sys.argv[1])  # a store file or a postgresql:// URL
    worker, ops, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    desk = Desk.open(db, actor=worker)
    case_ids = desk.store.all_case_ids()
    for n in range(ops):
        marker = f"{worker}-{n}"
        op = rng.choice(["new", "note", "note", "tell", "tell", "heard", "assign", "status"])
        case_id = rng.choice(case_ids)
        record = {"op": op, "case": case_id, "marker": marker}
        started = time.perf_counter()
        try:
            if op == "new":
                state = desk.new_case(f"{marker}@example.com", f"case {marker}", marker)
                record["case"] = state.id
            elif op == "note":
                desk.note(case_id, marker)
            elif op == "tell":
                desk.tell(case_id, marker, Channel.EMAIL)
            elif op == "heard":
                desk.heard(case_id, marker, Channel.PHONE)
            else:
                seen = desk.store.case(case_id)
                time.sleep(rng.random() / 500)  # the agent looks at the case for a moment
                if op == "assign":
                    desk.assign(
                        case_id,
                        rng.choice(["ann", "bob", "chris", worker]),
                        expected_version=seen.version,
                    )
                else:
                    desk.set_status(case_id, rng.choice(STATUSES), expected_version=seen.version)
            record["outcome"] = "ok"
        except (Conflict, Refused) as exc:
            record.update(outcome="refused", reason=str(exc))
        except StoreError as exc:
            record.update(outcome="error", reason=str(exc))
        record["wait"] = time.perf_counter() - started
        print(json.dumps(record), flush="--ack" in sys.argv)
    desk.close()
    print(json.dumps({"summary": worker}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
