"""casedesk fetch: take the unseen mail from an IMAP mailbox, and mark what was taken as seen.

A message is flagged \\Seen only after intake committed it (or kept it in the quarantine), so
an interrupted fetch loses nothing: the next one finds the rest, and what was already taken
is recognised as a duplicate.

The client is imapclient: it speaks IDLE (RFC 2177), which the standard library's imaplib does
not, and `fetch --watch` waits on it for new mail instead of polling.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterator

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from casedesk.config import ConfigError
from casedesk.core.errors import CasedeskError
from casedesk.desk.desk import Desk
from casedesk.mail.intake import Summary, Taken, take_in
from casedesk.mail.settings import MailSettings, Server, password

IDLE_SLICE = 1.0  # seconds between looks at the stop flag while idling


class FetchFailed(CasedeskError):
    """The IMAP server could not be reached or refused us; the message says which."""


class Mailbox:
    """One logged-in IMAP connection with the configured folder selected."""

    def __init__(self, client: IMAPClient, settings: MailSettings) -> None:
        self._client = client
        self._settings = settings
        server = settings.imap
        assert server is not None
        self.name = f"{server.host}:{server.port}"

    @property
    def can_idle(self) -> bool:
        return self._client.has_capability("IDLE")

    def take_unseen(self, desk: Desk, on_each: Callable[[Taken], None] | None = None) -> Summary:
        """Take every unseen message in, oldest first; each is flagged seen once stored."""
        server, folder = self._settings.imap, self._settings.imap_folder
        assert server is not None
        summary = Summary()
        with _plain_errors(self._settings):
            for uid in sorted(self._client.search(["UNSEEN"])):
                raw = self._fetch_one(uid)
                if raw is None:
                    continue  # expunged meanwhile by another client
                origin = f"imap://{server.user}@{server.host}/{folder};uid={uid}"
                taken = take_in(desk, raw, origin, self._settings)
                self._client.add_flags([uid], [b"\\Seen"])
                summary.add(taken)
                if on_each is not None:
                    on_each(taken)
        return summary

    def wait_for_mail(self, seconds: float, stop: threading.Event) -> None:
        """Return when new mail may have arrived, `seconds` passed, or `stop` was set.

        With IDLE the server says when mail arrives; without it this simply waits, and the
        caller's next look is the poll.
        """
        deadline = time.monotonic() + seconds
        if not self.can_idle:
            stop.wait(seconds)
            return
        with _plain_errors(self._settings):
            self._client.idle()
            try:
                while not stop.is_set() and time.monotonic() < deadline:
                    responses = self._client.idle_check(timeout=IDLE_SLICE)
                    if any(_announces_mail(response) for response in responses):
                        return
            finally:
                self._client.idle_done()

    def _fetch_one(self, uid: int) -> bytes | None:
        # BODY.PEEK leaves \Seen alone: the flag is set only once the message is safely taken.
        found = self._client.fetch([uid], [b"BODY.PEEK[]"])
        body = found.get(uid, {}).get(b"BODY[]")
        return bytes(body) if body is not None else None


def _announces_mail(response: object) -> bool:
    return (
        isinstance(response, tuple)
        and len(response) >= 2
        and response[1]
        in (
            b"EXISTS",
            b"RECENT",
        )
    )


@contextlib.contextmanager
def open_mailbox(settings: MailSettings) -> Iterator[Mailbox]:
    """Connect, log in and select the folder; every failure is a FetchFailed in words."""
    server = settings.imap
    if server is None:
        raise ConfigError("config.toml has no [imap] table; set host, user, password_command")
    if not server.user:
        raise ConfigError("config.toml: [imap] user is missing")
    secret = password(server, "imap") or ""
    folder = settings.imap_folder
    with _plain_errors(settings):
        client = _connect(server)
        try:
            client.login(server.user, secret)
            try:
                client.select_folder(folder)
            except IMAPClientError as exc:
                raise FetchFailed(
                    f"{server.host}:{server.port} has no folder {folder!r}: {_said(exc)}"
                ) from None
            yield Mailbox(client, settings)
        finally:
            with contextlib.suppress(IMAPClientError, OSError):
                client.logout()


def fetch_new(
    desk: Desk, settings: MailSettings, on_each: Callable[[Taken], None] | None = None
) -> Summary:
    """Take every unseen message of the configured folder in; returns the summary."""
    with open_mailbox(settings) as mailbox:
        return mailbox.take_unseen(desk, on_each)


def _connect(server: Server) -> IMAPClient:
    context = ssl.create_default_context(cafile=server.ca_file)
    if server.security == "ssl":
        return IMAPClient(
            server.host, server.port, ssl=True, ssl_context=context, timeout=server.timeout
        )
    client = IMAPClient(server.host, server.port, ssl=False, timeout=server.timeout)
    client.starttls(ssl_context=context)
    return client


@contextlib.contextmanager
def _plain_errors(settings: MailSettings) -> Iterator[None]:
    server = settings.imap
    assert server is not None
    name = f"{server.host}:{server.port}"
    try:
        yield
    except LoginError as exc:
        raise FetchFailed(f"{name} refused the login of {server.user}: {_said(exc)}") from None
    except ssl.SSLError as exc:
        raise FetchFailed(f"TLS with {name} failed: {exc.reason or exc}") from None
    except TimeoutError:
        raise FetchFailed(f"{name} did not answer within {server.timeout:g}s") from None
    except IMAPClientError as exc:
        text = _said(exc)
        if "login" in text.lower() or "authentic" in text.lower():
            raise FetchFailed(f"{name} refused the login of {server.user}: {text}") from None
        raise FetchFailed(f"{name}: {text}") from None
    except OSError as exc:
        raise FetchFailed(f"cannot reach the IMAP server {name}: {exc.strerror or exc}") from None


def _said(value: object) -> str:
    if isinstance(value, BaseException) and value.args:
        value = value.args[0]
    if isinstance(value, list):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())
