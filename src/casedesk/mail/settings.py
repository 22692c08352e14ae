"""The `[mail]`, `[smtp]` and `[imap]` tables of config.toml, checked, and secrets fetched.

[mail]
from = "Help Desk <help@example.com>"   # who casedesk's mail comes from
tag_prefix = "#"                         # subjects carry [#123]
outbox = "~/Mail/outbox"                 # write sent mail to this Maildir instead of SMTP
acknowledge = false                      # tell each new customer from mail we have their case
acknowledgement_is_first_response = false
triage = "triage@example.com"            # casedesk digest: unassigned overdue cases go here

[smtp]
host = "smtp.example.com"
port = 587
security = "starttls"                    # starttls | ssl | none
user = "help@example.com"
password_command = "pass show mail/help"

[imap]
host = "imap.example.com"
port = 993
security = "ssl"                         # ssl | starttls
user = "help@example.com"
password_command = "pass show mail/help"
folder = "INBOX"
interval = 60                            # fetch --watch: poll (without IDLE) and heartbeat
"""

from __future__ import annotations

import email.utils
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casedesk.config import ConfigError, config_file, load_config
from casedesk.core.settings_check import not_, number_in
from casedesk.mail.thread import DEFAULT_TAG_PREFIX

# Accepted ranges, in seconds: a poll faster than this hammers the server, a longer one (or a
# timeout) looks like a hang; NaN and infinity (TOML has both) are never accepted.
INTERVAL = (0.1, 86400.0)
TIMEOUT = (0.1, 3600.0)
MAIL_ACTOR = "casedesk-mail"  # who mail taken in (and answered automatically) is recorded by
SMTP_SECURITY = ("starttls", "ssl", "none")
IMAP_SECURITY = ("ssl", "starttls")


@dataclass(frozen=True, slots=True)
class Server:
    host: str
    port: int
    security: str
    user: str | None
    password_command: str | None
    timeout: float
    ca_file: str | None  # trust this CA (a self-signed server) besides the system's


@dataclass(frozen=True, slots=True)
class MailSettings:
    """The mail settings; the defaults are those of a config.toml with only `[mail] from`
    (mail taken in, none sent), which tests and benchmarks build directly."""

    from_address: str | None  # "Name <addr>" as configured
    tag_prefix: str = DEFAULT_TAG_PREFIX
    outbox: Path | None = None
    smtp: Server | None = None
    imap: Server | None = None
    imap_folder: str = "INBOX"
    imap_interval: float = 60.0  # seconds between polls/heartbeats of `fetch --watch`
    acknowledge: bool = False  # answer each new case from mail automatically (RFC 3834)
    acknowledgement_is_first_response: bool = False

    @property
    def sender_address(self) -> str | None:
        """Just the address part of `from`, for recognising our own mail."""
        if not self.from_address:
            return None
        return email.utils.parseaddr(self.from_address)[1] or None

    def is_ours(self, address: str) -> bool:
        """`address` is our own `from`, also in other case or as a +tag variant (help+x@):
        mail from there is never a customer's, and answering it would be a loop."""
        ours = self.sender_address
        return bool(ours) and "@" in address and _mailbox(address) == _mailbox(ours or "")

    @property
    def can_send(self) -> bool:
        return self.outbox is not None or self.smtp is not None


def _mailbox(address: str) -> str:
    """help+billing@Example.COM → help@example.com: the mailbox that receives it."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _where(table: str, key: str) -> str:
    return f"{config_file()}: [{table}] {key}"


def _text(table: dict[str, Any], name: str, key: str, default: str | None = None) -> str | None:
    value = table.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or (not value.strip() and default is None):
        raise ConfigError(f"{_where(name, key)} must be a non-empty string")
    return value.strip()


def _server(table: dict[str, Any], name: str, choices: tuple[str, ...], ports: dict[str, int]):
    if not table:
        return None
    host = _text(table, name, "host")
    if not host:
        raise ConfigError(f"{_where(name, 'host')} is missing")
    if "password" in table:
        raise ConfigError(
            f"{_where(name, 'password')}: never keep a password in the config; "
            'use password_command (e.g. "pass show mail")'
        )
    security = _text(table, name, "security", choices[0]) or choices[0]
    if security not in choices:
        raise ConfigError(f"{_where(name, 'security')} must be one of {', '.join(choices)}")
    port = table.get("port", ports[security])
    if number_in(port, 1, 65535, whole=True) is None:
        raise ConfigError(
            f"{_where(name, 'port')} must be a port number, 1 to 65535 ({not_(port)})"
        )
    timeout = _seconds(table, name, "timeout", 30.0, TIMEOUT)
    return Server(
        host=host,
        port=port,
        security=security,
        user=_text(table, name, "user"),
        password_command=_text(table, name, "password_command"),
        timeout=timeout,
        ca_file=_text(table, name, "ca_file"),
    )


def load_mail_settings(path: Path | None = None) -> MailSettings:
    """The mail settings from config.toml; every error names the file and the key."""
    config = load_config(path)
    tables = {}
    for name in ("mail", "smtp", "imap"):
        value = config.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{path or config_file()}: [{name}] must be a table")
        tables[name] = value
    mail, smtp, imap = tables["mail"], tables["smtp"], tables["imap"]
    sender = _text(mail, "mail", "from") or _text(smtp, "smtp", "from")
    if sender and "@" not in email.utils.parseaddr(sender)[1]:
        raise ConfigError(f"{_where('mail', 'from')}: {sender!r} is not 'Name <addr@host>'")
    outbox = _text(mail, "mail", "outbox") or _text(smtp, "smtp", "outbox")
    smtp_table = {k: v for k, v in smtp.items() if k not in ("from", "outbox")}
    return MailSettings(
        from_address=sender,
        tag_prefix=_text(mail, "mail", "tag_prefix", DEFAULT_TAG_PREFIX) or DEFAULT_TAG_PREFIX,
        outbox=Path(outbox).expanduser() if outbox else None,
        smtp=_server(smtp_table, "smtp", SMTP_SECURITY, {"starttls": 587, "ssl": 465, "none": 25}),
        imap=_server(
            {k: v for k, v in imap.items() if k not in ("folder", "interval")},
            "imap",
            IMAP_SECURITY,
            {"ssl": 993, "starttls": 143},
        ),
        imap_folder=_text(imap, "imap", "folder", "INBOX") or "INBOX",
        imap_interval=_seconds(imap, "imap", "interval", 60.0, INTERVAL),
        acknowledge=_flag(mail, "mail", "acknowledge"),
        acknowledgement_is_first_response=_flag(mail, "mail", "acknowledgement_is_first_response"),
    )


def _flag(table: dict[str, Any], name: str, key: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{_where(name, key)} must be true or false ({not_(value)})")
    return value


def _seconds(
    table: dict[str, Any], name: str, key: str, default: float, accepted: tuple[float, float]
) -> float:
    value = table.get(key, default)
    number = number_in(value, *accepted)
    if number is None:
        raise ConfigError(f"{_where(name, key)} {seconds_range(accepted)} ({not_(value)})")
    return float(number)


def seconds_range(accepted: tuple[float, float]) -> str:
    """'must be a number of seconds from 0.1 to 86400', for the config and the options alike."""
    return f"must be a number of seconds from {accepted[0]:g} to {accepted[1]:g}"


def check_interval(value: float, option: str = "--interval") -> float:
    """A watcher's interval given on the command line, in the same range as [imap] interval."""
    if not INTERVAL[0] <= value <= INTERVAL[1]:  # also false for NaN
        from casedesk.core.errors import InvalidInput

        raise InvalidInput(f"{option} {seconds_range(INTERVAL)} (not {value:g})")
    return value


def password(server: Server, table: str) -> str | None:
    """Run the server's password_command; its first output line is the password."""
    if not server.password_command:
        return None
    if server.password_command in _PASSWORDS:
        return _PASSWORDS[server.password_command]
    try:
        done = subprocess.run(
            shlex.split(server.password_command),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"{_where(table, 'password_command')} could not run: {exc}") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise ConfigError(f"{_where(table, 'password_command')} failed: {detail[0]}")
    lines = done.stdout.splitlines()
    _PASSWORDS[server.password_command] = lines[0] if lines else ""
    return _PASSWORDS[server.password_command]


# A bulk update (one problem, many customers) asks the password manager once per process.
_PASSWORDS: dict[str, str] = {}
