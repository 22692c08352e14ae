"""Rich renderings for the terminal. Customer text always goes in as Text, never as markup."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from casedesk.core.clock import from_text
from casedesk.core.describe import describe_event, signed
from casedesk.core.model import Event
from casedesk.core.rules import due_cell_words, humanize, working_left
from casedesk.core.safetext import one_line, printable
from casedesk.mail.quote import fold
from casedesk.store import CaseRow
from casedesk.widgets.render import OVERDUE_MARK, last_heard_line, next_due_line

# rich.console and rich.table are imported when used: plain output needs neither.
if TYPE_CHECKING:
    from rich.console import RenderableType

    from casedesk.cli.plain import Table
    from casedesk.core.policy import Policy


def plain(value: object, width: int | None = None) -> Text:
    """Untrusted text, made printable and shown literally."""
    return Text(one_line(str(value), width) if value is not None else "")


def due_cell(row: CaseRow, now: datetime, policy: Policy | None = None) -> Text:
    """The due column; with `[hours]` in `policy`, in working time."""
    if row.due is None:
        return Text("—", style="dim")
    words = due_cell_words(row.due.at, now, working_left(row.due, row.case.priority, policy, now))
    if row.due.at <= now:
        return Text(f"{OVERDUE_MARK} {words}", style="bold red")
    return Text(words)


def told_cell(row: CaseRow, now: datetime) -> Text:
    if row.case.told_at is None:
        return Text("never told", style="yellow")
    return Text(f"told {humanize(now - row.case.told_at)} ago")


def case_table(rows: list[CaseRow], now: datetime, policy: Policy | None = None) -> Table:
    from casedesk.cli.plain import Table

    table = Table()
    for name, kwargs in [
        ("due", {"min_width": 13}),
        ("id", {"justify": "right", "min_width": 5}),
        ("customer", {"max_width": 22, "min_width": 10}),
        ("title", {"ratio": 1, "min_width": 12}),
        ("status", {"min_width": 8}),
        ("owner", {"max_width": 12, "min_width": 6}),
        ("last heard", {"min_width": 14}),
    ]:
        table.add_column(name, overflow="ellipsis", no_wrap=True, **kwargs)
    for row in rows:
        table.add_row(
            due_cell(row, now, policy),
            f"#{row.case.id}",
            plain(row.customer.name, 24),
            plain(row.case.title, 60),
            row.case.status.value,
            plain(row.case.owner or "—"),
            told_cell(row, now),
        )
    return table


def event_lines(
    event: Event, now: datetime, full: bool = False, case_id: int | None = None
) -> Text:
    """One timeline entry; one of a case merged into `case_id` says which it came from."""
    styles = {"inbound": "cyan", "outbound": "green", "internal": "yellow", "system": "dim"}
    arrows = {"inbound": "→ in ", "outbound": "← out", "internal": "· note", "system": "· sys"}
    direction = event.kind.direction
    head = Text(f"{event.at.astimezone():%Y-%m-%d %H:%M}  ", style="dim")
    head.append(f"{arrows[direction]:<6} ", style=styles[direction])
    head.append(f"{event.kind.value}", style="bold")
    if event.channel:
        head.append(f" [{event.channel.value}]")
    head.append(" by ").append(signed(event))
    if case_id is not None and event.case_id != case_id:
        head.append(f"  (on #{event.case_id}, merged in)", style="dim")
    words, quoted = fold(event.text, event.data.get("quote_at"))
    body = printable(words).strip()
    if quoted:
        lines = quoted.strip().count("\n") + 1
        body += (
            f"\n{printable(quoted).rstrip()}"
            if full
            else f"\n[… {lines} quoted line{'s' if lines > 1 else ''} folded: show --full]"
        )
    if event.kind.value == "status":
        body = f"{event.data.get('from')} → {event.data.get('to')}" + (f" ({body})" if body else "")
    elif event.kind.value == "assigned":
        body = f"owner → {event.data.get('owner') or 'nobody'}"
    elif event.kind.value == "snoozed":
        body = f"until {_local(event.data.get('until'))}: {body}"
    elif event.kind.value == "told" and event.data.get("promise"):
        body += f"\n(promised next update by {_local(event.data['promise'])})"
    elif event.kind.value in ("merged-into", "merged-from"):
        body = printable(describe_event(event))
    if body:
        head.append("\n")
        head.append(Text("    " + body.replace("\n", "\n    ")))
    return head


def _local(stored: object) -> str:
    return f"{from_text(str(stored)).astimezone():%a %Y-%m-%d %H:%M}" if stored else "?"


def case_detail(
    row: CaseRow,
    events: list[Event],
    now: datetime,
    full: bool = False,
    policy: Policy | None = None,
) -> list[RenderableType]:
    """The case and its timeline, one renderable a paragraph (`cli.plain.Printer` prints them)."""
    case, customer = row.case, row.customer
    title = Text(f"#{case.id} ", style="bold").append(printable(case.title), style="bold")
    who = Text("Customer: ").append(printable(customer.name))
    if customer.email:
        who.append(f" <{printable(customer.email)}>")
    facts = Text(
        f"Owner: {printable(case.owner or 'unassigned')}   Status: {case.status}   "
        f"Priority: {case.priority}   Customer urgency: {case.urgency}   Via: {case.channel}"
    )
    parts: list[RenderableType] = [
        title,
        who,
        facts,
        last_heard_line(row, now),
        next_due_line(row, now, policy),
    ]
    if case.resolution_summary:
        parts.append(Text("Resolution: ").append(printable(case.resolution_summary)))
    parts.append(Text(""))
    parts.append(Text("In the customer's words:", style="bold"))
    opening = events[0].data.get("quote_at") if events else None
    words = case.body if full else fold(case.body, opening)[0]
    parts.append(Text("    " + printable(words or case.title).replace("\n", "\n    ")))
    parts.append(Text(""))
    parts.append(Text(f"Timeline ({len(events)} events):", style="bold"))
    parts.extend(event_lines(e, now, full, case.id) for e in events)
    return parts
