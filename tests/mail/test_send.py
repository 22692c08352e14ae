"""Sending updates through a real SMTP server (aiosmtpd on loopback), and the round trip."""

from __future__ import annotations

import email
import json
import mailbox
import os
import sqlite3
import stat
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from mail_helpers import Capture, SmtpServer, free_port, make_mail

from casedesk.core.model import Channel, EventKind, Status
from casedesk.desk.desk import Desk
from casedesk.mail.intake import Outcome, take_in
from casedesk.mail.send import NotSent, SentNotRecorded, deliver_and_tell
from casedesk.paths import ServerStore, StoreLocation
from casedesk.store.mail import MailStore

pytestmark = pytest.mark.both_engines

FROM = 'from = "Help Desk <help@example.com>"'


def smtp_config(port: int, extra: str = "") -> str:
    return (
        f'[mail]\n{FROM}\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f"timeout = 5\n{extra}"
    )


def sent(server: SmtpServer, index: int = -1) -> email.message.EmailMessage:
    return email.message_from_bytes(server.capture.received[index][2], policy=default)


def test_update_is_sent_threaded_and_recorded_as_told(desk: Desk, config, smtp):
    settings = config(smtp_config(smtp.port))
    case_id = take_in(desk, make_mail(), "t", settings).case_id
    state = deliver_and_tell(desk, case_id, "We ordered a new printer.", settings=settings)

    mail_from, rcpts, _ = smtp.capture.received[0]
    assert (mail_from, rcpts) == ("help@example.com", ["bob@example.com"])
    message = sent(smtp)
    assert message["Subject"] == f"Re: Printer is on fire [#{case_id}]"
    assert message["To"] == "Bob Stone <bob@example.com>"
    assert message["In-Reply-To"] == "<m1@example.com>"
    assert message["References"] == "<m1@example.com>"
    assert message.get_content().strip() == "We ordered a new printer."

    told = desk.events(case_id)[-1]
    assert told.kind is EventKind.TOLD and told.channel is Channel.EMAIL
    assert told.data["message_id"] == message["Message-ID"]
    assert state.told_text == "We ordered a new printer." and state.status is Status.OPEN
    assert MailStore(desk.store).drafts() == []


def test_refused_recipient_keeps_a_draft_and_records_nothing(desk: Desk, config):
    with SmtpServer(Capture(refuse_rcpt="550 5.1.1 no such user here")) as server:
        settings = config(smtp_config(server.port))
        case_id = take_in(desk, make_mail(), "t", settings).case_id
        before = desk.store.event_count(case_id)
        with pytest.raises(NotSent) as refused:
            deliver_and_tell(desk, case_id, "Words worth keeping", settings=settings)
    line = str(refused.value)
    assert "\n" not in line
    assert "550" in line and "no such user" in line and "draft 1" in line
    assert desk.store.event_count(case_id) == before
    assert desk.case_row(case_id).case.told_at is None
    [draft] = MailStore(desk.store).drafts()
    assert (draft.case_id, draft.text) == (case_id, "Words worth keeping")
    assert "550" in draft.error


def test_refused_message_keeps_a_draft(desk: Desk, config):
    with SmtpServer(Capture(refuse_data="554 5.7.1 looks like spam")) as server:
        settings = config(smtp_config(server.port))
        case_id = take_in(desk, make_mail(), "t", settings).case_id
        with pytest.raises(NotSent, match=r"554 5\.7\.1 looks like spam"):
            deliver_and_tell(desk, case_id, "Hello", settings=settings)
    assert desk.case_row(case_id).case.told_at is None
    assert len(MailStore(desk.store).drafts(case_id)) == 1


def test_server_down_keeps_a_draft_with_one_clear_line(desk: Desk, config, cli):
    port = free_port()  # nothing listens here
    settings = config(smtp_config(port))
    take_in(desk, make_mail(), "t", settings)
    result = cli("tell", "1", "We are on it")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert f"cannot reach the mail server 127.0.0.1:{port}" in result.stderr
    assert "draft" in result.stderr
    assert desk.store.case(1).told_at is None
    drafts = cli("drafts", "--json")
    assert [d["text"] for d in json.loads(drafts.stdout)] == ["We are on it"]

    # The server is back: the kept draft goes out and only now counts as told.
    with SmtpServer(Capture()) as server:
        config(smtp_config(server.port))
        sent_again = cli("drafts", "--send", "1")
        assert sent_again.exit_code == 0, sent_again.stderr
        assert len(server.capture.received) == 1
    assert desk.store.case(1).told_text == "We are on it"
    assert json.loads(cli("drafts", "--json").stdout) == []
    assert cli("drafts", "--send", "1").exit_code == 1  # already sent


def test_starttls_with_login_and_password_command(desk: Desk, config, tls_cert, tmp_path):
    (tmp_path / "right").write_text("s3cret\n")
    (tmp_path / "wrong").write_text("guess\n")

    def settings_with(secret: str):
        return config(
            f'[mail]\n{FROM}\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n'
            f'security = "starttls"\nuser = "help"\n'
            f'password_command = "cat {tmp_path / secret}"\nca_file = "{tls_cert[0]}"\n'
        )

    with SmtpServer(Capture(), tls=tls_cert, login=("help", "s3cret")) as server:
        case_id = take_in(desk, make_mail(), "t", settings_with("right")).case_id
        deliver_and_tell(desk, case_id, "Sent over TLS", settings=settings_with("right"))
        assert len(server.capture.received) == 1

        with pytest.raises(NotSent, match="refused the login of help"):
            deliver_and_tell(desk, case_id, "Second", settings=settings_with("wrong"))
    assert len(MailStore(desk.store).drafts(case_id)) == 1


def test_a_password_in_the_config_is_refused(config):
    with pytest.raises(Exception, match="password_command"):
        config('[smtp]\nhost = "x"\npassword = "hunter2"\n')


def test_outbox_maildir_instead_of_smtp(desk: Desk, config, tmp_path: Path):
    outbox = tmp_path / "outbox"
    settings = config(f'[mail]\n{FROM}\noutbox = "{outbox}"\n')
    case_id = take_in(desk, make_mail(), "t", settings).case_id
    deliver_and_tell(desk, case_id, "Via the outbox", settings=settings)
    [message] = list(mailbox.Maildir(outbox, create=False))
    assert message["In-Reply-To"] == "<m1@example.com>"
    assert desk.case_row(case_id).case.told_text == "Via the outbox"


def _modes(outbox: Path) -> dict[str, int]:
    made = [outbox, *(outbox / part for part in ("tmp", "new", "cur")), *(outbox / "new").iterdir()]
    return {str(p.relative_to(outbox.parent)): stat.S_IMODE(p.stat().st_mode) for p in made}


def test_the_outbox_of_a_private_store_is_closed_to_other_users(desk: Desk, config, tmp_path: Path):
    outbox = tmp_path / "outbox"
    settings = config(f'[mail]\n{FROM}\noutbox = "{outbox}"\n')
    case_id = take_in(desk, make_mail(), "t", settings).case_id
    old = os.umask(0o022)
    try:
        deliver_and_tell(desk, case_id, "Private words", settings=settings)
    finally:
        os.umask(old)
    [message] = (outbox / "new").iterdir()
    assert set(_modes(outbox).values()) == {0o700, 0o600}, _modes(outbox)  # the file was 0644
    assert stat.S_IMODE(message.stat().st_mode) == 0o600
    assert not list((outbox / "tmp").iterdir())
    assert mailbox.Maildir(outbox, create=False).get_message(message.name)["To"]


@pytest.mark.sqlite_only(reason="a shared SQLite store's group is its file's")
def test_the_outbox_of_a_shared_store_is_shared_with_its_group_only(
    db_path, config, tmp_path: Path
):
    store = Path(str(db_path))
    desk = Desk.open(store, "ann")
    store.chmod(0o660)
    outbox = tmp_path / "outbox"
    settings = config(f'[mail]\n{FROM}\noutbox = "{outbox}"\n')
    case_id = take_in(desk, make_mail(), "t", settings).case_id
    old = os.umask(0o022)
    try:
        deliver_and_tell(desk, case_id, "Team words", settings=settings)
    finally:
        os.umask(old)
        desk.close()
    [message] = (outbox / "new").iterdir()
    info = message.stat()
    assert stat.S_IMODE(info.st_mode) == 0o660
    assert info.st_gid == store.stat().st_gid
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o770


def test_a_symlink_planted_as_the_outbox_new_folder_is_refused(desk: Desk, config, tmp_path: Path):
    outbox, elsewhere = tmp_path / "outbox", tmp_path / "elsewhere"
    for folder in (outbox, elsewhere, outbox / "tmp", outbox / "cur"):
        folder.mkdir()
    (outbox / "new").symlink_to(elsewhere)
    settings = config(f'[mail]\n{FROM}\noutbox = "{outbox}"\n')
    case_id = take_in(desk, make_mail(), "t", settings).case_id
    with pytest.raises(NotSent, match="new is a symbolic link"):
        deliver_and_tell(desk, case_id, "Not through a link", settings=settings)
    assert not list(elsewhere.iterdir())
    assert len(MailStore(desk.store).drafts(case_id)) == 1


def test_without_mail_config_tell_records_and_says_nothing_was_sent(cli, desk: Desk):
    desk.new_case("Bob <bob@example.com>", "Printer")
    result = cli("tell", "1", "Called and told")
    assert result.exit_code == 0
    assert "no mail was sent" in result.stderr
    assert desk.store.case(1).told_text == "Called and told"


def test_phone_channel_never_mails(cli, desk: Desk, config, smtp):
    config(smtp_config(smtp.port))
    desk.new_case("Bob <bob@example.com>", "Printer")
    assert cli("tell", "1", "Rang him", "--channel", "phone").exit_code == 0
    assert smtp.capture.received == []


def test_customer_without_address_keeps_a_draft(desk: Desk, config, smtp):
    settings = config(smtp_config(smtp.port))
    desk.new_case("Walk-in Walter", "Broken screen", channel=Channel.WALK_IN)
    with pytest.raises(NotSent, match="no email address"):
        deliver_and_tell(desk, 1, "Ready for pickup", settings=settings)
    assert MailStore(desk.store).drafts()[0].text == "Ready for pickup"


def test_round_trip_customer_mail_reply_and_answer_stay_on_one_case(
    desk: Desk, config, smtp, clock
):
    settings = config(smtp_config(smtp.port))
    first = take_in(desk, make_mail(), "t", settings)
    deliver_and_tell(desk, first.case_id, "Did you try turning it off?", settings=settings)
    ours = sent(smtp)

    # Our own mail coming back (a Bcc copy, a list) is not the customer writing.
    assert take_in(desk, smtp.capture.received[0][2], "copy", settings).outcome is Outcome.OWN

    clock.advance(hours=2)
    reply = make_mail(
        subject=ours["Subject"].replace("Re: ", "Re: Re: ", 1),
        body=f"Yes, twice.\n\nOn Mon, Help Desk wrote:\n> {ours.get_content().strip()}\n",
        message_id="<m2@example.com>",
        in_reply_to=ours["Message-ID"],
        references=f"{ours['References']} {ours['Message-ID']}",
        to=ours["From"],
    )
    taken = take_in(desk, reply, "t", settings)
    assert (taken.outcome, taken.case_id) == (Outcome.THREADED, first.case_id)
    assert desk.case_row(first.case_id).case.inbound_at == clock.now

    clock.advance(hours=1)
    deliver_and_tell(desk, first.case_id, "Sending a technician.", settings=settings)
    second = sent(smtp)
    assert second["In-Reply-To"] == "<m2@example.com>"
    assert second["References"].split() == [
        "<m1@example.com>",
        ours["Message-ID"],
        "<m2@example.com>",
    ]
    # A reply with the references stripped still finds its case by the subject tag.
    stripped = make_mail(subject=second["Subject"], message_id="<m3@example.com>")
    assert take_in(desk, stripped, "t", settings).case_id == first.case_id
    kinds = [e.kind for e in desk.events(first.case_id)]
    assert kinds == [
        EventKind.CREATED,
        EventKind.TOLD,
        EventKind.INBOUND,
        EventKind.TOLD,
        EventKind.INBOUND,
    ]
    assert desk.store.counts()["cases"] == 1


def test_news_goes_to_the_given_notifier_not_stderr(desk: Desk, config, smtp, capsys):
    settings = config(smtp_config(smtp.port))
    case_id = take_in(desk, make_mail(), "t", settings).case_id
    heard: list[str] = []
    deliver_and_tell(desk, case_id, "Hello", settings=settings, notify=heard.append)
    assert heard == [f"sent to Bob Stone <bob@example.com> via smtp 127.0.0.1:{smtp.port}"]
    assert capsys.readouterr().err == ""


def test_a_bounce_of_our_update_lands_on_the_case_as_a_note(desk: Desk, config, smtp):
    settings = config(smtp_config(smtp.port))
    case_id = take_in(desk, make_mail(), "t", settings).case_id
    deliver_and_tell(desk, case_id, "Try this", settings=settings)
    ours = sent(smtp)
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n"
        "To: help@example.com\nSubject: Undelivered Mail Returned to Sender\n"
        "Message-ID: <bounce1@mx.example.com>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nThe mail could not be delivered: mailbox full.\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
        "Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.2.2\n\n"
        f"--B\nContent-Type: text/rfc822-headers\n\nFrom: {ours['From']}\n"
        f"Subject: {ours['Subject']}\nMessage-ID: {ours['Message-ID']}\n\n--B--\n"
    ).encode()
    before = desk.case_row(case_id)
    taken = take_in(desk, bounce, "t", settings)
    assert (taken.outcome, taken.case_id) == (Outcome.AUTO_REPLY, case_id)
    note = desk.events(case_id)[-1]
    assert note.kind is EventKind.NOTE and "delivery status notification" in note.text
    assert desk.case_row(case_id).due == before.due


class LockingCapture(Capture):
    """Accepts the mail, then has another connection lock what recording it needs and keep it
    (SQLite: the file's write lock; PostgreSQL: the case's row, as another agent's change
    would): the mail is out, but the store is too busy to record it."""

    def __init__(self, db: StoreLocation) -> None:
        super().__init__()
        self.db = db
        self.holder: Any = None

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if isinstance(self.db, ServerStore):
            import psycopg

            self.holder = psycopg.connect(self.db.url, autocommit=True)
            self.holder.execute("BEGIN")
            self.holder.execute("SELECT id FROM cases FOR NO KEY UPDATE")
        else:
            self.holder = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
            self.holder.execute("BEGIN IMMEDIATE")
        return answer


def test_sent_but_not_recorded_says_so_and_keeps_the_draft(desk: Desk, config, db_path):
    capture = LockingCapture(db_path)
    with SmtpServer(capture) as server:
        settings = config(smtp_config(server.port))
        case_id = take_in(desk, make_mail(), "t", settings).case_id
        before = desk.store.event_count(case_id)
        # The store's own lock wait, shortened so three tries take a moment, not 45 s.
        if isinstance(db_path, ServerStore):
            desk.store.conn.execute("SET lock_timeout = 50")
        else:
            desk.store.conn.execute("PRAGMA busy_timeout = 50")
        try:
            with pytest.raises(SentNotRecorded) as failed:
                deliver_and_tell(desk, case_id, "Your printer ships today.", settings=settings)
        finally:
            assert capture.holder is not None
            capture.holder.execute("ROLLBACK")
            capture.holder.close()
    line = str(failed.value)
    assert "\n" not in line
    assert "WAS sent to Bob Stone <bob@example.com>" in line
    assert "Do not send it again" in line and "draft 1" in line
    [(_, rcpts, content)] = capture.received
    assert rcpts == ["bob@example.com"] and b"Your printer ships today." in content
    # Nothing half-recorded: no told event, no sent-mail row, the draft still holds the words.
    assert desk.store.event_count(case_id) == before
    assert desk.case_row(case_id).case.told_at is None
    mail = MailStore(desk.store)
    assert [m.direction for m in mail.messages(case_id)] == ["in"]
    [draft] = mail.drafts(case_id)
    assert draft.text == "Your printer ships today." and draft.sent_at is None
