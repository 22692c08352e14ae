"""Automatic acknowledgements: each new case from mail hears at once that it has a case number.

Sent by the process that took the mail in, right after the case is stored, following RFC 3834:
never to mail that is itself automatic, a list, a null or daemon sender, a no-reply address or
ourselves, and never more than `MAX_PER_HOUR` to one address (a loop or a flood must not
become our flood). The acknowledgement waits in the outbox until the server takes it; a failed
send is retried with back-off by the next intake run or watcher cycle and never blocks or
undoes intake. It updates what the customer last heard, but is not the first response
(unless `[mail] acknowledgement_is_first_response = true`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from casedesk.core.errors import CasedeskError, StoreError
from casedesk.core.model import EventKind
from casedesk.core.wording import format_when
from casedesk.desk.desk import Desk
from casedesk.desk.templates import load_templates
from casedesk.mail.parse import auto_reply_reason, written_at
from casedesk.mail.send import compose, deliver, record_sent
from casedesk.mail.settings import MAIL_ACTOR, MailSettings
from casedesk.store.mail import MailStore, WatchStore

PURPOSE = "acknowledgement"
TEMPLATE = "automatic-acknowledgement"
MAX_PER_HOUR = 3
BACKOFF_START = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
PAUSE_AFTER_FAILURE = timedelta(minutes=1)  # this process leaves a failing server alone
MAX_AGE = timedelta(days=2)  # older mail is history being imported, not someone waiting now

# "no_reply", "do_not_reply" and "billing-noreply" are as common as "noreply" itself.
_NO_REPLY = re.compile(
    r"(^|[+.\-_])(no[-_]?reply|do[-_]?not[-_]?reply)([+.\-_]|$)"
    r"|^(mailer-daemon|postmaster)([+.\-_].*)?$",
    re.I,
)
_pause_until: datetime | None = None  # a server that just failed is not tried for every message


def reason_not_to(headers: Message, settings: MailSettings) -> str | None:
    """Why this message must get no automatic answer (RFC 3834 §2), or None."""
    sender = parseaddr(str(headers.get("From", "")))[1]
    return_path = str(headers.get("Return-Path", "")).strip()
    lowered = {k.lower(): str(v) for k, v in headers.items()}
    automatic = auto_reply_reason(lowered, str(headers.get("Subject", "")), sender, "text/plain")
    if automatic:
        return f"automatic mail ({automatic})"
    if "list-id" in lowered or "list-unsubscribe" in lowered:
        return "mailing-list mail"
    if return_path == "<>" or not sender or "@" not in sender:
        return "no sender to answer"
    if _NO_REPLY.search(sender.split("@", 1)[0]):
        return f"{sender} takes no replies"
    if settings.is_ours(sender):
        return "our own address"
    return None


def on_new_case(desk: Desk, case_id: int, message_id: str | None, settings: MailSettings) -> str:
    """Queue the acknowledgement of a case that mail just opened, then try to send it.

    Returns what happened, in words: sent, waiting, or why none is sent."""
    if not settings.acknowledge:
        return "acknowledgements are off"
    raw = MailStore(desk.store).raw(message_id) if message_id else None
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw or b"")
    why_not = reason_not_to(headers, settings)
    if why_not is not None:
        return f"no acknowledgement: {why_not}"
    address = desk.case_row(case_id).customer.email
    if not address:
        return "no acknowledgement: the customer has no address"
    now = desk.now()
    written = written_at(headers)
    if written is not None and written < now - MAX_AGE:
        # An archive imported today must not tell 2015's customers they will hear from us.
        return f"no acknowledgement: old mail (written {written:%Y-%m-%d})"
    outbox = WatchStore(desk.store)
    with desk.store.transaction():
        if outbox.sent_to_since(address, PURPOSE, now - timedelta(hours=1)) >= MAX_PER_HOUR:
            return f"no acknowledgement: {MAX_PER_HOUR} went to {address} within the hour"
        outbox.queue(case_id, PURPOSE, address, now)
    sent = flush(desk, settings)
    return "acknowledged" if sent else "acknowledgement waits in the outbox"


def flush(desk: Desk, settings: MailSettings) -> int:
    """Send what waits in the outbox and is due; returns how many went."""
    global _pause_until
    if not settings.can_send or (_pause_until is not None and desk.now() < _pause_until):
        return 0
    outbox = WatchStore(desk.store)
    sent = 0
    for row in outbox.due(desk.now()):
        if desk.store.case(row.case_id).responded_at is not None:
            # A person answered while it waited: "we will answer you" would now be wrong.
            with desk.store.transaction():
                outbox.settled(row.id, desk.now(), "not sent: a person answered first")
            continue
        try:
            text, message = _acknowledgement(desk, row.case_id, settings)
            where = deliver(message, settings, desk.store.path)
        except CasedeskError as exc:  # NotSent, a config or template mistake, a lost case
            wait = min(BACKOFF_START * 2**row.attempts, BACKOFF_MAX)
            with desk.store.transaction():
                outbox.failed(row.id, str(exc), desk.now() + wait)
            _pause_until = desk.now() + PAUSE_AFTER_FAILURE
            return sent
        kind = (
            EventKind.TOLD if settings.acknowledgement_is_first_response else EventKind.ACKNOWLEDGED
        )
        for attempt in range(3):  # the mail is out: recording it must not fail quietly
            try:
                with desk.store.transaction():
                    record_sent(desk, row.case_id, message, where, text, kind, actor=MAIL_ACTOR)
                    outbox.settled(row.id, desk.now())
                break
            except StoreError:
                if attempt == 2:
                    raise
        sent += 1
    return sent


def _acknowledgement(desk: Desk, case_id: int, settings: MailSettings) -> tuple[str, Message]:
    row = desk.case_row(case_id)
    now = desk.now()
    next_update = format_when(row.due.at, now) if row.due is not None else "soon"
    # Not when the next periodic update would be: when the case is due (its first response).
    values = {**desk.template_values(case_id), "next_update": next_update}
    text = load_templates()[TEMPLATE].render(values)
    message = compose(
        desk, MailStore(desk.store), row.case, row.customer.name, row.customer.email, text, settings
    )
    message["Auto-Submitted"] = "auto-replied"  # RFC 3834 §5
    message["X-Auto-Response-Suppress"] = "All"  # asks Exchange not to answer it in turn
    return text, message
