"""Automatic acknowledgements of new cases from mail, through a real SMTP server (RFC 3834)."""

from __future__ import annotations

import email
import json
from email.policy import default

import pytest
from mail_helpers import make_mail
from test_send import smtp_config

from casedesk.core.model import Channel, EventKind
from casedesk.desk.desk import Desk
from casedesk.mail import acknowledge
from casedesk.mail.intake import Outcome, take_in
from casedesk.store.mail import WatchStore

pytestmark = pytest.mark.both_engines

ON = "acknowledge = true\n"


def ack_config(port: int, mail: str = ON) -> str:
    return smtp_config(port).replace("[smtp]", f"{mail}[smtp]", 1)


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(acknowledge, "_pause_until", None)


def sent_mail(smtp) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(raw, policy=default) for _, _, raw in smtp.capture.received]


def test_a_new_case_from_mail_is_acknowledged_and_the_reply_threads(desk: Desk, config, smtp, cli):
    settings = config(ack_config(smtp.port))
    taken = take_in(desk, make_mail(message_id="<ask@cust>"), "t", settings)
    assert taken.outcome is Outcome.NEW_CASE and taken.acknowledgement == "acknowledged"

    [ack] = sent_mail(smtp)
    assert ack["To"] == "Bob Stone <bob@example.com>"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<ask@cust>" and "<ask@cust>" in ack["References"]
    assert f"[#{taken.case_id}]" in ack["Subject"]
    body = ack.get_content()
    assert f"case #{taken.case_id}" in body
    assert "We will assign it to one of our team shortly." in body
    assert "today 17:00" in body  # the first-response due time, in words (normal: 8h)

    [event] = [e for e in desk.events(taken.case_id) if e.kind is EventKind.ACKNOWLEDGED]
    assert event.actor == "casedesk-mail"
    shown = json.loads(cli("show", str(taken.case_id), "--json").stdout)
    assert shown["next_due"]["reason"] == "first-response"  # not the human first response
    assert desk.store.case(taken.case_id).told_at is not None  # but what they last heard

    reply = make_mail(
        message_id="<again@cust>", subject=f"Re: {ack['Subject']}", in_reply_to=ack["Message-ID"]
    )
    again = take_in(desk, reply, "t", settings)
    assert (again.outcome, again.case_id) == (Outcome.THREADED, taken.case_id)
    assert len(sent_mail(smtp)) == 1  # a reply is not a new case: no second acknowledgement


def test_an_owned_case_names_its_owner(desk: Desk, config, smtp):
    settings = config(ack_config(smtp.port))
    first = take_in(desk, make_mail(message_id="<1@c>"), "t", settings)
    desk.assign(first.case_id, "ann")
    # The owner is named in acknowledgements sent once the case has one (a retried send).
    row = desk.case_row(first.case_id)
    text, _ = acknowledge._acknowledgement(desk, row.case.id, settings)
    assert "ann is looking after it." in text


def test_the_setting_can_make_it_the_first_response(desk: Desk, config, smtp, cli):
    settings = config(ack_config(smtp.port, ON + "acknowledgement_is_first_response = true\n"))
    taken = take_in(desk, make_mail(), "t", settings)
    shown = json.loads(cli("show", str(taken.case_id), "--json").stdout)
    assert shown["next_due"]["reason"] != "first-response"


def test_off_by_default(desk: Desk, config, smtp):
    settings = config(smtp_config(smtp.port))
    assert take_in(desk, make_mail(), "t", settings).outcome is Outcome.NEW_CASE
    assert smtp.capture.received == []


@pytest.mark.parametrize(
    ("sender", "headers", "opens_case"),
    [
        ("Bob <bob@example.com>", {"Auto-Submitted": "auto-generated"}, False),
        ("Bob <bob@example.com>", {"Auto-Submitted": "auto-replied"}, False),
        ("Bob <bob@example.com>", {"Precedence": "bulk"}, False),
        ("Bob <bob@example.com>", {"Precedence": "list"}, False),
        ("Bob <bob@example.com>", {"Precedence": "junk"}, False),
        ("Bob <bob@example.com>", {"List-Id": "<users.lists.example.com>"}, True),
        ("Mail Delivery <MAILER-DAEMON@mx.example.com>", {}, False),
        ("postmaster@mx.example.com", {}, False),
        ("Shop <noreply@shop.example.com>", {}, True),
        ("Shop <no-reply@shop.example.com>", {}, True),
        ("Shop <do-not-reply@shop.example.com>", {}, True),
        ("Shop <No_Reply@shop.example.com>", {}, True),
        ("Shop <do_not_reply@shop.example.com>", {}, True),
        ("Shop <notifications-noreply@shop.example.com>", {}, True),
        ("Shop <billing.no-reply@shop.example.com>", {}, True),
        ("Bob <bob@example.com>", {"Return-Path": "<>"}, True),
        ("Help Desk <help@example.com>", {}, False),  # our own [mail] from
        ("Help Desk <help+billing@example.com>", {}, False),  # a +tag of it: a loop otherwise
        ("HELP+x@Example.COM", {}, False),
    ],
)
def test_automatic_and_unanswerable_mail_gets_no_acknowledgement(
    desk: Desk, config, smtp, sender, headers, opens_case
):
    settings = config(ack_config(smtp.port))
    taken = take_in(desk, make_mail(sender=sender, headers=headers), "t", settings)
    assert (taken.outcome is Outcome.NEW_CASE) is opens_case
    if opens_case:
        assert taken.acknowledgement.startswith("no acknowledgement")
    assert smtp.capture.received == []


@pytest.mark.parametrize(
    "sender", ["helpdesk@example.com", "help@example.org", "help+x@mail.example.com"]
)
def test_addresses_that_only_look_like_ours_are_acknowledged(desk: Desk, config, smtp, sender):
    settings = config(ack_config(smtp.port))
    taken = take_in(desk, make_mail(sender=sender), "t", settings)
    assert (taken.outcome, taken.acknowledgement) == (Outcome.NEW_CASE, "acknowledged")
    assert [m["To"].addresses[0].addr_spec for m in sent_mail(smtp)] == [sender]


def test_never_more_than_three_an_hour_to_one_address(desk: Desk, clock, config, smtp):
    settings = config(ack_config(smtp.port))
    for n in range(5):
        mail = make_mail(message_id=f"<flood{n}@c>", subject=f"Problem number {n}")
        take_in(desk, mail, "t", settings)
        clock.advance(minutes=5)
    assert len(sent_mail(smtp)) == 3
    clock.advance(hours=1)
    take_in(desk, make_mail(message_id="<later@c>", subject="Another day"), "t", settings)
    assert len(sent_mail(smtp)) == 4


def test_a_failed_send_waits_in_the_outbox_and_is_retried_with_backoff(
    desk: Desk, clock, config, smtp
):
    settings = config(ack_config(smtp.port))
    smtp.capture.refuse_data = "451 4.3.0 try again later"
    taken = take_in(desk, make_mail(), "t", settings)
    assert taken.outcome is Outcome.NEW_CASE  # intake is never undone by a failed send
    assert taken.acknowledgement == "acknowledgement waits in the outbox"
    [waiting] = WatchStore(desk.store).pending()
    assert "451" in (waiting.error or "") and waiting.attempts == 1

    smtp.capture.refuse_data = None
    assert acknowledge.flush(desk, settings) == 0  # not due yet: back-off
    clock.advance(minutes=2)
    assert acknowledge.flush(desk, settings) == 1
    assert WatchStore(desk.store).pending() == []
    assert [e.kind for e in desk.events(taken.case_id)][-1] is EventKind.ACKNOWLEDGED


def test_a_waiting_acknowledgement_is_dropped_once_a_person_answered(
    desk: Desk, clock, config, smtp
):
    settings = config(ack_config(smtp.port))
    smtp.capture.refuse_data = "451 4.3.0 try again later"
    taken = take_in(desk, make_mail(), "t", settings)
    desk.tell(taken.case_id, "On it, Bob: a new toner is on its way.", Channel.PHONE)
    smtp.capture.refuse_data = None
    clock.advance(minutes=5)
    assert acknowledge.flush(desk, settings) == 0
    assert WatchStore(desk.store).pending() == []
    assert smtp.capture.received == []
    kinds = [e.kind for e in desk.events(taken.case_id)]
    assert EventKind.ACKNOWLEDGED not in kinds


def test_control_characters_in_the_customers_subject_and_name_are_not_sent_raw(
    desk: Desk, config, smtp
):
    settings = config(ack_config(smtp.port))
    raw = (
        b'From: "Eve \x1b[31mRed" <eve@example.com>\r\n'
        b"Subject: help \x1b]0;pwned\x07 now \xe2\x80\xaetxt.exe\r\n"
        b"Message-ID: <esc@cust>\r\n\r\nhello\r\n"
    )
    taken = take_in(desk, raw, "t", settings)
    assert taken.acknowledgement == "acknowledged"
    [ack] = sent_mail(smtp)
    for header in ("Subject", "To"):
        shown = str(ack[header])
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c == "\u202e" for c in shown)
    assert "help \\x1b]0;pwned\\x07 now" in ack["Subject"]


def test_old_mail_imported_from_an_archive_gets_no_acknowledgement(desk: Desk, config, smtp):
    settings = config(ack_config(smtp.port))
    old = make_mail(message_id="<old@cust>").replace(
        b"Date: ", b"Date: Mon, 05 Jan 2015 10:00:00 +0000\nX-Was-Date: ", 1
    )
    taken = take_in(desk, old, "t", settings)
    assert taken.outcome is Outcome.NEW_CASE
    assert taken.acknowledgement == "no acknowledgement: old mail (written 2015-01-05)"
    recent = take_in(
        desk, make_mail(message_id="<new@cust>", sender="Al <al@x.example>"), "t", settings
    )
    assert recent.acknowledgement == "acknowledged"
    assert len(sent_mail(smtp)) == 1
