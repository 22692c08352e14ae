"""Take one raw message in: parse, thread, record. One transaction per message.

A message is always accounted for: it becomes a new case or joins one, is recognised as a
duplicate, an automatic reply or casedesk's own mail, or is kept verbatim in the quarantine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from casedesk.core.errors import CasedeskError, InvalidInput
from casedesk.core.model import Channel, EventKind, Urgency
from casedesk.core.wording import counted
from casedesk.desk.desk import Desk
from casedesk.mail import acknowledge
from casedesk.mail.parse import ParsedMail, Unreadable, parse
from casedesk.mail.settings import MAIL_ACTOR, MailSettings
from casedesk.mail.sources import RawMail
from casedesk.mail.thread import choose_thread, clean_title, subject_tag
from casedesk.store.mail import MailStore


class Outcome(StrEnum):
    NEW_CASE = "new-case"
    THREADED = "threaded"
    DUPLICATE = "duplicate"
    AUTO_REPLY = "auto-reply"
    OWN = "own"  # mail casedesk sent itself, come back (a copy, a loop)
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class Taken:
    outcome: Outcome
    origin: str
    case_id: int | None = None
    message_id: str | None = None
    reason: str | None = None  # why quarantined / why automatic
    quarantine_id: int | None = None
    acknowledgement: str | None = None  # what became of the automatic answer to a new case


@dataclass
class Summary:
    counts: Counter[str] = field(default_factory=Counter)
    quarantined: list[Taken] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)

    def add(self, taken: Taken) -> None:
        self.counts[taken.outcome.value] += 1
        if taken.outcome is Outcome.QUARANTINED:
            self.quarantined.append(taken)
        if taken.outcome is Outcome.NEW_CASE and taken.case_id is not None:
            self.cases.append(taken.case_id)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        c = self.counts
        return (
            f"{counted(self.total, 'message')}: {counted(c['new-case'], 'new case')}, "
            f"{c['threaded']} threaded, {counted(c['duplicate'], 'duplicate')}, "
            f"{counted(c['auto-reply'], 'auto-reply', 'auto-replies')} skipped, "
            f"{c['own']} own mail skipped, {c['quarantined']} quarantined"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            **{o.value.replace("-", "_"): self.counts[o.value] for o in Outcome},
            "new_case_ids": self.cases,
            "quarantine": [
                {"id": t.quarantine_id, "origin": t.origin, "reason": t.reason}
                for t in self.quarantined
            ],
        }


def take_in(desk: Desk, raw: bytes, origin: str, settings: MailSettings) -> Taken:
    """Account for one raw message; only a store failure escapes as an error."""
    mail = MailStore(desk.store)
    try:
        parsed = parse(raw)
    except Unreadable as exc:
        return _quarantine(desk, mail, raw, origin, str(exc))
    try:
        taken = _record(desk, mail, parsed, raw, origin, settings)
    except CasedeskError:
        raise
    except Exception as exc:  # our bug on a hostile message: keep the mail, go on
        return _quarantine(
            desk, mail, raw, origin, f"casedesk could not take it in ({type(exc).__name__}: {exc})"
        )
    if taken.outcome is Outcome.NEW_CASE and settings.acknowledge and taken.case_id is not None:
        # The case is stored; the acknowledgement can wait in the outbox but never undo it.
        try:
            said = acknowledge.on_new_case(desk, taken.case_id, taken.message_id, settings)
        except CasedeskError as exc:
            said = f"acknowledgement not sent: {exc}"
        taken = replace(taken, acknowledgement=said)
    return taken


def _quarantine(desk: Desk, mail: MailStore, raw: bytes, origin: str, reason: str) -> Taken:
    with desk.store.transaction():
        quarantine_id, _ = mail.quarantine(raw, reason, origin, desk.now())
    return Taken(Outcome.QUARANTINED, origin, reason=reason, quarantine_id=quarantine_id)


def _record(
    desk: Desk,
    mail: MailStore,
    parsed: ParsedMail,
    raw: bytes,
    origin: str,
    settings: MailSettings,
) -> Taken:
    now = desk.now()
    store = desk.store
    with store.transaction():
        seen = mail.message(parsed.message_id)
        if seen is not None:
            outcome = Outcome.OWN if seen.direction == "out" else Outcome.DUPLICATE
            return Taken(outcome, origin, seen.case_id, parsed.message_id)

        known = mail.cases_of(parsed.thread_ids)
        replied = mail.cases_naming(parsed.message_id)
        tag = subject_tag(parsed.subject, settings.tag_prefix)
        if tag is not None and mail.case_exists(tag):
            tag = desk.survivor(tag)  # a tag of a merged case means the case it joined
            existing = {tag}
        else:
            existing = set()
        thread = choose_thread(parsed.thread_ids, known, tag, existing, replied)

        def remember(outcome: Outcome, case_id: int | None, event_id: int | None) -> int:
            return mail.record_message(
                message_id=parsed.message_id,
                direction="in",
                outcome=outcome.value,
                case_id=case_id,
                event_id=event_id,
                from_address=parsed.from_address,
                subject=parsed.subject,
                refs=parsed.ancestry,
                at=now,
                origin=origin,
                raw=raw,
            )

        if settings.is_ours(parsed.from_address):
            remember(Outcome.OWN, thread.case_id, None)
            return Taken(Outcome.OWN, origin, thread.case_id, parsed.message_id)

        if parsed.auto_reply:
            event_id = None
            if thread.case_id is not None:
                # Worth knowing (the customer is away, our mail bounced), but not the customer
                # writing: a note, so no reply becomes due.
                event_id = desk.add_note(
                    thread.case_id,
                    f"automatic mail from {parsed.from_address} ({parsed.auto_reply}): "
                    f"{parsed.subject}",
                    Channel.EMAIL,
                    actor=MAIL_ACTOR,
                    details={"message_id": parsed.message_id, "auto_reply": parsed.auto_reply},
                ).id_of(EventKind.NOTE)
            remember(Outcome.AUTO_REPLY, thread.case_id, event_id)
            return Taken(
                Outcome.AUTO_REPLY,
                origin,
                thread.case_id,
                parsed.message_id,
                reason=parsed.auto_reply,
            )

        for other in thread.merge:  # this message links them: one conversation, one case
            desk.merge_cases(
                thread.case_id,
                other,
                f"one mail thread: {parsed.message_id} links them",
                actor=MAIL_ACTOR,
            )
        data = _mail_data(parsed, thread.via.value)
        if thread.case_id is None:
            opened = desk.open_case(
                parsed.from_name,
                parsed.from_address,
                clean_title(parsed.subject, settings.tag_prefix),
                parsed.text,
                urgency=Urgency(parsed.urgency) if parsed.urgency else Urgency.NORMAL,
                actor=MAIL_ACTOR,
                details=data,
            )
            case_id, event_id = opened.state.id, opened.id_of(EventKind.CREATED)
            outcome = Outcome.NEW_CASE
        else:
            case_id = thread.case_id
            text = parsed.text if parsed.text.strip() else f"(mail without text: {parsed.subject})"
            event_id = desk.hear(
                case_id, text, Channel.EMAIL, actor=MAIL_ACTOR, details=data
            ).id_of(EventKind.INBOUND)
            outcome = Outcome.THREADED
        row = remember(outcome, case_id, event_id)
        for attachment in parsed.attachments:
            mail.add_attachment(
                row, attachment.filename, attachment.content_type, attachment.content
            )
    return Taken(outcome, origin, case_id, parsed.message_id)


def _mail_data(parsed: ParsedMail, via: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message_id": parsed.message_id,
        "from": f"{parsed.from_name} <{parsed.from_address}>",
        "subject": parsed.subject,
        "thread_via": via,
    }
    if parsed.quote_at is not None:
        data["quote_at"] = parsed.quote_at
    if parsed.from_html:
        data["from_html"] = True
    if parsed.date is not None:
        data["sent_at"] = parsed.date.isoformat(timespec="seconds")
    if parsed.attachments:
        data["attachments"] = [
            {"name": a.filename, "type": a.content_type, "size": a.size} for a in parsed.attachments
        ]
    return data


def take_all(
    desk: Desk,
    messages: Iterable[RawMail],
    settings: MailSettings,
    on_each: Callable[[Taken], None] | None = None,
) -> Summary:
    """Take every message in; the summary says what became of them."""
    summary = Summary()
    if settings.acknowledge:
        acknowledge.flush(desk, settings)  # what an earlier run could not send
    for message in messages:
        taken = take_in(desk, message.raw, message.origin, settings)
        summary.add(taken)
        if on_each is not None:
            on_each(taken)
    return summary


def retry(desk: Desk, quarantine_id: int, settings: MailSettings) -> Taken:
    """Try a quarantined message again (after a fix, or a casedesk upgrade)."""
    mail = MailStore(desk.store)
    found = mail.quarantined_one(quarantine_id)
    if found is None:
        raise InvalidInput(f"no quarantined message #{quarantine_id}")
    row, raw = found
    try:
        parsed = parse(raw)
    except Unreadable as exc:
        return _quarantine(desk, mail, raw, row.origin, str(exc))
    with desk.store.transaction():
        taken = _record(desk, mail, parsed, raw, row.origin, settings)
        mail.release(quarantine_id, desk.now())
    return taken
