"""Mail with nobody at the keyboard: watch an IMAP folder or a Maildir and take mail as it comes.

Each watcher beats in the store (`mail_watchers`) so the console can say that intake runs, or
that it stopped. Outages are said once on stderr, retried with back-off, and never spin. A
message is marked taken (\\Seen on IMAP, moved to cur/ in a Maildir) only once it is stored.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from casedesk.config import ConfigError
from casedesk.core.errors import InvalidInput, StoreError
from casedesk.desk.desk import Desk
from casedesk.mail import acknowledge
from casedesk.mail.intake import Taken, take_in
from casedesk.mail.settings import MailSettings
from casedesk.store.mail import WatchStore

MAX_BACKOFF = 300.0  # seconds: a server down for an hour is tried every five minutes
Report = Callable[[str], None]


class Watcher:
    """What every watcher shares: the stop flag, the heartbeat and saying outages once."""

    def __init__(
        self,
        desk: Desk,
        settings: MailSettings,
        name: str,
        source: str,
        interval: float,
        report: Report,
        on_each: Callable[[Taken], None] | None = None,
    ) -> None:
        self.desk = desk
        self.settings = settings
        self.name = name
        self.source = source
        self.interval = interval
        self.report = report
        self.on_each = on_each
        self.stop = threading.Event()
        self._outage: str | None = None
        self._backoff = 1.0

    def beat(self, problem: str | None = None, started: bool = False) -> None:
        store = WatchStore(self.desk.store)
        try:
            with self.desk.store.transaction():
                store.beat(
                    self.name,
                    self.source,
                    os.getpid(),
                    socket.gethostname(),
                    self.interval,
                    self.desk.now(),
                    problem,
                    started,
                )
        except StoreError as exc:  # a busy store must not stop intake; say it, beat next time
            self.trouble(f"could not record the heartbeat: {exc}")

    def trouble(self, what: str) -> float:
        """Say an outage once, then wait longer each time; returns the wait in seconds."""
        if self._outage is None:
            self.report(f"{what}; trying again with back-off")
        self._outage = what
        wait, self._backoff = self._backoff, min(self._backoff * 2, MAX_BACKOFF)
        return wait

    def recovered(self) -> None:
        if self._outage is not None:
            self.report(f"{self.source}: working again")
        self._outage = None
        self._backoff = 1.0

    def took(self, taken: Taken) -> None:
        if self.on_each is not None:
            self.on_each(taken)

    def send_waiting(self) -> None:
        """Each cycle: acknowledgements that could not go earlier are tried again (back-off)."""
        if self.settings.acknowledge:
            acknowledge.flush(self.desk, self.settings)

    def finish(self) -> None:
        store = WatchStore(self.desk.store)
        try:
            with self.desk.store.transaction():
                store.stopped(self.name, self.desk.now())
        except StoreError:
            pass  # the beat goes stale on its own


def watch_imap(watcher: Watcher) -> None:
    """Stay on the [imap] folder until stopped, taking mail as the server announces it."""
    from casedesk.mail.imap import FetchFailed, open_mailbox

    watcher.beat(started=True)
    try:
        while not watcher.stop.is_set():
            try:
                with open_mailbox(watcher.settings) as mailbox:
                    while not watcher.stop.is_set():
                        mailbox.take_unseen(watcher.desk, watcher.took)
                        watcher.send_waiting()
                        watcher.recovered()
                        watcher.beat()
                        mailbox.wait_for_mail(watcher.interval, watcher.stop)
            except (FetchFailed, ConfigError, StoreError) as exc:
                # ConfigError here is the password command failing: worth retrying too.
                wait = watcher.trouble(str(exc))
                watcher.beat(problem=str(exc))
                watcher.stop.wait(wait)
    finally:
        watcher.finish()


def maildir_parts(folder: Path) -> tuple[Path, Path]:
    """The new/ and cur/ of a Maildir, or a clear error when `folder` is not one."""
    new, cur = folder / "new", folder / "cur"
    if not (new.is_dir() and cur.is_dir() and (folder / "tmp").is_dir()):
        raise InvalidInput(f"{folder} is not a Maildir (it needs new/, cur/ and tmp/)")
    return new, cur


def delivered(new: Path) -> Iterator[Path]:
    """The messages waiting in new/, oldest delivery first."""
    entries = []
    with os.scandir(new) as found:
        for entry in found:
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            try:
                entries.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.name))
            except FileNotFoundError:
                continue  # taken by another reader meanwhile
    for _, name in sorted(entries):
        yield new / name


def seen_name(name: str) -> str:
    """The cur/ name of a message: its info part gains the S (seen) flag (maildir spec)."""
    base, sep, info = name.partition(":2,")
    flags = set(info) if sep else set()
    flags.add("S")
    return f"{base}:2,{''.join(sorted(flags))}"


def take_maildir_once(watcher: Watcher, new: Path, cur: Path) -> int:
    """Take what is in new/ now; each message moves to cur/ once stored. Returns the count."""
    count = 0
    for path in delivered(new):
        if watcher.stop.is_set():
            break
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            continue
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read()
        taken = take_in(watcher.desk, raw, f"maildir:{path}", watcher.settings)
        os.rename(path, cur / seen_name(path.name))
        watcher.took(taken)
        count += 1
    return count


def watch_maildir(watcher: Watcher, folder: Path) -> None:
    """Poll `folder`/new about once a `watcher.interval` and take each message delivered there."""
    new, cur = maildir_parts(folder)
    watcher.beat(started=True)
    try:
        while not watcher.stop.is_set():
            try:
                take_maildir_once(watcher, new, cur)
                watcher.send_waiting()
                watcher.recovered()
                watcher.beat()
                watcher.stop.wait(watcher.interval)
            except (OSError, StoreError) as exc:
                detail = exc.strerror if isinstance(exc, OSError) else str(exc)
                wait = watcher.trouble(f"{folder}: {detail}")
                watcher.beat(problem=str(detail))
                watcher.stop.wait(wait)
    finally:
        watcher.finish()


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT end the watch cleanly: the message in hand is finished first."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, frame: object) -> None:
        stop.set()

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
