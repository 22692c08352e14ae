"""`casedesk digest`: mail each agent the customers they owe an update, for agents not logged in.

The lines are the nag's (how long overdue, the customer, why), each with its case tag and what the
customer last heard, most overdue first. Unassigned overdue cases go to everyone, or only to
`[mail] triage` when it is set. Nobody with nothing overdue gets mail.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from casedesk.config import ConfigError, config_file, section
from casedesk.core.rules import explain, humanize
from casedesk.core.safetext import one_line
from casedesk.mail.settings import MailSettings
from casedesk.mail.thread import format_tag
from casedesk.paths import command
from casedesk.store import CaseRow, Store

TRIAGE = "triage"  # the digest's name for the [mail] triage address


@dataclass
class Digest:
    """One agent's mail: where it goes and the overdue cases in it, most overdue first."""

    agent: str
    address: str
    rows: list[CaseRow] = field(default_factory=list)


def agent_addresses() -> dict[str, str]:
    """The [agents] table of config.toml: name → mail address, each checked."""
    table = section("agents")
    addresses = {}
    for name, value in table.items():
        address = email.utils.parseaddr(value)[1] if isinstance(value, str) else ""
        if "@" not in address:
            raise ConfigError(f"{config_file()}: [agents] {name} must be a mail address")
        addresses[name] = address
    return addresses


def triage_address() -> str | None:
    value = section("mail").get("triage")
    if value is None:
        return None
    address = email.utils.parseaddr(value)[1] if isinstance(value, str) else ""
    if "@" not in address:
        raise ConfigError(f"{config_file()}: [mail] triage must be a mail address")
    return address


def plan(
    store: Store, now: datetime, addresses: dict[str, str], triage: str | None
) -> tuple[list[Digest], list[str]]:
    """Who gets which cases; and the agents with overdue cases but no address (to be named)."""
    overdue = store.list_cases(due_before=now, limit=None)
    owners = sorted({row.case.owner for row in overdue if row.case.owner})
    unassigned = [row for row in overdue if row.case.owner is None]
    digests: list[Digest] = []
    for agent in sorted(set(owners) | (set(addresses) if unassigned and not triage else set())):
        rows = [row for row in overdue if row.case.owner == agent]
        if triage is None:
            rows += unassigned
        if not rows:
            continue
        if agent not in addresses:
            continue
        digests.append(Digest(agent, addresses[agent], _most_overdue_first(rows)))
    if triage is not None and unassigned:
        digests.append(Digest(TRIAGE, triage, _most_overdue_first(unassigned)))
    missing = [agent for agent in owners if agent not in addresses]
    return digests, missing


def _most_overdue_first(rows: list[CaseRow]) -> list[CaseRow]:
    return sorted(
        rows, key=lambda row: (row.due.at if row.due else row.case.created_at, row.case.id)
    )


def line(row: CaseRow, now: datetime, tag_prefix: str) -> str:
    """One case of the digest: the nag's line, its tag, and what the customer last heard."""
    case, due = row.case, row.due
    assert due is not None
    owner = case.owner or "unassigned"
    first = (
        f"! {format_tag(case.id, tag_prefix)} {humanize(now - due.at)} overdue — "
        f"{one_line(row.customer.name, 40)}: {one_line(case.title, 60)} ({owner})"
    )
    why = f"    {one_line(explain(due, now), 100)}"
    if case.told_at is None:
        heard = "    last heard: nothing yet"
    else:
        heard = (
            f"    last heard {humanize(now - case.told_at)} ago by {case.told_channel}: "
            f"“{one_line(case.told_text or '', 80)}”"
        )
    return "\n".join((first, why, heard))


def compose(digest: Digest, now: datetime, settings: MailSettings) -> EmailMessage:
    if not settings.from_address:
        raise ConfigError('config.toml needs [mail] from = "Name <address>" to send mail')
    count = len(digest.rows)
    noun = "customer is" if count == 1 else "customers are"
    message = EmailMessage()
    message["From"] = settings.from_address
    message["To"] = digest.address
    message["Subject"] = f"casedesk: {count} {noun} overdue for an update"
    message["Date"] = email.utils.format_datetime(now)
    message["Message-ID"] = email.utils.make_msgid(
        domain=(settings.sender_address or "casedesk").rsplit("@", 1)[-1]
    )
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: never answer this automatically
    who = "Unassigned cases" if digest.agent == TRIAGE else f"Hello {digest.agent},"
    reader = "" if digest.agent == TRIAGE else digest.agent
    body = [
        who,
        "",
        f"{count} {noun} waiting to hear from us, most overdue first:",
        "",
        *(line(row, now, settings.tag_prefix) + "\n" for row in digest.rows),
        f"Open them with `{command(reader=reader)}` (the catch-up round: T), "
        f"or `{command('show ID', reader=reader)}`.",
    ]
    message.set_content("\n".join(body))
    return message
