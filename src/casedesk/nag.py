"""`casedesk nag`: the overdue "tell the customer" reminders, for a login script.

It runs at every shell login, so it imports only the standard library and casedesk's pure rules:
no Textual, typer, rich or sqlite-utils. It prints nothing when nothing is overdue.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import datetime
from pathlib import Path  # loaded by casedesk.paths anyway

USAGE = """\
Usage: casedesk nag [--json] [--all] [--limit N] [--as NAME] [--db PATH]

  Print the cases whose customer is overdue for an update: yours and unassigned ones
  (everyone's with --all). Prints nothing when nothing is overdue.

Options:
  --json       one JSON array, for scripts ([] when nothing is overdue)
  --all        every agent's overdue cases, not only yours
  --limit N    show at most N cases, most overdue first (default 10; the total is always said)
  --as NAME    act as NAME (default: $CASEDESK_AGENT, else your login)
  --db PATH    the store (default: $CASEDESK_DB, else the data dir)
  -h, --help   show this message
"""

# One query per owner (and one for nobody's cases), each walking the (owner, due_at) index in
# order: an OR of the two would sort every overdue case before taking the first few.
_SELECT = """
    SELECT cases.id, cases.title, cases.owner, cases.due_at, cases.due_reason, cases.due_since,
           cases.due_detail, customers.name AS customer
    FROM cases JOIN customers ON customers.id = cases.customer_id
    WHERE {owner} AND cases.due_at <= ? ORDER BY cases.due_at LIMIT ?
"""
_COUNT = "SELECT count(*) FROM cases WHERE {owner} AND due_at <= ?"


class _Usage(Exception):
    pass


def _parse(argv: list[str]) -> dict[str, object]:
    options: dict[str, object] = {
        "json": False,
        "all": False,
        "as": None,
        "db": None,
        "limit": "10",
    }
    args = iter(argv)
    for arg in args:
        if arg in ("-h", "--help"):
            options["help"] = True
        elif arg in ("--json", "--all"):
            options[arg[2:]] = True
        elif arg in ("--as", "--db", "--limit") or arg.startswith(("--as=", "--db=", "--limit=")):
            name, _, value = arg.partition("=")
            value = value or next(args, "")
            if not value:
                raise _Usage(f"{name} needs a value")
            options[name[2:]] = value
        else:
            raise _Usage(f"no such option: {arg}")
    if not str(options["limit"]).isdigit():
        raise _Usage("--limit needs a whole number")
    return options


def _needs_full_path(conn: sqlite3.Connection, path: Path) -> bool:
    """True when the policy file changed since due times were last computed."""
    from casedesk.paths import file_signature, policy_file

    row = conn.execute("SELECT value FROM meta WHERE key = 'policy_signature'").fetchone()
    return row is None or row[0] != file_signature(policy_file(path))


def main(argv: list[str]) -> int:
    try:
        options = _parse(argv)
    except _Usage as exc:
        sys.stderr.write(f"{USAGE}\nError: {exc}\n")
        return 2
    if options.get("help"):
        sys.stdout.write(USAGE)
        return 0

    from casedesk import paths
    from casedesk.core import clock
    from casedesk.core.errors import CasedeskError
    from casedesk.core.identity import current_agent

    try:
        now = clock.now()
        agent = current_agent(options["as"])  # type: ignore[arg-type]
        path = paths.db_path(options["db"])  # type: ignore[arg-type]
        limit = int(options["limit"])  # type: ignore[arg-type]
        if isinstance(path, paths.ServerStore):
            from casedesk.store.postgres_nag import overdue

            agent_or_all = None if options["all"] else agent
            rows, total = overdue(path, now, agent_or_all, limit, _refresh_due_times)
        elif not os.access(path.parent, os.X_OK) and os.path.isdir(path.parent):
            from casedesk.store.connection import describe_access_problem

            raise CasedeskError(describe_access_problem(path) or f"you cannot open {path}")
        elif not path.exists():
            # No store yet at the default place: a login script stays quiet. A store named by
            # --db, CASEDESK_DB or a config that is not there is worth a line.
            missing = None if path == paths.default_db() else paths.missing_store(path)
            if missing:
                raise CasedeskError(missing)
            if options["json"]:
                sys.stdout.write("[]\n")
            return 0
        else:
            from casedesk.safe_files import refuse_planted_links

            refuse_planted_links(path)
            rows, total = _overdue(path, now, None if options["all"] else agent, limit)
    except CasedeskError as exc:
        sys.stderr.write(f"casedesk: {exc}\n")
        return 1
    except sqlite3.Error as exc:
        from casedesk.store.connection import describe_sqlite_error

        sys.stderr.write(f"casedesk: {describe_sqlite_error(path, exc)}\n")
        return 1
    _print(rows, total, now, bool(options["json"]))
    return 0


def _overdue(
    path: os.PathLike[str], now: datetime, agent: str | None, limit: int
) -> tuple[list[sqlite3.Row], int]:
    """The `limit` most overdue cases (of `agent` and nobody, or everyone's) and their total."""
    from casedesk.core.clock import to_text

    writable = os.access(path, os.W_OK)
    if writable:
        conn = sqlite3.connect(path, timeout=15)
    else:
        from casedesk.store.connection import connect_read_only

        conn = connect_read_only(Path(path))
    try:
        # A store this user may only read is read as its last writer left its due times.
        if writable and _needs_full_path(conn, Path(path)):
            conn.close()
            _refresh_due_times(path)
            conn = sqlite3.connect(path, timeout=15)
        conn.row_factory = sqlite3.Row
        cutoff = to_text(now)
        groups: list[tuple[str, list[object]]] = (
            [("cases.due_at IS NOT NULL", [])]
            if agent is None
            else [("cases.owner = ?", [agent]), ("cases.owner IS NULL", [])]
        )
        rows: list[sqlite3.Row] = []
        total = 0
        for owner, params in groups:
            rows += conn.execute(_SELECT.format(owner=owner), [*params, cutoff, limit]).fetchall()
            total += conn.execute(
                _COUNT.format(owner=owner.replace("cases.", "")), [*params, cutoff]
            ).fetchone()[0]
        rows.sort(key=lambda row: row["due_at"])
        return rows[:limit], total
    finally:
        conn.close()


def _refresh_due_times(location: object) -> None:
    """Store the due times under the current policy (the Desk does it as it opens). `location`:
    a file path or a paths.ServerStore (not annotated so: `typing` would import `re`)."""
    from pathlib import Path

    from casedesk import paths
    from casedesk.desk.desk import Desk

    where = location if isinstance(location, paths.ServerStore) else Path(str(location))
    Desk.open(where, actor="casedesk").close()


def _print(rows: list[sqlite3.Row], total: int, now: datetime, as_json: bool) -> None:
    from casedesk.core.clock import from_text, to_local_text
    from casedesk.core.safetext import json_text, one_line
    from casedesk.core.wording import explain_parts, humanize

    items = []
    for row in rows:
        due_at, since = from_text(row["due_at"]), from_text(row["due_since"])
        reason = row["due_reason"]
        items.append(
            {
                "id": row["id"],
                "title": row["title"],
                "customer": row["customer"],
                "owner": row["owner"],
                "due_at": to_local_text(due_at),
                "overdue_seconds": int((now - due_at).total_seconds()),
                "overdue": humanize(now - due_at),
                "reason": reason,
                "explanation": explain_parts(reason, due_at, since, row["due_detail"] or "", now),
            }
        )
    if as_json:
        sys.stdout.write(json_text(items) + "\n")
        return
    if not items:
        return
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    loud, dim, reset = ("\x1b[1;31m", "\x1b[2m", "\x1b[0m") if color else ("", "", "")
    noun = "customer is" if total == 1 else "customers are"
    lines = [f"{loud}casedesk: {total} {noun} overdue for an update{reset}"]
    for item in items:
        owner = item["owner"] or "unassigned"
        lines.append(
            f"  ! #{item['id']:<6} {item['overdue'] + ' overdue':<16} "
            f"{one_line(item['customer'], 24):<24}  {one_line(item['explanation'], 48)}"
            f"  {dim}({one_line(owner, 16)}){reset}"
        )
    if total > len(items):
        lines.append(f"  … and {total - len(items)} more: casedesk list --overdue")
    sys.stdout.write("\n".join(lines) + "\n")
