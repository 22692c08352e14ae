"""Watching for mail with nobody at the keyboard: a real Maildir and a real Dovecot, real processes.

Each watcher runs as the real `casedesk` in a child process; the tests deliver mail the way an
MTA or another IMAP client would and poll the store for the outcome with a deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mail_helpers import Dovecot, make_mail
from test_imap import deliver, imap_config, unseen

from casedesk.mail.watch import seen_name
from casedesk.store import Store
from casedesk.store.mail import MailStore, WatchStore


def wait_for(condition: Callable[[], object], seconds: float = 10.0) -> float:
    """Poll until `condition()` is true; returns the seconds it took, fails at the deadline."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(0.05)
    pytest.fail(f"not within {seconds}s: {condition.__doc__ or condition}")


def case_count(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    with Store.open(db_path) as store:
        return store.counts()["cases"]


@pytest.fixture
def watcher_process(db_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "casedesk", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=15)
    return process.returncode, out, err


def make_maildir(root: Path) -> Path:
    for part in ("new", "cur", "tmp"):
        (root / part).mkdir(parents=True)
    return root


def deliver_to_maildir(maildir: Path, name: str, raw: bytes) -> float:
    """As an MTA delivers: write into tmp/, then rename into new/. Returns the delivery time."""
    (maildir / "tmp" / name).write_bytes(raw)
    os.rename(maildir / "tmp" / name, maildir / "new" / name)
    return time.monotonic()


def test_seen_name_adds_the_seen_flag_to_the_info_part():
    assert seen_name("1733.M1P2.host") == "1733.M1P2.host:2,S"
    assert seen_name("1733.M1P2.host:2,RF") == "1733.M1P2.host:2,FRS"
    assert seen_name("1733.M1P2.host:2,S") == "1733.M1P2.host:2,S"


def test_a_watched_maildir_takes_each_delivery_within_seconds_and_stops_on_sigterm(
    db_path: Path, tmp_path: Path, watcher_process
):
    maildir = make_maildir(tmp_path / "Maildir")
    deliver_to_maildir(maildir, "100.old", make_mail(message_id="<old@x>", subject="Before start"))
    process = watcher_process("import", "--watch", str(maildir), "--interval", "0.2")
    wait_for(lambda: case_count(db_path) == 1)

    delivered = deliver_to_maildir(
        maildir, "200.new", make_mail(message_id="<new@x>", subject="Scanner jams")
    )
    wait_for(lambda: case_count(db_path) == 2, seconds=5)
    latency = time.monotonic() - delivered
    assert latency < 5
    print(f"maildir watcher: delivery to case in {latency * 1000:.0f} ms")

    assert sorted(p.name for p in (maildir / "cur").iterdir()) == ["100.old:2,S", "200.new:2,S"]
    assert list((maildir / "new").iterdir()) == []
    with Store.open(db_path) as store:
        [watcher] = WatchStore(store).watchers()
        assert watcher.source == f"maildir:{maildir}" and watcher.stopped_at is None
        assert WatchStore(store).last_mail_in() is not None

    code, _, err = stop(process)
    assert code == 0, err
    assert "new-case #2" in err and "stopped watching" in err
    with Store.open(db_path) as store:
        [watcher] = WatchStore(store).watchers()
        assert watcher.stopped_at is not None


def test_a_message_that_fails_to_store_stays_in_new(db_path: Path, tmp_path: Path, cli):
    """Marked taken only once stored: a store that cannot be written leaves the mail waiting."""
    maildir = make_maildir(tmp_path / "Maildir")
    deliver_to_maildir(maildir, "1.a", make_mail())
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database" * 100)
    result = cli("import", "--watch", str(maildir))
    assert result.exit_code == 1
    assert [p.name for p in (maildir / "new").iterdir()] == ["1.a"]


def test_watch_refuses_what_is_not_a_maildir(cli, tmp_path: Path):
    (tmp_path / "plain").mkdir()
    result = cli("import", "--watch", str(tmp_path / "plain"))
    assert result.exit_code == 1
    assert "is not a Maildir" in result.stderr


def test_fetch_watch_takes_mail_as_it_arrives_survives_a_restart_and_ends_on_sigterm(
    db_path: Path, config, dovecot: Dovecot, watcher_process
):
    config(imap_config(dovecot))
    deliver(dovecot, make_mail(message_id="<first@x>", subject="Before the watcher"))
    process = watcher_process("fetch", "--watch", "--interval", "5")
    wait_for(lambda: case_count(db_path) == 1)

    sent = time.monotonic()
    deliver(dovecot, make_mail(message_id="<second@x>", subject="While watching"))
    wait_for(lambda: case_count(db_path) == 2, seconds=5)
    latency = time.monotonic() - sent
    print(f"imap watcher (IDLE): delivery to case in {latency * 1000:.0f} ms")
    assert latency < 4  # IDLE: well before the 5 s poll would have looked

    assert dovecot.restart is not None
    dovecot.restart(down_for=1.5)
    deliver(dovecot, make_mail(message_id="<third@x>", subject="After the restart"))
    wait_for(lambda: case_count(db_path) == 3, seconds=20)
    assert unseen(dovecot) == []

    code, _, err = stop(process)
    assert code == 0, err
    assert err.count("trying again with back-off") <= 1  # an outage is said once
    assert "stopped watching" in err
    with Store.open(db_path) as store:
        assert len(MailStore(store).messages(3)) == 1


def test_fetch_watch_says_an_unreachable_server_once_and_keeps_trying(
    db_path: Path, config, tls_cert, watcher_process
):
    from mail_helpers import free_port

    config(
        f'[imap]\nhost = "127.0.0.1"\nport = {free_port()}\nuser = "help"\n'
        f'password_command = "echo x"\nca_file = "{tls_cert[0]}"\ntimeout = 2\n'
    )
    process = watcher_process("fetch", "--watch", "--interval", "1")

    def beat_has_problem() -> bool:
        if not db_path.exists():
            return False
        with Store.open(db_path) as store:
            rows = WatchStore(store).watchers()
            return bool(rows) and rows[0].problem is not None

    wait_for(beat_has_problem)
    time.sleep(3.5)  # several retries with back-off
    code, _, err = stop(process)
    assert code == 0
    assert err.count("cannot reach the IMAP server") == 1, err


def test_unattended_morning_watch_acknowledge_and_digest(
    db_path: Path, tmp_path: Path, config, smtp, watcher_process, cli
):
    """The issue's scripted run: a watched Maildir, an acknowledgement that threads, no answer
    to automatic mail, the first response still due, and the digest in ann's mailbox."""
    import email
    import json
    from email.policy import default

    from test_digest import agents_config

    config(agents_config(smtp.port, 'ann = "ann@shop.example"', "acknowledge = true\n"))
    maildir = make_maildir(tmp_path / "Maildir")
    process = watcher_process("import", "--watch", str(maildir), "--interval", "0.2")

    delivered = deliver_to_maildir(
        maildir, "1.cust", make_mail(message_id="<cust@c>", subject="Wifi down in the shop")
    )
    wait_for(lambda: case_count(db_path) == 1, seconds=5)
    print(f"maildir watcher with acknowledgement: {time.monotonic() - delivered:.2f} s")
    wait_for(lambda: len(smtp.capture.received) == 1)
    ack = email.message_from_bytes(smtp.capture.received[0][2], policy=default)
    assert ack["In-Reply-To"] == "<cust@c>" and ack["Auto-Submitted"] == "auto-replied"

    deliver_to_maildir(
        maildir,
        "2.bot",
        make_mail(
            message_id="<bot@c>",
            sender="Monitoring <noreply@monitor.example>",
            subject="Disk 91% full",
        ),
    )
    reply = make_mail(
        message_id="<cust2@c>", subject=f"Re: {ack['Subject']}", in_reply_to=ack["Message-ID"]
    )
    deliver_to_maildir(maildir, "3.reply", reply)
    wait_for(lambda: not list((maildir / "new").iterdir()))
    code, _, err = stop(process)
    assert code == 0, err
    assert len(smtp.capture.received) == 1  # the monitoring mail got no answer
    assert case_count(db_path) == 2  # the reply threaded onto the first case

    shown = json.loads(cli("show", "1", "--json").stdout)
    assert shown["next_due"]["reason"] == "first-response"
    assert cli("assign", "1", "ann").exit_code == 0

    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    os.environ["CASEDESK_NOW"] = later  # a day later, before ann is at her desk
    try:
        result = cli("digest")
    finally:
        del os.environ["CASEDESK_NOW"]
    assert result.exit_code == 0, result.stderr
    digest = email.message_from_bytes(smtp.capture.received[-1][2], policy=default)
    assert digest["To"] == "ann@shop.example"
    assert "[#1]" in digest.get_content() and "Wifi down in the shop" in digest.get_content()
