"""The read verbs (list, show, search, customer show), whichever way they were parsed.

Both the fast path (`cli/fast.py`) and the typer commands call these, with the parameters of
the options table (`cli/options.py`). No typer here, and rich only for human output.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from casedesk.cli.output import Reader, open_reader, print_json, say
from casedesk.cli.serialize import case_json, customer_json
from casedesk.core.merge import timeline
from casedesk.core.model import Status

if TYPE_CHECKING:
    from casedesk.core.model import Event
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
        from casedesk.cli.render import case_table

        out = Printer()
        if not rows:
            out.print("no cases")
            return
        out.print(case_table(rows, now, reader.policy))
        if limit and len(rows) == limit:
            total = reader.store.count_cases(**filters)
            if total > limit:
                out.print(f"… {total - limit} more (use --limit 0 for all)", style="dim")


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
        else:
            from casedesk.cli.plain import Printer
            from casedesk.cli.render import case_detail

            Printer().print(case_detail(row, shown, reader.now(), full, reader.policy))
            _show_work(reader, row, events)


def _show_work(reader: Reader, row: CaseRow, events: list[Event]) -> None:
    """Sub-task progress, the problem link and a pending drafted update, under the case."""
    from rich.text import Text

    from casedesk.cli.plain import Printer
    from casedesk.cli.render import plain
    from casedesk.core.subtasks import subtasks_of

    out = Printer()
    if row.problem is not None:
        out.print(
            Text(f"problem P{row.problem.id}: ")
            .append(plain(row.problem.title, 60))
            .append(f" — {row.problem.affected} case(s) affected")
        )
    subtasks = subtasks_of(events)
    if subtasks:
        out.print(f"sub-tasks: {row.case.subtasks_done} of {row.case.subtasks_total} done")
        for s in subtasks:
            out.print(
                Text(f"  {'✓' if s.done else '·'} {s.number}. ")
                .append(plain(s.title, 50))
                .append(" — ")
                .append(plain(s.who, 30))
            )
    if row.case.status.is_active and reader.desk.current_draft(row.case.id) is not None:
        from casedesk.paths import command

        out.print(f"a drafted update waits: {command(f'draft show {row.case.id}')}")


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

        if not hits:
            Printer().print("no matches")
            return
        from casedesk.cli.plain import Table
        from casedesk.cli.render import plain

        table = Table()
        for name in ("id", "status", "customer", "title", "match"):
            table.add_column(name, overflow="ellipsis")
        for case_id, snippet in hits:
            row = rows[case_id]
            table.add_row(
                f"#{case_id}",
                row.case.status.value,
                plain(row.customer.name, 24),
                plain(row.case.title, 40),
                plain(snippet, 60),
            )
        Printer().print(table)


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
        from rich.text import Text

        from casedesk.cli.plain import Printer, Table
        from casedesk.cli.render import case_table, plain
        from casedesk.core.rules import humanize

        if asked.id != who.id:
            say(f"customer #{asked.id} was merged into #{who.id}")
        out = Printer()
        line = Text(f"Customer #{who.id}: ", style="bold").append(plain(who.name))
        if who.email:
            line.append(" <").append(plain(who.email)).append(">")
        out.print(line)
        open_count = sum(1 for r in rows if r.case.status is not Status.CLOSED)
        out.print(f"{len(rows)} cases, {open_count} not closed")
        for m in merged:
            out.print(Text(f"merged in: #{m.id} ", style="dim").append(plain(m.name)))
        legacy = store.customer_notes(who.id)
        if legacy or notes:
            out.print(Text("Notes", style="bold"))
        if legacy:
            out.print(plain(legacy))
        for n in notes:
            out.print(Text(f"  {to_local_text(n.at)[:16]} {n.actor}: ").append(plain(n.text)))
        if rows:
            out.print(case_table(rows, now, reader.policy))
            heard = Table()
            for name in ("id", "last heard from them", "last told"):
                heard.add_column(name, overflow="ellipsis")
            for row in rows:
                case = row.case
                inbound = (
                    Text(f"{humanize(now - case.inbound_at)} ago: ").append(
                        plain(case.inbound_text, 50)
                    )
                    if case.inbound_at
                    else Text("—")
                )
                told = (
                    Text(f"{humanize(now - case.told_at)} ago by ").append(plain(case.told_by))
                    if case.told_at
                    else Text("never", style="yellow")
                )
                heard.add_row(f"#{case.id}", inbound, told)
            out.print(heard)
