"""Case verbs: new, list, show, note, heard, tell, assign, status, resolve, close, reopen."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from casedesk import paths
from casedesk.cli.app import app
from casedesk.cli.common import (
    AsOption,
    CaseId,
    DbOption,
    JsonOption,
    open_desk,
    print_json,
    say,
    table_command,
)
from casedesk.cli.options import LIST, SHOW
from casedesk.cli.serialize import case_json
from casedesk.core.errors import InvalidInput
from casedesk.core.lifecycle import SETTABLE
from casedesk.core.model import TELL_CHANNELS, Channel, Priority, Status, Urgency
from casedesk.core.rules import due_words, explain, working_left
from casedesk.core.safetext import one_line
from casedesk.core.when import ACCEPTED, parse_when

if TYPE_CHECKING:
    from casedesk.desk.desk import Desk
    from casedesk.desk.problems import Suggestions
    from casedesk.store import CaseRow

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
        similar = desk.similar(state.id)
        if json_:
            print_json(
                {
                    **case_json(desk.case_row(state.id), desk.now(), policy=desk.policy),
                    "similar": similar_json(similar),
                }
            )
        else:
            print(state.id)
            if not similar.empty:
                say(f"#{state.id}: {similar.hint(title)}")
                for found in similar.cases[:3]:
                    linked = f" [P{found.problem_id}]" if found.problem_id else ""
                    say(
                        f"  #{found.id} {one_line(found.customer, 24)}: {one_line(found.title, 60)}"
                        f"{linked}"
                    )


table_command(app, LIST, __name__)
table_command(app, SHOW, __name__)


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


def similar_json(similar: Suggestions) -> dict[str, object]:
    return {
        "cases": [
            {
                "id": c.id,
                "title": c.title,
                "customer": c.customer,
                "status": c.status,
                "problem": c.problem_id,
            }
            for c in similar.cases
        ],
        "problems": [
            {"id": p.id, "title": p.title, "affected": p.affected} for p in similar.problems
        ],
        "suggested_problem": similar.suggested_problem,
        "hint": None if similar.empty else similar.hint(),
    }


@app.command()
def tell(
    target: Annotated[
        str | None,
        typer.Argument(
            help="The case id (leave out with --problem).", metavar="ID", show_default=False
        ),
    ] = None,
    text: Annotated[
        str | None,
        typer.Argument(
            help="What the customer was told (leave out with --draft).", show_default=False
        ),
    ] = None,
    channel: Annotated[
        Channel, typer.Option(help=f"How: {', '.join(c.value for c in TELL_CHANNELS)}.")
    ] = Channel.EMAIL,
    promise: Annotated[
        str | None,
        typer.Option(help=f"Promise the next update by WHEN: {ACCEPTED}.", show_default=False),
    ] = None,
    problem: Annotated[
        str | None,
        typer.Option(
            "--problem",
            help="Tell every customer of this problem (P4): one update "
            "per open linked case; {first_name}, {case_id}… are filled in per case.",
            metavar="P",
            show_default=False,
        ),
    ] = None,
    draft: Annotated[
        bool, typer.Option("--draft", help="Send the drafted update (`casedesk draft show ID`).")
    ] = False,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Record that the customer was told something; resets what is due."""
    if problem is not None:
        _tell_problem(problem, target if text is None else None, text, channel, db, as_)
        return
    if target is None or not target.strip().lstrip("#").isdigit():
        raise InvalidInput("tell needs a case id: casedesk tell ID TEXT")
    case_id = int(target.strip().lstrip("#"))
    if draft == (text is not None):
        raise InvalidInput("give the text, or --draft to send the drafted update (not both)")
    with open_desk(db, as_) as desk:
        if text is None:
            text = desk.draft_update(case_id).text
        when = parse_when(promise, desk.now()) if promise else None
        from casedesk.mail.send import deliver_and_tell  # mails it when channel is email

        deliver_and_tell(desk, case_id, text, channel, when)
        row = desk.case_row(case_id)
        due = (
            f"next update {_due_words(desk, row)} ({explain(row.due, desk.now())})"
            if row.due
            else "nothing more due"
        )
        _confirm(case_id, f"told by {channel}; {due}")


def _tell_problem(
    problem: str,
    stray: str | None,
    text: str | None,
    channel: Channel,
    db: DbOption,
    as_: AsOption,
) -> None:
    """`tell --problem P TEXT`: one told event (and mail) per affected customer's case."""
    from casedesk.desk.problems import parse_problem_id
    from casedesk.mail.send import deliver_and_tell

    words = stray if text is None else text
    if text is not None and stray is None:
        raise InvalidInput("with --problem, give only the text: casedesk tell --problem P TEXT")
    if not words:
        raise InvalidInput("what to tell them is missing: casedesk tell --problem P TEXT")
    pid = parse_problem_id(problem)
    notices: list[str] = []

    def send(desk, case_id, said, how, promise):  # type: ignore[no-untyped-def]
        return deliver_and_tell(desk, case_id, said, how, promise, notify=notices.append)

    with open_desk(db, as_) as desk:
        outcomes = desk.tell_problem(pid, words, channel, send)
    for notice in dict.fromkeys(notices):
        say(notice.rstrip())
    told = [o.case_id for o in outcomes if o.told]
    say(
        f"P{pid}: told {len(told)} customer(s) by {channel}"
        + (f" (#{', #'.join(map(str, told))})" if told else "")
    )
    failed = [o for o in outcomes if not o.told]
    for o in failed:
        say(f"  #{o.case_id}: {o.error}")
    if failed:
        raise SystemExit(1)


def _due_words(desk: Desk, row: CaseRow) -> str:
    """'in 12h', or with [hours] 'due Mon 09:30 — 45m of working time left'."""
    assert row.due is not None
    now = desk.now()
    working = working_left(row.due, row.case.priority, desk.policy, now)
    return due_words(row.due.at, row.due.since, now, working)


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
        when = _due_words(desk, row) if row.due else "now"
        hint = paths.command(f"tell {case_id} …")
        _confirm(case_id, f"resolved; tell the customer {when} (`{hint}`)")


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
