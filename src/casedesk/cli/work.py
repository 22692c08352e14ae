"""Verbs for work that spans teams and customers: subtask, problem, link, unlink, template,
checkin, draft."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from casedesk import paths
from casedesk.cli.app import app
from casedesk.cli.common import (
    AsOption,
    CaseId,
    DbOption,
    JsonOption,
    console,
    open_desk,
    print_json,
    say,
)
from casedesk.cli.plain import Printer
from casedesk.cli.reads import case_table_of
from casedesk.cli.render import plain_text as plain
from casedesk.cli.serialize import case_json
from casedesk.core.clock import to_local_text
from casedesk.core.model import TELL_CHANNELS, Channel, Status
from casedesk.core.rules import humanize
from casedesk.core.when import ACCEPTED, parse_when
from casedesk.desk.problems import parse_problem_id

ProblemArg = Annotated[str, typer.Argument(help="The problem id (P4 or 4).", metavar="P")]
TellChannel = Annotated[
    Channel, typer.Option(help=f"How: {', '.join(c.value for c in TELL_CHANNELS)}.")
]


def _time(value: datetime | None) -> str | None:
    return to_local_text(value) if value else None


# -- sub-tasks --------------------------------------------------------------------------------

subtask_app = typer.Typer(
    help="Pieces of a case's work for other agents or teams; the case keeps its one owner.",
    no_args_is_help=True,
)
app.add_typer(subtask_app, name="subtask")


def _subtask_json(subtask: Any) -> dict[str, Any]:
    return {
        "number": subtask.number,
        "title": subtask.title,
        "assignee": subtask.assignee,
        "team": subtask.team,
        "done": subtask.done,
        "added_at": _time(subtask.added_at),
        "added_by": subtask.added_by,
        "done_at": _time(subtask.done_at),
        "done_by": subtask.done_by,
        "note": subtask.note,
    }


def _drafted(desk: Any, case_id: int) -> None:
    draft = desk.current_draft(case_id)
    if draft is not None:
        first = next((line for line in draft.text.splitlines()[1:] if line.strip()), "")
        say(f"  drafted for the customer (not sent): {first.strip()}")
        send, see = paths.command(f"draft send {case_id}"), paths.command(f"draft show {case_id}")
        say(f"  send it: {send}   (see it: {see})")


@subtask_app.command("add")
def subtask_add(
    case_id: CaseId,
    title: Annotated[str, typer.Argument(help="The piece of work, in a line.")],
    assignee: Annotated[
        str | None, typer.Option(help="The agent doing it.", show_default=False)
    ] = None,
    team: Annotated[
        str | None, typer.Option(help="The team doing it (parts, warranty…).", show_default=False)
    ] = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Add a sub-task; it drafts (does not send) an update for the customer."""
    with open_desk(db, as_) as desk:
        state = desk.add_subtask(case_id, title, assignee, team)
        say(
            f"#{case_id}: sub-task {state.subtasks_total} added "
            f"({state.subtasks_done} of {state.subtasks_total} done)"
        )
        _drafted(desk, case_id)


@subtask_app.command("done")
def subtask_done(
    case_id: CaseId,
    number: Annotated[int, typer.Argument(help="The sub-task's number (see `subtask list`).")],
    note: Annotated[str, typer.Option(help="What happened, in words the customer can read.")] = "",
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Mark a sub-task done. The case stays open: its owner tells the customer and resolves it."""
    with open_desk(db, as_) as desk:
        state = desk.finish_subtask(case_id, number, note)
        left = state.subtasks_total - state.subtasks_done
        rest = f"{left} to go" if left else "all done — the case stays open until you resolve it"
        say(f"#{case_id}: sub-task {number} done ({rest})")
        _drafted(desk, case_id)


@subtask_app.command("list")
def subtask_list(
    case_id: CaseId, db: DbOption = None, as_: AsOption = None, json_: JsonOption = False
) -> None:
    """A case's sub-tasks: who does each, and which are done."""
    with open_desk(db, as_) as desk:
        subtasks = desk.subtasks(case_id)
        row = desk.case_row(case_id)
        if json_:
            print_json(
                {
                    "case": case_id,
                    "owner": row.case.owner,
                    "done": row.case.subtasks_done,
                    "total": row.case.subtasks_total,
                    "subtasks": [_subtask_json(s) for s in subtasks],
                }
            )
            return
        out = console()
        if not subtasks:
            out.print(f"#{case_id} has no sub-tasks")
            return
        owner = row.case.owner or "nobody"
        out.print(
            Text(f"#{case_id}: {row.case.subtasks_done} of {len(subtasks)} done; owner ")
            + plain(owner)
        )
        table = Table(box=None, pad_edge=False, header_style="bold")
        for name in ("n", "", "sub-task", "who", "done"):
            table.add_column(name, overflow="ellipsis")
        now = desk.now()
        for s in subtasks:
            done = (
                Text(f"{humanize(now - s.done_at)} ago by ").append(plain(s.done_by))
                if s.done_at
                else Text("")
            )
            if s.note:
                done.append(": ").append(plain(s.note, 40))
            table.add_row(
                str(s.number),
                "✓" if s.done else "·",
                plain(s.title, 40),
                plain(s.who, 24),
                done,
            )
        out.print(table)


# -- drafted updates --------------------------------------------------------------------------

draft_app = typer.Typer(
    help="The customer update drafted for a case: show it, or send it as it is.",
    no_args_is_help=True,
)
app.add_typer(draft_app, name="draft")


@draft_app.command("show")
def draft_show(
    case_id: CaseId, db: DbOption = None, as_: AsOption = None, json_: JsonOption = False
) -> None:
    """The update to send now: one drafted by a sub-task change, else the fitting template."""
    with open_desk(db, as_) as desk:
        draft = desk.draft_update(case_id)
        if json_:
            print_json(
                {
                    "case": case_id,
                    "template": draft.template,
                    "pending": draft.pending,
                    "drafted_at": _time(draft.at),
                    "text": draft.text,
                }
            )
            return
        how = "drafted by a sub-task change" if draft.pending else "from the template"
        say(f"#{case_id}: {how} {draft.template!r}")
        console().print(Text(draft.text))


@draft_app.command("send")
def draft_send(
    case_id: CaseId,
    channel: TellChannel = Channel.EMAIL,
    promise: Annotated[
        str | None,
        typer.Option(help=f"Promise the next update by WHEN: {ACCEPTED}.", show_default=False),
    ] = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Send the drafted update as it is (by mail when the channel is email); recorded as told."""
    from casedesk.mail.send import deliver_and_tell

    with open_desk(db, as_) as desk:
        draft = desk.draft_update(case_id)
        when = parse_when(promise, desk.now()) if promise else None
        deliver_and_tell(desk, case_id, draft.text, channel, when)
        say(f"#{case_id}: told by {channel} ({draft.template!r} update)")


# -- problems ---------------------------------------------------------------------------------

problem_app = typer.Typer(
    help="Problems: one fault many customers report. Linked cases are the evidence.",
    no_args_is_help=True,
)
app.add_typer(problem_app, name="problem")


def problem_json(problem: Any) -> dict[str, Any]:
    return {
        "id": problem.id,
        "label": f"P{problem.id}",
        "title": problem.title,
        "description": problem.description,
        "status": "resolved" if problem.resolved else "open",
        "created_at": _time(problem.created_at),
        "created_by": problem.created_by,
        "resolved_at": _time(problem.resolved_at),
        "resolved_by": problem.resolved_by,
        "summary": problem.summary,
        "affected": problem.affected,
        "open_cases": problem.open_cases,
        "customers": problem.customers,
        "first_report": _time(problem.first_report),
        "latest_report": _time(problem.latest_report),
    }


@problem_app.command("new")
def problem_new(
    title: Annotated[str, typer.Argument(help="The fault, in a line.")],
    description: Annotated[str, typer.Option(help="What is known about it.")] = "",
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Record a problem; prints its id (P1, P2…). Link the reports with `casedesk link`."""
    with open_desk(db, as_) as desk:
        problem = desk.new_problem(title, description)
        if json_:
            print_json(problem_json(problem))
        else:
            print(f"P{problem.id}")


@problem_app.command("list")
def problem_list(
    all_: Annotated[bool, typer.Option("--all", help="Resolved problems too.")] = False,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Problems, the most affected first, with how many cases and customers each affects."""
    with open_desk(db, as_) as desk:
        problems = desk.problems(include_resolved=all_)
        if json_:
            print_json([problem_json(p) for p in problems])
            return
        out = console()
        if not problems:
            out.print("no problems" if all_ else "no open problems (--all for resolved ones)")
            return
        now = desk.now()
        table = Table(box=None, pad_edge=False, header_style="bold")
        for name in ("id", "status", "affected", "open", "customers", "latest report", "title"):
            table.add_column(name, overflow="ellipsis")
        for p in problems:
            latest = f"{humanize(now - p.latest_report)} ago" if p.latest_report else "—"
            table.add_row(
                f"P{p.id}",
                "resolved" if p.resolved else "open",
                str(p.affected),
                str(p.open_cases),
                str(p.customers),
                latest,
                plain(p.title, 50),
            )
        out.print(table)


@problem_app.command("show")
def problem_show(
    problem: ProblemArg, db: DbOption = None, as_: AsOption = None, json_: JsonOption = False
) -> None:
    """A problem: its affected cases and customers, their count, first and latest report."""
    pid = parse_problem_id(problem)
    with open_desk(db, as_) as desk:
        found = desk.problem(pid)
        rows = desk.store.list_cases(problem_id=pid, statuses=None, limit=None)
        now = desk.now()
        customers = {r.customer.id: r.customer for r in rows}
        if json_:
            print_json(
                {
                    **problem_json(found),
                    "customer_list": [
                        {"id": c.id, "name": c.name, "email": c.email}
                        for c in sorted(customers.values(), key=lambda c: c.id)
                    ],
                    "cases": [case_json(r, now, policy=desk.policy) for r in rows],
                }
            )
            return
        out = console()
        out.print(Text(f"Problem P{pid}: ", style="bold").append(plain(found.title)))
        if found.description:
            out.print(plain(found.description))
        state = (
            Text(f"resolved {humanize(now - found.resolved_at)} ago: ").append(plain(found.summary))
            if found.resolved_at
            else Text("open")
        )
        out.print(state)
        first = f"{humanize(now - found.first_report)} ago" if found.first_report else "—"
        latest = f"{humanize(now - found.latest_report)} ago" if found.latest_report else "—"
        out.print(
            f"{found.affected} case(s) from {found.customers} customer(s), "
            f"{found.open_cases} still being worked on; first report {first}, latest {latest}"
        )
        if rows:
            Printer().print(case_table_of(rows, now, desk.policy))  # fitted to the width


@problem_app.command("resolve")
def problem_resolve(
    problem: ProblemArg,
    summary: Annotated[str, typer.Option(help="What fixed it, in words the customers get.")],
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Resolve the problem and every linked open case: telling each customer becomes due."""
    pid = parse_problem_id(problem)
    with open_desk(db, as_) as desk:
        resolved = desk.resolve_problem(pid, summary)
        tell = paths.command(f'tell --problem P{pid} "…"')
        say(f"P{pid}: resolved, and {len(resolved)} linked case(s) with it; tell them all: {tell}")


# -- links ------------------------------------------------------------------------------------


@app.command()
def link(
    case_id: CaseId,
    problem: Annotated[str, typer.Option("--problem", help="The problem (P4 or 4).", metavar="P")],
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Link a case to a problem: one more report of the same fault."""
    pid = parse_problem_id(problem)
    with open_desk(db, as_) as desk:
        desk.link_problem(case_id, pid)
        found = desk.problem(pid)
        note = " (the problem is already resolved)" if found.resolved else ""
        say(f"#{case_id}: linked to P{pid}, which now affects {found.affected} case(s){note}")


@app.command()
def merge(
    keep: Annotated[int, typer.Argument(help="The case that stays.")],
    duplicate: Annotated[int, typer.Argument(help="The case merged into it (closed).")],
    reason: Annotated[str, typer.Option(help="Why they are one conversation.")] = "",
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Merge two cases of one conversation: DUPLICATE is closed as "merged into #KEEP"; KEEP
    takes over its mail and shows its history in its timeline."""
    with open_desk(db, as_) as desk:
        state = desk.merge_cases(keep, duplicate, reason).state
        say(f"#{duplicate}: merged into #{keep}, which is {state.status}")


@app.command()
def unlink(case_id: CaseId, db: DbOption = None, as_: AsOption = None) -> None:
    """Take a case off its problem."""
    with open_desk(db, as_) as desk:
        before = desk.case_row(case_id).case.problem_id
        desk.unlink_problem(case_id)
        say(f"#{case_id}: unlinked from P{before}")


# -- templates --------------------------------------------------------------------------------

template_app = typer.Typer(
    help="Customer-update templates: the shipped ones and yours (templates.toml).",
    no_args_is_help=True,
)
app.add_typer(template_app, name="template")


@template_app.command("list")
def template_list(json_: JsonOption = False) -> None:
    """Every template, where it comes from, and what it is for."""
    from casedesk.desk.templates import load_templates, user_templates_file

    templates = load_templates()
    if json_:
        print_json(
            [
                {"name": t.name, "description": t.description, "source": t.source}
                for t in templates.values()
            ]
        )
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in ("name", "source", "for"):
        table.add_column(name)
    for t in templates.values():
        table.add_row(t.name, t.source, plain(t.description))
    console().print(table)
    say(f"your own templates go in {user_templates_file()}")


@template_app.command("show")
def template_show(
    name: Annotated[str, typer.Argument(help="The template's name (see `template list`).")],
    case_id: Annotated[
        int | None,
        typer.Option("--case", help="Fill it in for this case.", show_default=False),
    ] = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """A template's text, or filled in for a case."""
    from casedesk.core.errors import InvalidInput
    from casedesk.desk.templates import PLACEHOLDERS, load_templates

    templates = load_templates()
    if name not in templates:
        raise InvalidInput(f"no template {name!r}; there are: {', '.join(templates)}")
    template = templates[name]
    if case_id is None:
        console().print(Text(template.text))
        say("placeholders: " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
        return
    with open_desk(db, as_) as desk:
        console().print(Text(template.render(desk.template_values(case_id))))


# -- check-ins --------------------------------------------------------------------------------

checkin_app = typer.Typer(
    help='The "is it still working?" update some days after a resolution was told.',
    no_args_is_help=True,
)
app.add_typer(checkin_app, name="checkin")


@checkin_app.command("dismiss")
def checkin_dismiss(
    case_id: CaseId,
    reason: Annotated[str, typer.Option(help="Why no check-in is needed.")] = "",
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """No check-in needed on this case: stop the reminder (recorded on the timeline)."""
    with open_desk(db, as_) as desk:
        desk.dismiss_check_in(case_id, reason)
        say(f"#{case_id}: check-in dismissed")


@checkin_app.command("list")
def checkin_list(db: DbOption = None, as_: AsOption = None, json_: JsonOption = False) -> None:
    """Cases with a check-in coming up or overdue."""
    with open_desk(db, as_) as desk:
        rows = [
            r
            for r in desk.store.list_cases(
                statuses=[Status.RESOLVED], closed_when_due=True, limit=None
            )
            if r.due is not None and r.due.reason.value == "check-in"
        ]
        now = desk.now()
        if json_:
            print_json([case_json(r, now, policy=desk.policy) for r in rows])
        elif rows:
            Printer().print(case_table_of(rows, now, desk.policy))
        else:
            console().print("no check-ins due")
