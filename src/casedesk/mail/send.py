"""Send an update to the customer by mail, and record it as told only once it went out.

The text is saved as a draft before anything is tried, so a crash, a refusing server or a
network outage never loses what the agent wrote; a successful send marks the draft sent in the
same transaction that records the told event.
"""

from __future__ import annotations

import smtplib
import ssl
import sys
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from casedesk import safe_files as files
from casedesk.config import ConfigError
from casedesk.core import clock
from casedesk.core.errors import CasedeskError, InvalidInput, StoreError
from casedesk.core.model import CaseState, Channel, Event, EventKind
from casedesk.core.safetext import one_line, printable
from casedesk.desk.desk import Desk
from casedesk.mail.settings import MailSettings, Server, load_mail_settings, password
from casedesk.mail.thread import format_tag
from casedesk.paths import command
from casedesk.store.mail import MailStore

MAX_REFERENCES = 20  # keep References short: the first and the newest ids carry the thread


class NotSent(CasedeskError):
    """The mail did not go out; the message says why and where the text was kept."""


class SentNotRecorded(CasedeskError):
    """The mail went out but the store would not take the told event (busy past retries)."""


def _to_stderr(line: str) -> None:
    sys.stderr.write(f"casedesk: {printable(line)}\n")  # it may name the customer


def send_draft(desk: Desk, draft_id: int, settings: MailSettings | None = None) -> CaseState:
    """Try a kept draft again; on success it is recorded as told like any update."""
    draft = MailStore(desk.store).draft(draft_id)
    if draft is None or draft.sent_at is not None:
        raise InvalidInput(f"no unsent draft {draft_id}")
    promise = clock.from_text(draft.promise) if draft.promise else None
    return deliver_and_tell(
        desk, draft.case_id, draft.text, Channel.EMAIL, promise, settings, draft_id=draft_id
    )


def deliver_and_tell(
    desk: Desk,
    case_id: int,
    text: str,
    channel: Channel = Channel.EMAIL,
    promise: datetime | None = None,
    settings: MailSettings | None = None,
    draft_id: int | None = None,
    notify: Callable[[str], None] | None = None,
    expected_version: int | None = None,
) -> CaseState:
    """Tell the customer: by mail when the channel is email and mail is set up, else record it.

    With `expected_version`, a case changed meanwhile is a Conflict and nothing is sent.

    `draft_id` sends a kept draft again instead of saving the text as a new one. `notify`
    receives the one-line news (sent where, or nothing sent); default: stderr. The TUI passes
    its own notifier, since writing to stderr would garble the screen.
    """
    notify = notify or _to_stderr
    if channel is not Channel.EMAIL:
        return desk.tell(case_id, text, channel, promise, expected_version)
    desk.check_tell(text, channel, promise)
    settings = settings or load_mail_settings()
    if not settings.can_send:
        state = desk.tell(case_id, text, channel, promise, expected_version)
        notify(
            "no mail was sent: config.toml has no [smtp] server or [mail] outbox; recorded as told"
        )
        return state

    mail = MailStore(desk.store)
    row = desk.case_row(case_id)  # unknown case → CaseNotFound before a draft is made
    if expected_version is not None:
        desk.check_unchanged(case_id, expected_version)
    promise_text = clock.to_text(promise) if promise else None
    if draft_id is None:
        with desk.store.transaction(cases=()):
            draft_id = mail.add_draft(case_id, desk.actor, desk.now(), text, promise_text)
    try:
        message = compose(
            desk, mail, row.case, row.customer.name, row.customer.email, text, settings
        )
        where = deliver(message, settings, desk.store.path)
    except (NotSent, ConfigError, InvalidInput) as exc:
        with desk.store.transaction(cases=()):
            mail.draft_failed(draft_id, str(exc))
        raise NotSent(
            f"not sent: {exc}. Nothing was recorded as told; your text is kept as draft "
            f"{draft_id} (`{command('drafts')}`, `{command(f'drafts --send {draft_id}')}`)"
        ) from None

    def record() -> None:
        with desk.store.transaction(cases=(case_id,)):
            record_sent(desk, case_id, message, where, text, promise=promise_text)
            mail.draft_sent(draft_id, desk.now())

    # The mail is out: recording it must not fail quietly, or the agent would send it again.
    for attempt in range(3):
        try:
            record()
            break
        except StoreError as exc:
            if attempt == 2:
                raise SentNotRecorded(
                    f"the mail WAS sent to {message['To']} via {where}, but recording it as told "
                    f"failed ({exc}). Do not send it again; draft {draft_id} holds the text"
                ) from None
    notify(f"sent to {message['To']} via {where}")
    return desk.store.case(case_id)


def record_sent(
    desk: Desk,
    case_id: int,
    message: EmailMessage,
    where: str,
    text: str,
    kind: EventKind = EventKind.TOLD,
    promise: str | None = None,
    actor: str | None = None,
) -> None:
    """Record mail that went out: the event on the case's timeline and the message itself.

    Call inside a transaction."""
    now = desk.now()
    data = {
        "message_id": message["Message-ID"],
        "to": message["To"],
        "subject": message["Subject"],
        "in_reply_to": message["In-Reply-To"],
        "sent_via": where,
        "promise": promise,
    }
    event = Event(
        case_id=case_id,
        at=now,
        actor=actor or desk.actor,
        kind=kind,
        channel=Channel.EMAIL,
        text=text,
        data={k: v for k, v in data.items() if v is not None},
    )
    recorded = desk.append(case_id, [event])
    MailStore(desk.store).record_message(
        message_id=str(message["Message-ID"]),
        direction="out",
        outcome="sent",
        case_id=case_id,
        event_id=recorded.id_of(kind),
        from_address=parseaddr(str(message["From"]))[1],
        subject=str(message["Subject"]),
        refs=str(message.get("References", "")).split(),
        at=now,
        origin=where,
        raw=message.as_bytes(),
    )


def compose(
    desk: Desk,
    mail: MailStore,
    case: CaseState,
    name: str,
    address: str | None,
    text: str,
    settings: MailSettings,
) -> EmailMessage:
    """The mail for an update: to the customer, threaded onto their last message."""
    if not address:
        raise InvalidInput(f"the customer of #{case.id} has no email address")
    if not settings.from_address:
        raise ConfigError('config.toml needs [mail] from = "Name <address>" to send mail')
    sender_domain = settings.sender_address.rsplit("@", 1)[-1] if settings.sender_address else None
    message = EmailMessage()
    message["From"] = settings.from_address
    # The customer wrote these: an ESC or U+202E goes out as a visible escape, never raw.
    message["To"] = formataddr((one_line(name), address))
    message["Subject"] = f"Re: {one_line(case.title)} {format_tag(case.id, settings.tag_prefix)}"
    message["Date"] = format_datetime(desk.now())
    message["Message-ID"] = make_msgid(domain=sender_domain)
    last = mail.last_inbound(case.id) or _last_sent(mail, case.id)
    if last is not None:
        message["In-Reply-To"] = last.message_id
        chain = [*last.refs, last.message_id]
        if len(chain) > MAX_REFERENCES:
            chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
        message["References"] = " ".join(chain)
    message["X-Casedesk-Case"] = str(case.id)
    message.set_content(text)
    return message


def _last_sent(mail: MailStore, case_id: int):  # type: ignore[no-untyped-def]
    sent = [m for m in mail.messages(case_id) if m.direction == "out"]
    return sent[-1] if sent else None


def deliver(message: EmailMessage, settings: MailSettings, store: object = None) -> str:
    """Hand the mail over; returns where it went. NotSent with one clear line on failure.

    An outbox file is private, or shared with the group of `store` (the store's path) when the
    store is shared, like every other file casedesk writes.
    """
    if settings.outbox is not None:
        mode, group = files.copy_mode(store)  # type: ignore[arg-type]
        try:
            files.into_maildir(settings.outbox, message.as_bytes(), mode, group)
        except files.UnsafeFile as exc:
            raise NotSent(f"cannot write to the outbox: {exc}") from None
        except OSError as exc:
            raise NotSent(f"cannot write to the outbox {settings.outbox}: {exc.strerror}") from None
        return f"outbox {settings.outbox}"
    assert settings.smtp is not None
    _smtp_send(settings.smtp, message)
    return f"smtp {settings.smtp.host}:{settings.smtp.port}"


def _tls(server: Server) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.ca_file)


def _smtp_send(server: Server, message: EmailMessage) -> None:
    name = f"{server.host}:{server.port}"
    secret = password(server, "smtp")
    phase = "connect"
    try:
        if server.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=_tls(server)
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with client:
            if server.security == "starttls":
                client.starttls(context=_tls(server))
            if server.user:
                phase = "login"
                client.login(server.user, secret or "")
            phase = "send"
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        raise NotSent(
            f"{name} refused the recipient {message['To']}: {code} {_said(reason)}"
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise NotSent(
            f"{name} refused the login of {server.user}: {exc.smtp_code} {_said(exc.smtp_error)}"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise NotSent(f"{name} does not offer STARTTLS; set [smtp] security") from None
    except smtplib.SMTPResponseException as exc:
        raise NotSent(
            f"{name} refused the message: {exc.smtp_code} {_said(exc.smtp_error)}"
        ) from None
    except smtplib.SMTPServerDisconnected:
        if phase == "login":
            raise NotSent(f"{name} refused the login of {server.user} (hung up)") from None
        raise NotSent(f"{name} closed the connection before accepting the message") from None
    except smtplib.SMTPException as exc:
        raise NotSent(f"{name}: {exc}") from None
    except ssl.SSLError as exc:
        raise NotSent(f"TLS with {name} failed: {exc.reason or exc}") from None
    except TimeoutError:
        raise NotSent(f"{name} did not answer within {server.timeout:g}s") from None
    except OSError as exc:
        raise NotSent(f"cannot reach the mail server {name}: {exc.strerror or exc}") from None


def _said(reason: bytes | str) -> str:
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return " ".join(text.split())
