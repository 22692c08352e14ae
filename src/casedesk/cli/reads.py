"""The read verbs (list, show, search, customer show), whichever way they were parsed.

Both the fast path (`cli/fast.py`) and the typer commands call these, with the parameters of
the options table (`cli/options.py`). No typer here, and rich only for human output.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from casedesk.cli.output import open_reader, print_json, say
from casedesk.cli.serialize import case_json, customer_json
from casedesk.core.merge import timeline
from casedesk.core.model import Status

if TYPE_CHECKING:
    from datetime import datetime, timedelta
    from typing import Any

    from casedesk.cli.plain import Table
    from casedesk.core.policy import Policy
    from casedesk.store import CaseRow


def list_cases(
    status: list[Status] | None,
    owner: str | None,
    unassigned: bool,
    overdue: bool,
    problem: str | None,
    limit: int,
    db: Path | None,
    as_: str | None,
    json_: bool,
) -> None:
    statuses = status or [s for s in Status if s is not Status.CLOSED]
    with open_reader(db, as_) as reader:
        now = reader.now()
        filters = {
            "statuses": statuses,
            "owner": owner,
            "unassigned": unassigned,
            "due_before": now if overdue else None,
            "closed_when_due": not status,  # a closed case with a check-in due is shown
            "problem_id": _problem_id(problem),
        }
        rows = reader.store.list_cases(**filters, limit=limit or None)
        if json_:
            print_json([case_json(row, now, policy=reader.policy) for row in rows])
            return
        from casedesk.cli.plain import Printer
        from casedesk.cli.render import print_list

        more = reader.store.count_cases(**filters) - limit if limit and len(rows) == limit else 0
        print_list(Printer(), _stored(rows), now, _working(reader.policy, rows, now), more)


def _problem_id(problem: str | None) -> int | None:
    if not problem:
        return None
    from casedesk.desk.problems import parse_problem_id

    return parse_problem_id(problem)


def show_case(case_id: int, full: bool, db: Path | None, as_: str | None, json_: bool) -> None:
    with open_reader(db, as_) as reader:
        reader.store.case(case_id)  # unknown id → CaseNotFound, not an empty history
        events = reader.store.events(case_id)
        # With the events of cases merged into it: one conversation, one timeline.
        shown = timeline(events, reader.store.events)
        row = reader.store.case_row(case_id)
        if json_:
            print_json(case_json(row, reader.now(), shown, reader.policy))
            return
        from casedesk.cli.plain import Printer
        from casedesk.cli.render import print_show
        from casedesk.core.subtasks import subtasks_of
        from casedesk.store.store import stored_event

        now = reader.now()
        draft = None
        if row.case.status.is_active and reader.desk.current_draft(row.case.id) is not None:
            from casedesk.paths import command

            draft = command(f"draft show {row.case.id}")
        working = _working(reader.policy, [row], now)
        print_show(
            Printer(),
            _stored([row])[0],
            [(stored_event(e), e.data) for e in shown],
            now,
            full,
            working.get(case_id) if working else None,
            subtasks_of(events),
            draft,
        )


def case_table_of(rows: list[CaseRow], now: datetime, policy: Policy | None) -> Table:
    """`render.case_table` of cases the model holds."""
    from casedesk.cli.render import case_table

    return case_table(_stored(rows), now, _working(policy, rows, now))


def _stored(rows: list[CaseRow]) -> list[dict[str, Any]]:
    """Cases as `store.rows.CASE_SELECT` reads them: what `cli/render.py` shows."""
    from casedesk.store.store import stored_values

    return [stored_values(row) for row in rows]


def _working(
    policy: Policy | None, rows: list[CaseRow], now: datetime
) -> dict[int, timedelta | None]:
    """The working time left until each case's due time, where it counts it (`[hours]`)."""
    from casedesk.core.rules import working_left

    if policy is None:
        return {}
    return {
        row.case.id: working_left(row.due, row.case.priority, policy, now)
        for row in rows
        if row.due is not None
    }


def search_cases(query: str, limit: int, db: Path | None, as_: str | None, json_: bool) -> None:
    with open_reader(db, as_) as reader:
        hits = reader.store.search(query, limit)
        rows = {
            row.case.id: row
            for row in reader.store.list_cases(ids=[i for i, _ in hits], statuses=None, limit=None)
        }
        now = reader.now()
        if json_:
            print_json(
                [
                    {**case_json(rows[i], now, policy=reader.policy), "match": snippet}
                    for i, snippet in hits
                    if i in rows
                ]
            )
            return
        from casedesk.cli.plain import Printer
        from casedesk.cli.render import print_search
        from casedesk.store.store import stored_values

        print_search(Printer(), hits, {i: stored_values(row) for i, row in rows.items()})


def show_customer(key: str, db: Path | None, as_: str | None, json_: bool) -> None:
    from casedesk.core.clock import to_local_text
    from casedesk.store.problems import ProblemStore

    with open_reader(db, as_) as reader:
        store = reader.store
        asked = store.find_customer(key)
        who = store.merged_target(asked)
        records = ProblemStore(store)
        merged = records.merged_from(who.id)
        rows = store.list_cases(customer_id=who.id, statuses=None, limit=None)
        notes = records.customer_note_rows([who.id, *(m.id for m in merged)])
        now = reader.now()
        if json_:
            print_json(
                {
                    **customer_json(who.id, who.name, who.email),
                    "notes": store.customer_notes(who.id),
                    "note_log": [
                        {"at": to_local_text(n.at), "by": n.actor, "text": n.text} for n in notes
                    ],
                    "merged": [customer_json(m.id, m.name, m.email) for m in merged],
                    "cases": [case_json(row, now, policy=reader.policy) for row in rows],
                }
            )
            return
        from casedesk.cli.plain import Printer
        from casedesk.cli.render import print_customer
        from casedesk.core.clock import to_text

        if asked.id != who.id:
            say(f"customer #{asked.id} was merged into #{who.id}")
        print_customer(
            Printer(),
            customer_json(who.id, who.name, who.email),
            _stored(rows),
            [customer_json(m.id, m.name, m.email) for m in merged],
            store.customer_notes(who.id),
            [{"at": to_text(n.at), "actor": n.actor, "text": n.text} for n in notes],
            now,
            _working(reader.policy, rows, now),
        )
