"""Read one raw message into what casedesk keeps of it. Pure: bytes in, a ParsedMail out.

Mail from the wild is often broken, so nothing here trusts a header or a charset: every decode
falls back to something readable, and what cannot be read at all raises `Unreadable` with a
reason, for the quarantine.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.policy import compat32

from casedesk.mail.quote import quote_start


class Unreadable(Exception):
    """This message cannot be taken in; the text says why (shown in the quarantine)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str  # "<id@host>", or "sha256:…" of the content when the mail has none
    subject: str
    from_name: str
    from_address: str
    text: str  # the whole body as readable text (quotes included)
    quote_at: int | None = None  # where the quoted earlier mail starts in `text`
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    date: datetime | None = None
    from_html: bool = False
    attachments: tuple[Attachment, ...] = ()
    auto_reply: str | None = None  # why it is an automatic message, or None
    casedesk_case: int | None = None  # X-Casedesk-Case of mail casedesk sent itself
    urgency: str | None = None  # "high"/"low" from Importance or X-Priority, else None
    to: tuple[str, ...] = field(default=())

    @property
    def ancestry(self) -> tuple[str, ...]:
        """The thread's Message-IDs oldest first, as a reply's References should carry them."""
        chain = list(self.references)
        chain += [mid for mid in self.in_reply_to if mid not in chain]
        return tuple(chain)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The messages this one answers, most specific first (In-Reply-To, then newest ref)."""
        seen: dict[str, None] = {}
        for mid in (*self.in_reply_to, *reversed(self.references)):
            seen.setdefault(mid, None)
        return tuple(seen)


_MSGID = re.compile(r"<([^<>\s]+)>")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheit|"
    r"autoreply|auto:|réponse automatique|respuesta automática|risposta automatica|"
    r"fuori sede|absence)",
    re.IGNORECASE,
)
_RAW_NAME = re.compile(r'(?:file)?name\s*=\s*"([^"]+)"', re.IGNORECASE)
_BOUNCE_FROM = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)


BOUNCE = "delivery status notification"
_RETURNED_ID = re.compile(rb"^message-id:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)


def _returned_ids(attachments: list[Attachment]) -> tuple[str, ...]:
    found: list[str] = []
    for attachment in attachments:
        if attachment.content_type in (
            "message/rfc822",
            "text/rfc822-headers",
            "message/rfc822-headers",
        ):
            found += [
                m.decode("ascii", "replace") for m in _RETURNED_ID.findall(attachment.content)
            ]
    return tuple(found)


def _stated_urgency(headers: dict[str, str]) -> str | None:
    """What the sender's mail client says about importance: 'high', 'low' or None."""
    importance = headers.get("importance", "").strip().lower()
    priority = headers.get("x-priority", "").strip()[:1]
    if importance == "high" or priority in ("1", "2"):
        return "high"
    if importance == "low" or priority in ("4", "5"):
        return "low"
    return None


def content_hash(raw: bytes) -> str:
    """Stands in for a missing Message-ID: the same message hashes alike from mbox or Maildir."""
    normal = raw.replace(b"\r\n", b"\n").strip()
    return "sha256:" + hashlib.sha256(normal).hexdigest()


def message_ids(value: str) -> tuple[str, ...]:
    """The <ids> in an In-Reply-To or References header, in order."""
    return tuple(f"<{m}>" for m in _MSGID.findall(value or ""))


# Labels senders use for what is really a superset: decoding by the superset reads them all.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "big5": "big5hkscs",
}
_SURROGATES = re.compile(r"[\udc80-\udcff]")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in a declared charset that may be wrong, unknown or missing."""
    if charset:
        charset = charset.strip().strip('"').lower()
        charset = _SUPERSETS.get(charset, charset)
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_header(value: str | None) -> str:
    """An RFC 2047 header value as text; undecodable words stay as they came."""
    if not value:
        return ""
    value = str(value)
    value = _no_surrogates(value)
    try:
        parts = email.header.decode_header(value)
    except Exception:  # the stdlib raises odd things on odd words; keep the raw text
        return _flatten(value)
    words = []
    for chunk, charset in parts:
        words.append(chunk if isinstance(chunk, str) else decode_bytes(chunk, charset))
    # Unencoded runs keep their own spaces; the space between encoded words is dropped (RFC 2047).
    return _flatten("".join(words))


def _flatten(text: str) -> str:
    return " ".join(text.replace("\x00", "").split())


def _raw_header(msg: Message, name: str) -> str:
    """The header as it came (8-bit bytes kept as surrogates), '' when absent."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return _no_surrogates(str(value))
    return ""


def _no_surrogates(value: str) -> str:
    """Raw 8-bit bytes in a header (no RFC 2047), read as UTF-8 or cp1252 like a body."""
    if _SURROGATES.search(value):
        return decode_bytes(value.encode("ascii", "surrogateescape"), None)
    return value


def _header(msg: Message, name: str) -> str:
    return decode_header(_raw_header(msg, name))


def _date(msg: Message) -> datetime | None:
    value = _raw_header(msg, "Date")
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _sender(msg: Message) -> tuple[str, str]:
    raw = _raw_header(msg, "From")
    if not raw:
        raise Unreadable("no From header: cannot tell who wrote it")
    name, address = email.utils.parseaddr(" ".join(raw.split()))
    if not address or "@" not in address:
        # Some senders encode the whole field, address included.
        name, address = email.utils.parseaddr(decode_header(raw))
    address = address.strip()
    if not address or "@" not in address or " " in address:
        raise Unreadable(f"no usable sender address in From: {decode_header(raw)[:80]!r}")
    name = decode_header(name).strip().strip('"').strip()
    return name or address.split("@")[0], address


def auto_reply_reason(
    headers: dict[str, str], subject: str, from_address: str, content_type: str
) -> str | None:
    """Why a message is automatic (so it must not open a case nor count as the customer writing)."""
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond", "x-autogenerated"):
        if headers.get(name):
            return f"{name}: {headers[name][:40]}"
    if content_type == "multipart/report" or _BOUNCE_FROM.match(from_address):
        return BOUNCE
    if _AUTO_SUBJECT.match(subject):
        return "out-of-office subject"
    return None


def parse(raw: bytes) -> ParsedMail:
    """The message in `raw`, or Unreadable with the reason it cannot be taken in."""
    if not raw.strip():
        raise Unreadable("empty message")
    if raw.startswith(_OLE_MAGIC):
        raise Unreadable("an Outlook .msg file (OLE container), not an RFC 5322 message")
    head = raw[:4096].split(b"\n\n", 1)[0]
    if b"\x00" in head:
        raise Unreadable("binary data where mail headers should be")
    try:
        return _parse(raw)
    except Unreadable:
        raise
    except Exception as exc:  # a parser bug on hostile input must quarantine, not crash
        raise Unreadable(f"cannot be parsed ({type(exc).__name__}: {exc})"[:300]) from exc


def _parse(raw: bytes) -> ParsedMail:
    msg = email.message_from_bytes(raw, policy=compat32)
    if not msg.keys():
        raise Unreadable("no mail headers")
    from_name, from_address = _sender(msg)
    subject = _header(msg, "Subject") or "(no subject)"
    ids = message_ids(_raw_header(msg, "Message-ID"))
    message_id = ids[0] if ids else content_hash(raw)

    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    _collect(msg, plain, html, attachments)
    from_html = False
    if any(p.strip() for p in plain):
        text = "\n\n".join(p.strip("\n") for p in plain if p.strip())
    elif html:
        text = "\n\n".join(html_to_text(h) for h in html).strip("\n")
        from_html = True
    else:
        text = ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")

    headers = {k.lower(): decode_header(str(v)) for k, v in msg.raw_items()}
    case_header = headers.get("x-casedesk-case", "").strip().lstrip("#")
    auto_reply = auto_reply_reason(headers, subject, from_address, msg.get_content_type().lower())
    references = message_ids(_raw_header(msg, "References"))
    if auto_reply == BOUNCE:
        # A bounce rarely says In-Reply-To, but it carries the returned mail's headers: thread
        # it by those, so the case shows that its update never arrived.
        references += tuple(m for m in _returned_ids(attachments) if m not in references)
    return ParsedMail(
        message_id=message_id,
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        text=text,
        quote_at=quote_start(text),
        in_reply_to=message_ids(_raw_header(msg, "In-Reply-To")),
        references=references,
        date=_date(msg),
        from_html=from_html,
        attachments=tuple(attachments),
        auto_reply=auto_reply,
        urgency=_stated_urgency(headers),
        casedesk_case=int(case_header) if case_header.isdigit() else None,
        to=tuple(a for _, a in email.utils.getaddresses([_raw_header(msg, "To")]) if a),
    )


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if isinstance(name, tuple):  # an RFC 2231 value the stdlib left undecoded
        name = decode_bytes(str(name[2]).encode("latin-1", "replace"), name[0])
    if name and "\ufffd" in name:
        # Raw 8-bit bytes in the parameter: the stdlib replaced them; read the header ourselves.
        for header in ("Content-Disposition", "Content-Type"):
            found = _RAW_NAME.search(_raw_header(part, header))
            if found:
                return decode_header(found.group(1))
    return decode_header(name) if name else ""


def _collect(
    part: Message, plain: list[str], html: list[str], attachments: list[Attachment]
) -> None:
    """Walk the MIME tree: inline text to `plain`/`html`, everything else to `attachments`."""
    ctype = part.get_content_type().lower()
    if part.is_multipart() and ctype.startswith("multipart/"):
        children = part.get_payload()
        if not isinstance(children, list):
            return
        if ctype == "multipart/alternative":
            # One body in several forms: the plain one if it says anything, else the HTML.
            forms_plain: list[str] = []
            forms_html: list[str] = []
            for child in children:
                _collect(child, forms_plain, forms_html, attachments)
            if any(p.strip() for p in forms_plain):
                plain.extend(forms_plain)
            else:
                html.extend(forms_html)
            return
        for child in children:
            _collect(child, plain, html, attachments)
        return
    filename = _filename(part)
    if ctype.startswith("multipart/"):
        # Declared multipart but its boundary never appears: keep the body, say so.
        body = part.get_payload()
        content = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else b""
        plain.append(
            f"[casedesk: this mail's body is malformed ({ctype} without its parts); "
            "the raw body is attached as unreadable-body.txt]"
        )
        attachments.append(Attachment("unreadable-body.txt", "text/plain", content))
        return
    if ctype == "message/rfc822" or part.is_multipart():
        inner = part.get_payload()
        content = _message_bytes(inner[0] if isinstance(inner, list) and inner else part)
        attachments.append(Attachment(filename or "attached-message.eml", ctype, content))
        return
    payload = part.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    if ctype in ("text/plain", "text/html") and not _is_attachment(part):
        text = decode_bytes(content, _charset(part))
        (plain if ctype == "text/plain" else html).append(text)
        return
    if not content and not filename:
        return
    attachments.append(Attachment(filename or _default_name(ctype), ctype, content))


def _message_bytes(msg: Message) -> bytes:
    try:
        return msg.as_bytes()
    except Exception:
        return str(msg).encode("utf-8", "replace")


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment" or (
        disposition != "inline" and bool(part.get_param("name") and not disposition)
    )


def _default_name(ctype: str) -> str:
    kind = ctype.split("/")[-1] or "bin"
    return f"part.{re.sub(r'[^A-Za-z0-9]+', '', kind)[:10] or 'bin'}"


def html_to_text(markup: str) -> str:
    """HTML mail as readable text (links kept, layout tables flattened) via html2text."""
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = 0  # the timeline wraps; hard breaks would fight it
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.unicode_snob = True
    converter.ignore_tables = True
    try:
        return converter.handle(markup).strip()
    except Exception:  # html2text on hostile markup: fall back to stripping tags
        return _flatten(re.sub(r"<[^>]+>", " ", markup))
