"""The read verbs' human output straight from stored rows, as `cli/json_reads.py` does for JSON.

The same stores and cases as the JSON path are taken (a SQLite store this agent may write or a
PostgreSQL one through libpq, due times that follow the current policy in calendar time, no
merged cases or customers, no `--problem`), read by the same functions, and printed by the same
functions as the whole path (`cli/render.py`, which works on stored rows), without the domain
model, typer or rich. A case with sub-tasks also goes to the whole path (`core.subtasks` and a
pending draft need the model).
Anything else returns False having printed nothing, and `cli/reads.py` answers in full.
"""

from __future__ import annotations

import json

from casedesk.cli import json_reads
from casedesk.cli.plain import Printer
from casedesk.core.clock import now as clock_now

TYPE_CHECKING = False  # not `typing`'s: this path must not load it
if TYPE_CHECKING:
    from typing import Any

    from casedesk.store.rows import Rows


def run(verb: str, values: dict[str, Any]) -> bool:
    """Print the human output of the read verb `verb` (a function name of `cli/reads.py`)
    called with `values`; False, having printed nothing, when `cli/reads.py` must answer."""
    answer = _VERBS.get(verb)
    if answer is None:
        return False
    rows = json_reads.open_rows(values["db"], values["as_"])
    if rows is None:
        return False
    try:
        return answer(rows, values)  # each reads all it prints before printing
    except rows.unhandled:  # e.g. what a server said: in the full path's words
        return False
    finally:
        rows.close()


def _list(rows: Rows, values: dict[str, Any]) -> bool:
    from casedesk.cli.render import print_list

    now = clock_now()
    filters = json_reads.list_filters(values, now)
    if filters is None:
        return False
    limit = values["limit"]
    found = rows.case_rows(**filters, limit=limit or None)
    more = rows.count_cases(**filters) - limit if limit and len(found) == limit else 0
    print_list(Printer(), found, now, None, more)
    return True


def _show(rows: Rows, values: dict[str, Any]) -> bool:
    from casedesk.cli.render import print_show

    found = json_reads.case_and_events(rows, values["case_id"])
    if found is None:
        return False
    case, events = found
    if any(event["kind"] in ("subtask-added", "subtask-done") for event in events):
        return False
    timeline = [(event, json.loads(event["data"])) for event in events]
    print_show(Printer(), case, timeline, clock_now(), values["full"])
    return True


def _search(rows: Rows, values: dict[str, Any]) -> bool:
    from casedesk.cli.render import print_search

    hits, found = json_reads.search_hits(rows, values)
    print_search(Printer(), hits, found)
    return True


def _customer(rows: Rows, values: dict[str, Any]) -> bool:
    from casedesk.cli.render import print_customer

    who = json_reads.unmerged_customer(rows, values["key"])
    if who is None:
        return False
    found = rows.case_rows(customer_id=who["id"], statuses=None, limit=None)
    notes = rows.note_rows([who["id"]])
    legacy = rows.customer_notes(who["id"])
    print_customer(Printer(), who, found, [], legacy, notes, clock_now())
    return True


_VERBS = {
    "list_cases": _list,
    "show_case": _show,
    "search_cases": _search,
    "show_customer": _customer,
}
