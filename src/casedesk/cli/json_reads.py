"""The read verbs' `--json` output straight from stored rows, at the start-up floor.

`cli/reads.py` builds the domain model (the dataclasses of `core/model.py` and the Store) before
serializing it; generating those classes, and loading `dataclasses`, `inspect` and `typing`,
cost more than these verbs' queries. Here the same statements (`store.rows.Rows`) feed the same
serializer (`cli/serialize.py`) directly; on a PostgreSQL store through libpq itself
(`store.postgres_rows.LibpqRows`), as `casedesk nag` reads it, never loading psycopg. Only the
common case is taken: a SQLite store this agent may write, or a server store libpq reaches, at the
current schema, whose due times follow the current policy in calendar time. Anything else (a
read-only file, a store to migrate, a policy with `[hours]`, a changed policy file, merged cases
or customers, `--problem`, whatever the server refuses) returns False having printed nothing,
and `cli/reads.py` answers in full.
"""

from __future__ import annotations

import json

from casedesk.cli.output import print_json
from casedesk.cli.serialize import customer_json, event_json, local_time, stored_case_json
from casedesk.core.clock import now as clock_now

TYPE_CHECKING = False  # not `typing`'s: this path must not load it
if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path
    from typing import Any

    from casedesk.store.rows import Rows


def run(verb: str, values: dict[str, Any]) -> bool:
    """Print the JSON of the read verb `verb` (a function name of `cli/reads.py`) called with
    `values`; False, having printed nothing, when `cli/reads.py` must answer."""
    answer = _VERBS.get(verb)
    if answer is None:
        return False
    rows = open_rows(values["db"], values["as_"])
    if rows is None:
        return False
    try:
        result = answer(rows, values)
    except rows.unhandled:  # e.g. what a server said: in the full path's words
        result = None
    finally:
        rows.close()
    if result is None:
        return False
    print_json(result)
    return True


def open_rows(db: str | None, as_: str | None) -> Rows | None:
    """The store's rows when this path may read them, None when the whole path must; the same
    checks in the same order as `output.open_reader`, so a mistake gets the same message."""
    from casedesk import paths
    from casedesk.core.identity import current_agent

    location = paths.db_path(db)
    current_agent(as_)
    if isinstance(location, paths.ServerStore):
        from casedesk.store.postgres_rows import LibpqRows

        rows = LibpqRows.open(location)
    else:
        rows = _file_rows(location)
    if rows is None:
        return None
    try:
        plain = rows.schema_current() and rows.due_times_follow(
            paths.file_signature(paths.policy_file(location))
        )
    except rows.unhandled:
        plain = False  # the whole path says what is wrong with the store
    if not plain:
        rows.close()
        return None
    return rows


def _file_rows(location: Path) -> Rows | None:
    from casedesk import paths

    missing = paths.missing_store(location)
    if missing:
        from casedesk.core.errors import StoreError

        raise StoreError(missing)
    from casedesk.safe_files import refuse_planted_links
    from casedesk.store.connection import connect, describe_access_problem
    from casedesk.store.rows import Rows

    if describe_access_problem(location):  # read-only for this agent, or refused: in full
        return None
    refuse_planted_links(location)
    return Rows(location, connect(location))


def list_filters(values: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """`list`'s filters for `Rows.case_rows`, or None when it needs the whole path."""
    if values["problem"]:
        return None
    from casedesk.core.kinds import Status

    return {
        "statuses": values["status"] or [s for s in Status if s is not Status.CLOSED],
        "owner": values["owner"],
        "unassigned": values["unassigned"],
        "due_before": now if values["overdue"] else None,
        "closed_when_due": not values["status"],
        "problem_id": None,
    }


def _list(rows: Rows, values: dict[str, Any]) -> Any:
    now = clock_now()
    filters = list_filters(values, now)
    if filters is None:
        return None
    found = rows.case_rows(**filters, limit=values["limit"] or None)
    return [stored_case_json(row, now) for row in found]


def case_and_events(rows: Rows, case_id: int) -> tuple[Any, list[Any]] | None:
    """A case and its events as stored, or None when its timeline holds another case's events
    (merged into it: `core.merge` joins them, on the whole path)."""
    case = rows.case_select_row(case_id)
    events = rows.event_rows(case_id)
    if any(event["kind"] == "merged-from" for event in events):
        return None
    return case, events


def _show(rows: Rows, values: dict[str, Any]) -> Any:
    found = case_and_events(rows, values["case_id"])
    if found is None:
        return None
    case, events = found
    return {
        **stored_case_json(case, clock_now()),
        "events": [event_json(event, json.loads(event["data"])) for event in events],
    }


def search_hits(rows: Rows, values: dict[str, Any]) -> tuple[list[tuple[int, str]], dict]:
    """The hits (case id, snippet), best first, and the cases they are in, by id."""
    hits = rows.search(values["query"], values["limit"])
    found = rows.case_rows(ids=[i for i, _ in hits], statuses=None, limit=None)
    return hits, {row["id"]: row for row in found}


def _search(rows: Rows, values: dict[str, Any]) -> Any:
    hits, found = search_hits(rows, values)
    now = clock_now()
    return [
        {**stored_case_json(found[i], now), "match": snippet} for i, snippet in hits if i in found
    ]


def unmerged_customer(rows: Rows, key: str) -> Any:
    """The customer `key` names, or None when merges are involved: the customer it stands for,
    and those merged into it, are found on the whole path."""
    who = rows.find_customer_row(key)
    if rows.merged_into_id(who["id"]) is not None or rows.merged_ids(who["id"]):
        return None
    return who


def _customer(rows: Rows, values: dict[str, Any]) -> Any:
    who = unmerged_customer(rows, values["key"])
    if who is None:
        return None
    found = rows.case_rows(customer_id=who["id"], statuses=None, limit=None)
    notes = rows.note_rows([who["id"]])
    now = clock_now()
    return {
        **customer_json(who["id"], who["name"], who["email"]),
        "notes": rows.customer_notes(who["id"]),
        "note_log": [
            {"at": local_time(n["at"]), "by": n["actor"], "text": n["text"]} for n in notes
        ],
        "merged": [],
        "cases": [stored_case_json(row, now) for row in found],
    }


_VERBS = {
    "list_cases": _list,
    "show_case": _show,
    "search_cases": _search,
    "show_customer": _customer,
}
