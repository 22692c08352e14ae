"""How cases and events look in the console, as rich Text built from the rules' words.

Customer text is untrusted: it only ever enters a `Text(...)` as plain content after
`safetext.printable`, so `[bold red]x[/]` shows as those characters and an ESC shows as `\\x1b`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from casedesk import styled
from casedesk.core.describe import describe_event, signed
from casedesk.core.model import CaseState, Customer, Event, EventKind, Status
from casedesk.core.rules import (
    due_cell_words,
    humanize,
    is_overdue,
    working_left,
)
from casedesk.core.safetext import one_line, printable
from casedesk.store import CaseRow
from casedesk.styled import LOUD, OVERDUE_MARK

if TYPE_CHECKING:  # the CLI renders with this module and needs no console queries
    from casedesk.core.policy import Policy
    from casedesk.store.views import HeaderCounts


STATUS_SHORT = {
    Status.NEW: "new",
    Status.OPEN: "open",
    Status.WAITING_CUSTOMER: "wait:cust",
    Status.WAITING_THIRD_PARTY: "wait:3rd",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
}


MIN_TITLE = 21  # a title always shows its first 20 characters (and "…" when it is longer)
TOLD_TINY = 5  # "last heard" at its narrowest: "2d", "never"


@dataclass(frozen=True, slots=True)
class Columns:
    """Column widths of the queue at one terminal width (the title takes what is left).

    A width of 0 leaves the column out."""

    due: int
    id: int
    customer: int
    title: int
    status: int
    owner: int
    told: int

    @classmethod
    def fit(cls, width: int, mine_only: bool = False) -> Columns:
        """The widths for `width` cells. When the title would keep fewer than MIN_TITLE, columns
        give way in order: the owner (in view "mine", where it is always you), the status,
        "last heard" down to "2d", and last the customer's name narrows."""
        if width >= 118:
            due, ident, customer, status, owner, told = 16, 7, 20, 9, 8, 16
        elif width >= 96:
            due, ident, customer, status, owner, told = 15, 6, 16, 9, 7, 15
        else:
            due, ident, customer, status, owner, told = 14, 6, 12, 9, 6, 11

        def title() -> int:
            shown = [w for w in (due, ident, customer, status, owner, told) if w]
            return width - 2 - sum(shown) - len(shown)  # the mark, the cells, a space before each

        if title() < MIN_TITLE and mine_only:
            owner = 0
        if title() < MIN_TITLE:
            status = 0
        if title() < MIN_TITLE:
            told = TOLD_TINY
        if title() < MIN_TITLE:
            customer = max(customer - (MIN_TITLE - title()), 8)
        return cls(due, ident, customer, max(title(), 8), status, owner, told)


def _cell(text: str, width: int, right: bool = False) -> str:
    if len(text) > width:
        text = text[: max(width - 1, 0)] + "…"
    return text.rjust(width) if right else text.ljust(width)


def due_text(row: CaseRow, now: datetime, policy: Policy | None = None) -> str:
    """The queue's due column; with `[hours]` in `policy`, in working time."""
    if row.due is None:
        return "—"
    return due_cell_words(row.due.at, now, working_left(row.due, row.case.priority, policy, now))


def told_text(row: CaseRow, now: datetime, width: int = 16) -> str:
    """When the customer last heard from us, in as many words as `width` has room for."""
    if row.case.told_at is None:
        return "never told" if width >= 10 else "never"
    ago = humanize(now - row.case.told_at)
    if width >= 15:
        return f"told {ago} ago"
    return f"{ago} ago" if width >= 10 else ago.split(" ")[0]


def _joined(cells: list[tuple[str, int, bool]]) -> str:
    """(text, width, right-aligned) cells side by side; a width of 0 leaves a cell out."""
    return " ".join(_cell(text, width, right) for text, width, right in cells if width)


def header_row(cols: Columns) -> Text:
    last_heard = "last heard" if cols.told >= 10 else "heard"
    cells = [
        ("due", cols.due, False),
        ("id", cols.id, True),
        ("customer", cols.customer, False),
        ("title", cols.title, False),
        ("status", cols.status, False),
        ("owner", cols.owner, False),
        (last_heard, cols.told, False),
    ]
    return Text("  " + _joined(cells), style="bold")


def queue_row(
    row: CaseRow,
    now: datetime,
    cols: Columns,
    affected: dict[int, int] | None = None,
    policy: Policy | None = None,
) -> Text:
    """One case as a queue line: overdue ones carry a `!` and are loud (colour or not).

    A case linked to a problem starts its title with the problem and how many cases report it
    (`P3×5`), from `affected` (problem id → cases).
    """
    overdue = is_overdue(row.due, now)
    line = Text(f"{OVERDUE_MARK} " if overdue else "  ", style=LOUD if overdue else "")
    line.append(_cell(due_text(row, now, policy), cols.due), style=LOUD if overdue else "")
    line.append(" ")
    line.append(_cell(f"#{row.case.id}", cols.id, right=True), style="bold")
    line.append(" ")
    line.append(_cell(one_line(row.customer.name), cols.customer))
    line.append(" ")
    problem_id = getattr(row.case, "problem_id", None)
    if problem_id is not None:
        tag = f"P{problem_id}×{(affected or {}).get(problem_id, '?')} "
        line.append(tag[: cols.title], style="bold magenta")
        line.append(_cell(one_line(row.case.title), max(cols.title - len(tag), 0)))
    else:
        line.append(_cell(one_line(row.case.title), cols.title))
    if cols.status:
        line.append(" ")
        line.append(_cell(STATUS_SHORT.get(row.case.status, str(row.case.status)), cols.status))
    if cols.owner:
        line.append(" ")
        owner = _cell(one_line(row.case.owner or "—"), cols.owner)
        line.append(owner, style="" if row.case.owner else "dim")
    line.append(" ")
    never = row.case.told_at is None
    line.append(_cell(told_text(row, now, cols.told), cols.told), style="yellow" if never else "")
    return line


def first_steps(config: Path) -> Text:
    """What an empty store shows instead of an empty queue: the ways to a first case."""
    text = Text().append("No cases yet. To begin:\n\n", style="bold")
    steps = [
        ("N", "open a case by hand (a call, a walk-in)"),
        ("casedesk import PATH", "take in mail: .eml files, an mbox, a Maildir"),
        ("casedesk fetch", "take in new mail from an IMAP inbox, set up"),
        ("", "as [imap] (and [smtp] to send) in config.toml:"),
        ("", str(config)),
        ("casedesk demo", "try it all on sample data (a store of its own)"),
    ]
    for key, what in steps:
        text.append(f"  {key:<22}", style="bold").append(f"{what}\n")
    text.append("\n? lists every key · q quits", style="dim")
    return text


def intake_words(counts: HeaderCounts, now: datetime | None) -> Text:
    """ " · mail 3m ago, watching": is mail still coming in by itself? Empty without mail."""
    if counts.mail_in is None and counts.intake is None:
        return Text()
    line = Text(" · mail ")
    if counts.mail_in is not None and now is not None:
        line.append(f"{humanize(max(now - counts.mail_in, timedelta(0)))} ago")
    elif counts.mail_in is None:
        line.append("none yet")
    if counts.intake == "watching":
        line.append(", watching", style="green")
    elif counts.intake == "stopped":
        line.append(", intake stopped", style=LOUD)
    return line


def counts_line(
    counts: HeaderCounts,
    view: str,
    sort: str,
    shown: int,
    search: str,
    now: datetime | None = None,
) -> Text:
    line = Text()
    if counts.overdue:
        line.append(f"{OVERDUE_MARK} {counts.overdue:,} overdue", style=LOUD)
    else:
        line.append("0 overdue")
    line.append(f" · {counts.due_today:,} due today · {counts.open:,} open · ")
    line.append(f"{counts.unassigned:,} unassigned", style="yellow" if counts.unassigned else "")
    line.append_text(intake_words(counts, now))
    line.append("   ")
    line.append(f"view: {view}", style="bold")
    line.append(f"  sort: {sort}  ")
    if search:
        line.append("search: ").append(one_line(search, 30), style="italic")
        line.append("  ")
    line.append(f"{shown:,} cases", style="dim")
    return line


def last_heard_line(row: CaseRow, now: datetime) -> Text:
    case = row.case
    return styled.last_heard_line(
        case.told_at, case.told_channel, case.told_by, case.told_text, now
    ).to_text()


def next_due_line(row: CaseRow, now: datetime, policy: Policy | None = None) -> Text:
    due = row.due
    if due is None:
        return styled.next_due_line(None, now, "", "", now).to_text()
    working = working_left(due, row.case.priority, policy, now)
    return styled.next_due_line(due.at, due.since, due.reason, due.detail, now, working).to_text()


def case_header(row: CaseRow, now: datetime, policy: Policy | None = None) -> Text:
    """The pinned top of the case screen."""
    case, customer = row.case, row.customer
    text = Text()
    text.append(f"#{case.id} ", style="bold")
    text.append(one_line(case.title), style="bold")
    text.append("\nCustomer: ").append(_customer(customer))
    text.append("\nOwner: ")
    text.append(one_line(case.owner) if case.owner else "unassigned", style="bold")
    text.append(f"   Status: {case.status}   Priority: {case.priority}   ")
    text.append(f"Customer says: {case.urgency}", style=_urgency_style(case))
    text.append(f"   Via: {case.channel}")
    problem_id = getattr(case, "problem_id", None)
    if problem_id is not None:
        text.append(f"   Problem: P{problem_id}", style="bold")
    text.append("\n").append_text(last_heard_line(row, now))
    text.append("\n").append_text(next_due_line(row, now, policy))
    if case.resolution_summary:
        text.append("\nResolution: ").append(one_line(case.resolution_summary, 200))
        if case.status is Status.RESOLVED and not case.resolution_told:
            text.append("  (customer not told yet)", style=LOUD)
    return text


def _customer(customer: Customer) -> str:
    """'Bob Stone <bob@example.com>', safe to show."""
    name = one_line(customer.name)
    return f"{name} <{one_line(customer.email)}>" if customer.email else name


def _urgency_style(case: CaseState) -> str:
    """What the customer says of their urgency stands out when it is high or critical."""
    return "bold yellow" if case.urgency.value in ("high", "critical") else ""


def round_header(row: CaseRow, now: datetime, policy: Policy | None = None) -> Text:
    """The catch-up round's header: the case screen's facts in three lines that never wrap (an
    80×24 terminal keeps its rows for the entries and the draft). What was last said is in the
    entries below it, so only when and how it was said is here."""
    case, customer = row.case, row.customer
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"#{case.id} {one_line(case.title)}", style="bold")
    text.append(" — ").append(_customer(customer))
    text.append("\nowner ")
    text.append(one_line(case.owner) if case.owner else "nobody", style="bold")
    text.append(f" · {case.status} · {case.priority} · ")
    text.append(f"customer says {case.urgency}", style=_urgency_style(case))
    if getattr(case, "problem_id", None) is not None:
        text.append(f" · P{case.problem_id}", style="bold")
    text.append(" · told ")
    if case.told_at is None:
        text.append("nothing yet", style="yellow")
    else:
        text.append(f"{humanize(now - case.told_at)} ago by {case.told_channel}")
    text.append("\n").append_text(next_due_line(row, now, policy))
    if case.status is Status.RESOLVED and case.resolution_summary and not case.resolution_told:
        text.append("\nResolved, not told: ", style=LOUD)
        text.append(one_line(case.resolution_summary, 200))
    return text


DIRECTION_STYLE = {
    "inbound": ("IN", "cyan"),
    "outbound": ("OUT", "green"),
    "internal": ("NOTE", "yellow"),
    "system": ("SYS", "dim"),
}
KIND_WORDS = {
    EventKind.CREATED: "opened",
    EventKind.INBOUND: "customer said",
    EventKind.TOLD: "customer told",
    EventKind.ACKNOWLEDGED: "acknowledged automatically",
    EventKind.NOTE: "internal note",
}
FOLD_LINES = 4
FOLD_CHARS = 320


def event_body(event: Event) -> str:
    body = printable(event.text).strip()
    data = event.data
    if event.kind is EventKind.STATUS:
        body = f"{data.get('from')} → {data.get('to')}" + (f" ({body})" if body else "")
    elif event.kind is EventKind.ASSIGNED:
        body = f"owner → {printable(str(data.get('owner') or 'nobody'))}"
    elif event.kind is EventKind.SNOOZED:
        body = f"until {_local(data.get('until'))}: {body}"
    elif event.kind is EventKind.TOLD and data.get("promise"):
        body += f"\n(promised next update by {_local(data['promise'])})"
    elif event.kind is EventKind.CLOSED and data.get("override_reason"):
        body = f"closed without telling: {printable(str(data['override_reason']))}"
    elif event.kind is EventKind.CREATED:
        body = f"“{printable(str(data.get('title', '')))}”"
    elif event.kind in (EventKind.MERGED_INTO, EventKind.MERGED_FROM):
        body = printable(describe_event(event))
    attached = data.get("attachments")
    if isinstance(attached, list) and attached:
        body += "".join(f"\n{attachment_words(a)}" for a in attached if isinstance(a, dict))
        body += "\n(d saves an attachment)"
    return body


def attachment_words(attachment: dict[str, object]) -> str:
    """`attached: report.pdf (12 KB, application/pdf)`; the name is the sender's: shown safe."""
    name = one_line(str(attachment.get("name") or "attachment"), 80)
    kind = one_line(str(attachment.get("type") or "?"), 40)
    size = attachment.get("size")
    return f"attached: {name} ({size_words(size if isinstance(size, int) else 0)}, {kind})"


def size_words(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def is_long(event: Event) -> bool:
    return _is_long(event_body(event))


def _is_long(body: str) -> bool:
    return body.count("\n") >= FOLD_LINES or len(body) > FOLD_CHARS


def event_head(event: Event, now: datetime) -> Text:
    """The first line of a timeline entry: when, which way, what, by whom."""
    label, style = DIRECTION_STYLE[event.kind.direction]
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append(f"{event.at.astimezone():%a %Y-%m-%d %H:%M}", style="dim")
    head.append(f" ({humanize(now - event.at)} ago)  ", style="dim")
    head.append(f"{label:<4} ", style=f"bold reverse {style}" if label != "SYS" else "bold")
    head.append(" ")
    head.append(KIND_WORDS.get(event.kind, event.kind.value), style=f"bold {style}")
    if event.channel and event.channel.value not in ("internal", "system"):
        head.append(f" by {event.channel.value}")
    head.append(" · ").append(signed(event), style="italic")
    return head


def event_body_text(event: Event, folded: bool = True) -> str:
    """The words of an entry, cut to a few lines while folded."""
    body = event_body(event)
    if body and folded and _is_long(body):
        short = "\n".join(body.splitlines()[:FOLD_LINES])[:FOLD_CHARS]
        body = short + "\n… (x to unfold)"
    return body


def event_text(event: Event, now: datetime, folded: bool = True) -> Text:
    """One timeline entry as a single Text (head, then the indented words)."""
    head = event_head(event, now)
    body = event_body_text(event, folded)
    if body:
        head.append("\n")
        head.append("    " + body.replace("\n", "\n    "), style=body_style(event))
    return head


def body_style(event: Event) -> str:
    return {"internal": "italic", "system": "dim"}.get(event.kind.direction, "")


def _local(stored: object) -> str:
    if not stored:
        return "?"
    return f"{datetime.fromisoformat(str(stored)).astimezone():%a %Y-%m-%d %H:%M}"
