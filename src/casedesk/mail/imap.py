"""casedesk fetch: take the unseen mail from an IMAP mailbox, and mark what was taken as seen.

A message is flagged \\Seen only after intake committed it (or kept it in the quarantine), so
an interrupted fetch loses nothing: the next one finds the rest, and what was already taken
is recognised as a duplicate.
"""

from __future__ import annotations

import contextlib
import imaplib
import ssl
from collections.abc import Callable

from casedesk.config import ConfigError
from casedesk.core.errors import CasedeskError
from casedesk.desk.desk import Desk
from casedesk.mail.intake import Summary, Taken, take_in
from casedesk.mail.settings import MailSettings, Server, password


class FetchFailed(CasedeskError):
    """The IMAP server could not be reached or refused us; the message says which."""


def _quoted(folder: str) -> str:
    if folder.startswith('"'):
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(server: Server) -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=server.ca_file)
    if server.security == "ssl":
        return imaplib.IMAP4_SSL(
            server.host, server.port, ssl_context=context, timeout=server.timeout
        )
    client = imaplib.IMAP4(server.host, server.port, timeout=server.timeout)
    client.starttls(ssl_context=context)
    return client


def fetch_new(
    desk: Desk, settings: MailSettings, on_each: Callable[[Taken], None] | None = None
) -> Summary:
    """Take every unseen message of the configured folder in; returns the summary."""
    server = settings.imap
    if server is None:
        raise ConfigError("config.toml has no [imap] table; set host, user, password_command")
    if not server.user:
        raise ConfigError("config.toml: [imap] user is missing")
    secret = password(server, "imap") or ""
    name = f"{server.host}:{server.port}"
    folder = settings.imap_folder
    summary = Summary()
    try:
        client = _connect(server)
        try:
            client.login(server.user, secret)
            status, detail = client.select(_quoted(folder))
            if status != "OK":
                raise FetchFailed(f"{name} has no folder {folder!r}: {_said(detail)}")
            status, found = client.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
            if status != "OK":
                raise FetchFailed(f"{name} refused to search {folder!r}: {_said(found)}")
            for uid in (found[0] or b"").split():
                raw = _fetch_one(client, uid)
                if raw is None:
                    continue  # expunged meanwhile by another client
                origin = f"imap://{server.user}@{server.host}/{folder};uid={uid.decode()}"
                taken = take_in(desk, raw, origin, settings)
                client.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")
                summary.add(taken)
                if on_each is not None:
                    on_each(taken)
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()
    except imaplib.IMAP4.error as exc:
        text = _said(exc.args[0] if exc.args else exc)
        if "login" in text.lower() or "authentic" in text.lower():
            raise FetchFailed(f"{name} refused the login of {server.user}: {text}") from None
        raise FetchFailed(f"{name}: {text}") from None
    except ssl.SSLError as exc:
        raise FetchFailed(f"TLS with {name} failed: {exc.reason or exc}") from None
    except TimeoutError:
        raise FetchFailed(f"{name} did not answer within {server.timeout:g}s") from None
    except OSError as exc:
        raise FetchFailed(f"cannot reach the IMAP server {name}: {exc.strerror or exc}") from None
    return summary


def _fetch_one(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    # BODY.PEEK leaves \Seen alone: the flag is set only once the message is safely taken.
    status, data = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    return None


def _said(value: object) -> str:
    if isinstance(value, list):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())
