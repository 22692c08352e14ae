"""Building mail, config files and real servers for the mail tests."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from casedesk.mail.settings import MailSettings

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

SHARED_MAIL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mail"


def make_mail(
    subject: str = "Printer is on fire",
    body: str = "Hello,\nmy printer is on fire.\nBob",
    sender: str = "Bob Stone <bob@example.com>",
    to: str = "Help <help@example.com>",
    message_id: str | None = "<m1@example.com>",
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(T0)
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    if html is not None and body is None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    for filename, ctype, content in attachments or []:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def write_config(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost and its key, made by openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Capture:
    """An aiosmtpd handler that keeps what it accepts, or refuses as told."""

    refuse_rcpt: str | None = None  # e.g. "550 5.1.1 no such user"
    refuse_data: str | None = None  # e.g. "554 5.7.1 rejected as spam"
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 accepted"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free loopback port, optionally STARTTLS + AUTH."""

    def __init__(
        self,
        capture: Capture,
        tls: tuple[Path, Path] | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.capture = capture
        self.port = free_port()
        kwargs: dict[str, object] = {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        if login:

            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = (
                    isinstance(auth_data, LoginPassword)
                    and (
                        auth_data.login.decode(),
                        auth_data.password.decode(),
                    )
                    == login
                )
                return AuthResult(success=ok, handled=False)

            kwargs.update(authenticator=authenticator, auth_required=True)
        self.controller = Controller(capture, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class Dovecot:
    host: str
    imap_port: int
    imaps_port: int
    user: str
    password: str
    ca_file: Path
    log: Path
    restart: Callable[..., None] | None = None  # restart(down_for=seconds): stop, wait, start

    def client(self):
        import imaplib

        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = imaplib.IMAP4_SSL(self.host, self.imaps_port, ssl_context=context)
        client.login(self.user, self.password)
        return client


DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = {uid}
last_valid_uid = 0
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain login
auth_failure_delay = 0
disable_plaintext_auth = yes
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


def wait_for_port(port: int, seconds: float = 15.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


# Characters that reorder or hide text, or are terminal commands (issue 11): none may reach a
# terminal or a JSON string raw.
RLO = "\u202e"
HIDDEN = ["\u202e", "\u200b", "\u2066", "\u2069", "\u200e", "\u200f", "\ufeff", "\x85", "\x9b"]
SETTINGS = MailSettings(from_address="Help <help@example.com>")  # takes mail in, sends none


def raw_invisible(text: str) -> list[str]:
    """The hidden characters `text` carries raw, named as U+XXXX."""
    return [f"U+{ord(c):04X}" for c in HIDDEN if c in text]
