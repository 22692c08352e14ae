"""The read verbs' human output, written once for both ways of reading a case.

Everything here takes stored rows (a case as `store.rows.CASE_SELECT` reads it, an event as
stored with its data read): `cli/human_reads.py` passes what it read, `cli/reads.py` passes the
model's values through `store.stored_values` and `stored_event`. Customer text only ever enters
a `Styled` as plain content after `safetext`, never as markup. Standard library only at import:
rich is loaded by `cli/plain.Printer` when it prints to a terminal.
"""

from __future__ import annotations

from casedesk.cli.plain import Table
from casedesk.core.clock import from_text, to_local_text
from casedesk.core.describe import describe, signed_by
from casedesk.core.fold import fold
from casedesk.core.safetext import one_line, printable
from casedesk.core.wording import counted, direction, due_cell_words, humanize
from casedesk.styled import OVERDUE_MARK, Styled, last_heard_line, next_due_line

TYPE_CHECKING = False  # not `typing`'s: the read verbs' fast path loads this module
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime, timedelta
    from typing import Any

    from rich.text import Text

    from casedesk.cli.plain import Printer

    Row = Mapping[str, Any]
    # The working time left until each case's due time, by case id, where it counts ([hours]).
    Working = Mapping[int, timedelta | None] | None


def plain(value: object, width: int | None = None) -> Styled:
    """Untrusted text, made printable and shown literally."""
    return Styled(one_line(str(value), width) if value is not None else "")


def plain_text(value: object, width: int | None = None) -> Text:
    """`plain` as a rich Text, for the verbs that build rich renderables."""
    return plain(value, width).to_text()


def due_cell(row: Row, now: datetime, working: timedelta | None = None) -> Styled:
    """The due column; `working`, the working time left when the due time counts it."""
    if row["due_at"] is None:
        return Styled("—", style="dim")
    at = from_text(row["due_at"])
    words = due_cell_words(at, now, working)
    if at <= now:
        return Styled(f"{OVERDUE_MARK} {words}", style="bold red")
    return Styled(words)


def told_cell(row: Row, now: datetime) -> Styled:
    if row["told_at"] is None:
        return Styled("never told", style="yellow")
    return Styled(f"told {humanize(now - from_text(row['told_at']))} ago")


def case_table(rows: Sequence[Row], now: datetime, working: Working = None) -> Table:
    table = Table()
    # At a narrow terminal the title narrows first, then the customer; then the status, the
    # owner and the last heard go, so the due time, the id and who it is for always show.
    for name, kwargs in [
        ("due", {"min_width": 13}),
        ("id", {"justify": "right", "min_width": 5}),
        ("customer", {"max_width": 22, "min_width": 10, "narrows": 2}),
        ("title", {"ratio": 1, "min_width": 12, "narrows": 1}),
        ("status", {"min_width": 8, "goes": 1}),
        ("owner", {"max_width": 12, "min_width": 6, "goes": 2}),
        ("last heard", {"min_width": 14, "goes": 3}),
    ]:
        table.add_column(name, overflow="ellipsis", no_wrap=True, **kwargs)
    for row in rows:
        table.add_row(
            due_cell(row, now, working.get(row["id"]) if working else None),
            f"#{row['id']}",
            plain(row["cu_name"], 24),
            plain(row["title"], 60),
            row["status"],
            plain(row["owner"] or "—"),
            told_cell(row, now),
        )
    return table


def print_list(
    out: Printer, rows: Sequence[Row], now: datetime, working: Working, more: int
) -> None:
    """`list`: the cases, and how many more the limit left out."""
    if not rows:
        out.print("no cases")
        return
    out.print(case_table(rows, now, working))
    if more > 0:
        out.print(f"… {more} more (use --limit 0 for all)", style="dim")


_STYLES = {"inbound": "cyan", "outbound": "green", "internal": "yellow", "system": "dim"}
_ARROWS = {"inbound": "→ in ", "outbound": "← out", "internal": "· note", "system": "· sys"}


def event_lines(
    event: Row, data: dict[str, Any], full: bool = False, case_id: int | None = None
) -> Styled:
    """One timeline entry; one of a case merged into `case_id` says which it came from."""
    kind, channel, text = event["kind"], event["channel"] or None, event["text"]
    way = direction(kind)
    head = Styled(f"{from_text(event['at']).astimezone():%Y-%m-%d %H:%M}  ", style="dim")
    head.append(f"{_ARROWS[way]:<6} ", style=_STYLES[way])
    head.append(kind, style="bold")
    if channel:
        head.append(f" [{channel}]")
    head.append(" by ").append(signed_by(event["actor"], event["os_user"]))
    if case_id is not None and event["case_id"] != case_id:
        head.append(f"  (on #{event['case_id']}, merged in)", style="dim")
    words, quoted = fold(text, data.get("quote_at"))
    body = printable(words).strip()
    if quoted:
        lines = quoted.strip().count("\n") + 1
        body += (
            f"\n{printable(quoted).rstrip()}"
            if full
            else f"\n[… {lines} quoted line{'s' if lines > 1 else ''} folded: show --full]"
        )
    if kind == "status":
        body = f"{data.get('from')} → {data.get('to')}" + (f" ({body})" if body else "")
    elif kind == "assigned":
        body = f"owner → {data.get('owner') or 'nobody'}"
    elif kind == "snoozed":
        body = f"until {_local(data.get('until'))}: {body}"
    elif kind == "told" and data.get("promise"):
        body += f"\n(promised next update by {_local(data['promise'])})"
    elif kind in ("merged-into", "merged-from"):
        body = printable(describe(kind, channel, text, data))
    if body:
        head.append("\n")
        head.append("    " + body.replace("\n", "\n    "))
    return head


def _local(stored: object) -> str:
    return f"{from_text(str(stored)).astimezone():%a %Y-%m-%d %H:%M}" if stored else "?"


def _time(row: Row, name: str) -> datetime | None:
    return from_text(row[name]) if row[name] else None


def case_detail(
    row: Row,
    events: Sequence[tuple[Row, dict[str, Any]]],
    now: datetime,
    full: bool = False,
    working: timedelta | None = None,
) -> list[Styled]:
    """The case and its timeline (events with their data), one Styled a paragraph."""
    title = Styled(f"#{row['id']} ", style="bold").append(printable(row["title"]), style="bold")
    who = Styled("Customer: ").append(printable(row["cu_name"]))
    if row["cu_email"]:
        who.append(f" <{printable(row['cu_email'])}>")
    facts = Styled(
        f"Owner: {printable(row['owner'] or 'unassigned')}   Status: {row['status']}   "
        f"Priority: {row['priority']}   Customer urgency: {row['urgency']}   "
        f"Via: {row['channel']}"
    )
    told_at, due_at = _time(row, "told_at"), _time(row, "due_at")
    parts = [
        title,
        who,
        facts,
        last_heard_line(told_at, row["told_channel"], row["told_by"], row["told_text"], now),
        next_due_line(
            due_at,
            from_text(row["due_since"]) if due_at else now,
            row["due_reason"] or "",
            row["due_detail"] or "",
            now,
            working,
        ),
    ]
    if row["resolution_summary"]:
        parts.append(Styled("Resolution: ").append(printable(row["resolution_summary"])))
    parts.append(Styled(""))
    parts.append(Styled("In the customer's words:", style="bold"))
    opening = events[0][1].get("quote_at") if events else None
    words = row["body"] if full else fold(row["body"], opening)[0]
    parts.append(Styled("    " + printable(words or row["title"]).replace("\n", "\n    ")))
    parts.append(Styled(""))
    parts.append(Styled(f"Timeline ({counted(len(events), 'event')}):", style="bold"))
    parts.extend(event_lines(event, data, full, row["id"]) for event, data in events)
    return parts


def print_show(
    out: Printer,
    row: Row,
    events: Sequence[tuple[Row, dict[str, Any]]],
    now: datetime,
    full: bool,
    working: timedelta | None = None,
    subtasks: Sequence[Any] = (),
    draft: str | None = None,
) -> None:
    """`show`: the case, its timeline, then its sub-tasks (`core.subtasks.Subtask`s), problem
    and `draft`, the command that shows a drafted update waiting to be sent."""
    out.print(case_detail(row, events, now, full, working))
    if row["problem_id"] is not None:
        out.print(
            Styled(f"problem P{row['problem_id']}: ")
            .append(plain(row["pr_title"] or "", 60))
            .append(f" — {counted(row['pr_affected'], 'case')} affected")
        )
    if subtasks:
        out.print(f"sub-tasks: {row['subtasks_done']} of {row['subtasks_total']} done")
        for s in subtasks:
            out.print(
                Styled(f"  {'✓' if s.done else '·'} {s.number}. ")
                .append(plain(s.title, 50))
                .append(" — ")
                .append(plain(s.who, 30))
            )
    if draft is not None:
        out.print(f"a drafted update waits: {draft}")


def print_search(out: Printer, hits: Sequence[tuple[int, str]], rows: Mapping[int, Row]) -> None:
    """`search`: the matching cases (`rows`, by id), best first, with what matched."""
    if not hits:
        out.print("no matches")
        return
    table = Table()
    for name in ("id", "status", "customer", "title", "match"):
        table.add_column(name, overflow="ellipsis")
    for case_id, snippet in hits:
        row = rows[case_id]
        table.add_row(
            f"#{case_id}",
            row["status"],
            plain(row["cu_name"], 24),
            plain(row["title"], 40),
            plain(snippet, 60),
        )
    out.print(table)


def print_customer(
    out: Printer,
    who: Row,
    rows: Sequence[Row],
    merged: Sequence[Row],
    legacy: str,
    notes: Sequence[Row],
    now: datetime,
    working: Working = None,
) -> None:
    """`customer show`: who (id, name, email), the customers `merged` into them, their notes
    (the old free text, then each note as stored), their cases and what each last heard."""
    line = Styled(f"Customer #{who['id']}: ", style="bold").append(plain(who["name"]))
    if who["email"]:
        line.append(" <").append(plain(who["email"])).append(">")
    out.print(line)
    open_count = sum(1 for row in rows if row["status"] != "closed")
    out.print(f"{counted(len(rows), 'case')}, {open_count} not closed")
    for m in merged:
        out.print(Styled(f"merged in: #{m['id']} ", style="dim").append(plain(m["name"])))
    if legacy or notes:
        out.print(Styled("Notes", style="bold"))
    if legacy:
        out.print(plain(legacy))
    for n in notes:
        at = to_local_text(from_text(n["at"]))[:16]
        out.print(Styled(f"  {at} {n['actor']}: ").append(plain(n["text"])))
    if not rows:
        return
    out.print(case_table(rows, now, working))
    heard = Table()
    for name in ("id", "last heard from them", "last told"):
        heard.add_column(name, overflow="ellipsis")
    for row in rows:
        inbound_at, told_at = _time(row, "inbound_at"), _time(row, "told_at")
        inbound = (
            Styled(f"{humanize(now - inbound_at)} ago: ").append(plain(row["inbound_text"], 50))
            if inbound_at
            else Styled("—")
        )
        told = (
            Styled(f"{humanize(now - told_at)} ago by ").append(plain(row["told_by"]))
            if told_at
            else Styled("never", style="yellow")
        )
        heard.add_row(f"#{row['id']}", inbound, told)
    out.print(heard)
