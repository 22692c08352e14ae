"""`casedesk nag`: the overdue "tell the customer" reminders, for a login script.

It runs at every shell login, so it imports only the standard library and casedesk's pure rules:
no Textual, typer, rich or sqlite-utils. It prints nothing when nothing is overdue.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from datetime import datetime

USAGE = """\
Usage: casedesk nag [--json] [--all] [--as NAME] [--db PATH]

  Print the cases whose customer is overdue for an update: yours and unassigned ones
  (everyone's with --all). Prints nothing when nothing is overdue.

Options:
  --json       one JSON array, for scripts ([] when nothing is overdue)
  --all        every agent's overdue cases, not only yours
  --as NAME    act as NAME (default: $CASEDESK_AGENT, else your login)
  --db PATH    the store (default: $CASEDESK_DB, else the data dir)
  -h, --help   show this message
"""

_QUERY = """
    SELECT cases.id, cases.title, cases.owner, cases.due_at, cases.due_reason, cases.due_since,
           cases.due_detail, customers.name AS customer
    FROM cases JOIN customers ON customers.id = cases.customer_id
    WHERE cases.due_at <= ? {owner} ORDER BY cases.due_at LIMIT 200
"""


class _Usage(Exception):
    pass


def _parse(argv: list[str]) -> dict[str, object]:
    options: dict[str, object] = {"json": False, "all": False, "as": None, "db": None}
    args = iter(argv)
    for arg in args:
        if arg in ("-h", "--help"):
            options["help"] = True
        elif arg in ("--json", "--all"):
            options[arg[2:]] = True
        elif arg in ("--as", "--db") or arg.startswith(("--as=", "--db=")):
            name, _, value = arg.partition("=")
            value = value or next(args, "")
            if not value:
                raise _Usage(f"{name} needs a value")
            options[name[2:]] = value
        else:
            raise _Usage(f"no such option: {arg}")
    return options


def _needs_full_path(conn: sqlite3.Connection) -> bool:
    """True when the policy file changed since due times were last computed."""
    from casedesk.desk import policy_signature  # only on this rare path
    from casedesk.paths import policy_file

    row = conn.execute("SELECT value FROM meta WHERE key = 'policy_signature'").fetchone()
    return row is None or row[0] != policy_signature(policy_file())


def main(argv: list[str]) -> int:
    try:
        options = _parse(argv)
    except _Usage as exc:
        sys.stderr.write(f"{USAGE}\nError: {exc}\n")
        return 2
    if options.get("help"):
        sys.stdout.write(USAGE)
        return 0

    from casedesk import clock, paths
    from casedesk.errors import CasedeskError
    from casedesk.identity import current_agent

    try:
        now = clock.now()
        agent = current_agent(options["as"])  # type: ignore[arg-type]
        path = paths.db_path(options["db"])  # type: ignore[arg-type]
        if not path.exists():
            if options["json"]:
                sys.stdout.write("[]\n")
            return 0
        rows = _overdue(path, now, None if options["all"] else agent)
    except CasedeskError as exc:
        sys.stderr.write(f"casedesk: {exc}\n")
        return 1
    except sqlite3.Error as exc:
        from casedesk.store.connection import describe_sqlite_error

        sys.stderr.write(f"casedesk: {describe_sqlite_error(path, exc)}\n")
        return 1
    _print(rows, now, bool(options["json"]), agent)
    return 0


def _overdue(path: os.PathLike[str], now: datetime, agent: str | None) -> list[sqlite3.Row]:
    from casedesk.clock import to_text

    conn = sqlite3.connect(path, timeout=15)
    try:
        conn.row_factory = sqlite3.Row
        if _needs_full_path(conn):
            conn.close()
            _refresh_due_times(path)
            conn = sqlite3.connect(path, timeout=15)
            conn.row_factory = sqlite3.Row
        owner = "" if agent is None else "AND (cases.owner = ? OR cases.owner IS NULL)"
        params: list[object] = [to_text(now)] + ([] if agent is None else [agent])
        return conn.execute(_QUERY.format(owner=owner), params).fetchall()
    finally:
        conn.close()


def _refresh_due_times(path: os.PathLike[str]) -> None:
    from pathlib import Path

    from casedesk.desk import Desk

    Desk.open(Path(path), actor="casedesk").close()


def _print(rows: list[sqlite3.Row], now: datetime, as_json: bool, agent: str) -> None:
    from casedesk.clock import from_text, to_local_text
    from casedesk.model import DueReason
    from casedesk.rules import explain_parts, humanize
    from casedesk.safetext import one_line

    items = []
    for row in rows:
        due_at, since = from_text(row["due_at"]), from_text(row["due_since"])
        reason = DueReason(row["due_reason"])
        items.append(
            {
                "id": row["id"],
                "title": row["title"],
                "customer": row["customer"],
                "owner": row["owner"],
                "due_at": to_local_text(due_at),
                "overdue_seconds": int((now - due_at).total_seconds()),
                "overdue": humanize(now - due_at),
                "reason": reason.value,
                "explanation": explain_parts(reason, due_at, since, row["due_detail"] or "", now),
            }
        )
    if as_json:
        sys.stdout.write(json.dumps(items, ensure_ascii=False) + "\n")
        return
    if not items:
        return
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    loud, dim, reset = ("\x1b[1;31m", "\x1b[2m", "\x1b[0m") if color else ("", "", "")
    count = len(items)
    noun = "customer is" if count == 1 else "customers are"
    lines = [f"{loud}casedesk: {count} {noun} overdue for an update{reset}"]
    for item in items:
        owner = item["owner"] or "unassigned"
        lines.append(
            f"  ! #{item['id']:<6} {item['overdue'] + ' overdue':<16} "
            f"{one_line(item['customer'], 24):<24}  {one_line(item['explanation'], 48)}"
            f"  {dim}({one_line(owner, 16)}){reset}"
        )
    sys.stdout.write("\n".join(lines) + "\n")
