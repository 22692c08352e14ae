"""Case verbs: new, list, show, note, heard, tell, assign, status, resolve, close, reopen."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

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
from casedesk.cli.render import case_detail, case_table
from casedesk.lifecycle import SETTABLE
from casedesk.model import TELL_CHANNELS, Channel, Priority, Status, Urgency
from casedesk.rules import explain, relative
from casedesk.serialize import case_json
from casedesk.when import ACCEPTED, parse_when

# The statuses `casedesk status` may set; resolve, close and reopen have verbs of their own.
WorkingStatus = StrEnum("WorkingStatus", {s.name: s.value for s in SETTABLE})  # type: ignore[misc]

VersionOption = Annotated[
    int | None,
    typer.Option(
        "--if-version",
        help="Refuse if the case changed since you saw this version.",
        show_default=False,
    ),
]


def _confirm(case_id: int, what: str) -> None:
    say(f"#{case_id}: {what}")


@app.command()
def new(
    customer: Annotated[str, typer.Option(help='"Name <email>", an email, or a name.')],
    title: Annotated[str, typer.Option(help="The problem in a line.")],
    body: Annotated[str, typer.Option(help="The problem in the customer's words.")] = "",
    priority: Annotated[Priority, typer.Option(help="Our priority.")] = Priority.NORMAL,
    urgency: Annotated[
        Urgency, typer.Option(help="How urgent the customer says it is.")
    ] = Urgency.NORMAL,
    channel: Annotated[
        Channel, typer.Option(help="How the case arrived: email, phone, chat, walk-in, social.")
    ] = Channel.EMAIL,
    owner: Annotated[
        str | None, typer.Option(help="The agent who owns it (default: nobody).")
    ] = None,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Open a new case for a customer; prints its id."""
    with open_desk(db, as_) as desk:
        state = desk.new_case(customer, title, body, priority, urgency, channel, owner)
        if json_:
            print_json(case_json(desk.case_row(state.id), desk.now()))
        else:
            print(state.id)


@app.command("list")
def list_(
    status: Annotated[
        list[Status] | None,
        typer.Option(help="Only these statuses (repeatable). Default: all but closed."),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only this agent's cases.")] = None,
    unassigned: Annotated[bool, typer.Option(help="Only cases nobody owns.")] = False,
    overdue: Annotated[bool, typer.Option(help="Only cases overdue for an update.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many (0: all).", min=0)] = 100,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Cases in queue order: most overdue first, then by due time."""
    statuses = status or [s for s in Status if s is not Status.CLOSED]
    with open_desk(db, as_) as desk:
        now = desk.now()
        filters = {
            "statuses": statuses,
            "owner": owner,
            "unassigned": unassigned,
            "due_before": now if overdue else None,
        }
        rows = desk.store.list_cases(**filters, limit=limit or None)
        if json_:
            print_json([case_json(row, now) for row in rows])
            return
        out = console()
        if not rows:
            out.print("no cases")
            return
        out.print(case_table(rows, now))
        if limit and len(rows) == limit:
            total = desk.store.count_cases(**filters)
            if total > limit:
                out.print(f"… {total - limit} more (use --limit 0 for all)", style="dim")


@app.command()
def show(
    case_id: CaseId, db: DbOption = None, as_: AsOption = None, json_: JsonOption = False
) -> None:
    """A case: owner, status, what the customer last heard, what is due, its whole timeline."""
    with open_desk(db, as_) as desk:
        events = desk.events(case_id)
        row = desk.case_row(case_id)
        if json_:
            print_json(case_json(row, desk.now(), events))
        else:
            console().print(case_detail(row, events, desk.now()))


@app.command()
def note(
    case_id: CaseId,
    text: Annotated[str, typer.Argument(help="The note (internal).")],
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Add an internal note; the customer does not see it."""
    with open_desk(db, as_) as desk:
        desk.note(case_id, text)
        _confirm(case_id, "note added")


@app.command()
def heard(
    case_id: CaseId,
    text: Annotated[str, typer.Argument(help="What the customer said.")],
    channel: Annotated[
        Channel, typer.Option(help="phone, chat, walk-in, email, social.")
    ] = Channel.PHONE,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """The customer said something: a call, a chat, a walk-in. A reply becomes due."""
    with open_desk(db, as_) as desk:
        state = desk.heard(case_id, text, channel)
        _confirm(case_id, f"logged; status {state.status}")


@app.command()
def tell(
    case_id: CaseId,
    text: Annotated[str, typer.Argument(help="What the customer was told.")],
    channel: Annotated[
        Channel, typer.Option(help=f"How: {', '.join(c.value for c in TELL_CHANNELS)}.")
    ] = Channel.EMAIL,
    promise: Annotated[
        str | None,
        typer.Option(help=f"Promise the next update by WHEN: {ACCEPTED}.", show_default=False),
    ] = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Record that the customer was told something; resets what is due."""
    with open_desk(db, as_) as desk:
        when = parse_when(promise, desk.now()) if promise else None
        from casedesk.mail.send import deliver_and_tell  # mails it when channel is email

        deliver_and_tell(desk, case_id, text, channel, when)
        row = desk.case_row(case_id)
        due = (
            f"next update {relative(row.due.at, desk.now())} ({explain(row.due, desk.now())})"
            if row.due
            else "nothing more due"
        )
        _confirm(case_id, f"told by {channel}; {due}")


@app.command()
def assign(
    case_id: CaseId,
    agent: Annotated[
        str, typer.Argument(help="The new owner; 'me' for yourself, 'nobody' to unassign.")
    ],
    if_version: VersionOption = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Give the case to one owner, who is accountable to the customer."""
    with open_desk(db, as_) as desk:
        owner = desk.actor if agent == "me" else None if agent == "nobody" else agent
        desk.assign(case_id, owner, if_version)
        _confirm(case_id, f"owner {owner or 'nobody'}")


@app.command()
def status(
    case_id: CaseId,
    to: Annotated[
        WorkingStatus, typer.Argument(help="open, waiting-customer or waiting-third-party.")
    ],
    if_version: VersionOption = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Set the working status (resolve, close and reopen have their own verbs)."""
    with open_desk(db, as_) as desk:
        desk.set_status(case_id, Status(to), if_version)
        _confirm(case_id, f"status {to}")


@app.command()
def resolve(
    case_id: CaseId,
    summary: Annotated[str, typer.Option(help="What fixed it, in words the customer gets.")],
    if_version: VersionOption = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Mark the problem fixed. Telling the customer becomes due; the case stays until closed."""
    with open_desk(db, as_) as desk:
        state = desk.resolve(case_id, summary, if_version)
        row = desk.case_row(state.id)
        when = relative(row.due.at, desk.now()) if row.due else "now"
        _confirm(case_id, f"resolved; tell the customer {when} (`casedesk tell {case_id} …`)")


@app.command()
def close(
    case_id: CaseId,
    override_reason: Annotated[
        str | None,
        typer.Option(
            help="Close although the customer was not told of the resolution, and say why.",
            show_default=False,
        ),
    ] = None,
    if_version: VersionOption = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Close a resolved case once the customer has been told."""
    with open_desk(db, as_) as desk:
        desk.close_case(case_id, override_reason, if_version)
        _confirm(case_id, "closed")


@app.command()
def reopen(
    case_id: CaseId,
    reason: Annotated[str, typer.Option(help="Why it is open again.")] = "",
    if_version: VersionOption = None,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Open a resolved or closed case again."""
    with open_desk(db, as_) as desk:
        desk.reopen(case_id, reason, if_version)
        _confirm(case_id, "reopened")


@app.command()
def snooze(
    case_id: CaseId,
    when: Annotated[str, typer.Argument(help=f"Until when: {ACCEPTED}.")],
    reason: Annotated[str, typer.Option(help="Why nobody needs nagging until then.")],
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Silence the nag for this case until WHEN; recorded on the timeline with the reason."""
    with open_desk(db, as_) as desk:
        until = parse_when(when, desk.now())
        desk.snooze(case_id, until, reason)
        _confirm(case_id, f"snoozed until {until.astimezone():%a %Y-%m-%d %H:%M}")
