"""Parsing: headers, charsets, bodies, attachments, quotes, automatic mail. No I/O."""

from __future__ import annotations

import hypothesis
import pytest
from hypothesis import strategies as st
from mail_helpers import make_mail

from casedesk.mail.parse import Unreadable, content_hash, decode_bytes, decode_header, parse
from casedesk.mail.quote import quote_start
from casedesk.mail.thread import (
    Via,
    choose_thread,
    clean_title,
    format_tag,
    subject_tag,
)


def test_rfc2047_headers_are_decoded_including_mixed_words():
    assert decode_header("=?utf-8?q?Caf=C3=A9?= ouvert") == "Café ouvert"
    assert (
        decode_header("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=")
        == "If you can read this yo"
    )


def test_an_unknown_charset_degrades_instead_of_crashing():
    assert decode_header("=?x-made-up?q?caf=C3=A9?=") == "café"
    assert decode_bytes(b"caf\xe9", "no-such-charset") == "café"


def test_gb2312_labelled_gbk_text_reads_through_the_superset():
    assert decode_bytes("这个是什么".encode("gbk"), "gb2312") == "这个是什么"


def test_raw_8bit_subject_is_read_as_utf8():
    raw = b"From: a@example.com\nSubject: Gr\xc3\xbc\xc3\x9fe\nMessage-ID: <x@y>\n\nbody\n"
    assert parse(raw).subject == "Grüße"


def test_sender_keeps_display_name_and_address():
    mail = parse(make_mail(sender='"Stone, Bob" <Bob@Example.com>'))
    assert (mail.from_name, mail.from_address) == ("Stone, Bob", "Bob@Example.com")


def test_plain_text_is_preferred_over_html():
    mail = parse(make_mail(body="plain words", html="<p>html words</p>"))
    assert mail.text == "plain words"
    assert not mail.from_html


def test_html_only_mail_becomes_readable_text():
    mail = parse(make_mail(body=None, html="<h1>Broken</h1><p>My <b>laptop</b> &amp; dock</p>"))
    assert mail.from_html
    assert "Broken" in mail.text and "laptop & dock" in mail.text
    assert "<" not in mail.text


def test_blank_plain_alternative_falls_back_to_html():
    mail = parse(make_mail(body="\n\n", html="<p>the real text</p>"))
    assert mail.text == "the real text"


def test_attachments_are_recorded_with_name_type_and_content():
    mail = parse(
        make_mail(
            attachments=[("log.txt", "text/plain", b"E42\n"), ("a.png", "image/png", b"\x89PNG")]
        )
    )
    assert [(a.filename, a.content_type, a.size) for a in mail.attachments] == [
        ("log.txt", "text/plain", 4),
        ("a.png", "image/png", 4),
    ]
    assert mail.attachments[1].content == b"\x89PNG"
    assert "printer is on fire" in mail.text  # the attached text is not the body


def test_missing_message_id_is_replaced_by_a_content_hash_stable_across_line_endings():
    raw = make_mail(message_id=None)
    assert parse(raw).message_id == content_hash(raw)
    assert parse(raw.replace(b"\n", b"\r\n")).message_id == parse(raw).message_id


def test_thread_ids_put_in_reply_to_first_then_newest_reference():
    mail = parse(make_mail(in_reply_to="<c@x>", references="<a@x> <b@x> <c@x>"))
    assert mail.thread_ids == ("<c@x>", "<b@x>", "<a@x>")
    assert mail.ancestry == ("<a@x>", "<b@x>", "<c@x>")


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: your case"),
        ({"Precedence": "bulk"}, "News"),
        ({"Precedence": "junk"}, "x"),
        ({"Precedence": "list"}, "x"),
        ({"X-Autoreply": "yes"}, "x"),
        ({}, "Out of Office: back Monday"),
        ({}, "Automatic reply: Printer"),
    ],
)
def test_automatic_mail_is_recognised(headers, subject):
    assert parse(make_mail(subject=subject, headers=headers)).auto_reply


def test_auto_submitted_no_is_a_person_writing():
    assert parse(make_mail(headers={"Auto-Submitted": "no"})).auto_reply is None


def test_bounces_are_automatic():
    assert parse(make_mail(sender="MAILER-DAEMON@mx.example.com")).auto_reply


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Outlook"),
        (b"just some text\nwithout headers\n", "header"),
        (b"Subject: hi\nMessage-ID: <a@b>\n\nno sender\n", "From"),
        (b"From: nobody\nSubject: hi\n\nbody\n", "sender address"),
        (b"From: a@b.c\x00\x01\x02\nSubject: \x00\n\n", "binary"),
        (b"From: a@b.c\r\nSubject: \x00\r\n\r\nbody\r\n", "binary"),
    ],
)
def test_unreadable_mail_says_why(raw, reason):
    with pytest.raises(Unreadable, match=reason):
        parse(raw)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_a_nul_byte_in_the_body_is_no_binary_head(newline):
    """Mail as it travels (CRLF) with a NUL in its body was quarantined as "binary data where
    mail headers should be": the head was looked for at a bare LF blank line only."""
    raw = make_mail(body="Hello,\nmy printer\x00 is on fire.\nBob").replace(b"\n", newline)
    parsed = parse(raw)
    assert parsed.from_address == "bob@example.com"
    assert "is on fire" in parsed.text


# -- quotes ---------------------------------------------------------------------------------


def test_gmail_style_quote_is_split_at_the_attribution():
    text = (
        "Thanks, that fixed it.\n\n"
        "On Mon, 23 Nov 2026 at 09:00, Help <help@example.com> wrote:\n> Try a restart.\n> Ann\n"
    )
    at = quote_start(text)
    assert text[:at].strip() == "Thanks, that fixed it."
    assert text[at:].startswith("On Mon")


def test_attribution_wrapped_over_two_lines_is_still_found():
    text = (
        "Still broken.\n\n"
        "On Mon, 23 Nov 2026 at 09:00, Ann Helper\n<help@example.com> wrote:\n\n> Try again\n"
    )
    assert text[: quote_start(text)].strip() == "Still broken."


def test_outlook_header_block_starts_the_quote():
    text = (
        "It works now.\n\n________________________________\nFrom: Help <help@example.com>\n"
        "Sent: Monday, 23 November 2026 09:00\nTo: Bob\nSubject: Re: Printer [#1]\n\n"
        "Try a restart.\n"
    )
    assert text[quote_start(text) :].startswith("_____")


def test_original_message_separator_starts_the_quote():
    text = "See below.\n-----Original Message-----\nFrom: x\nold words\n"
    assert text[quote_start(text) :].startswith("-----Original")


def test_inline_replies_fold_only_the_trailing_quote():
    text = "> question one\nanswer one\n> question two\nanswer two\n\n> old signature\n> more\n"
    assert text[quote_start(text) :] == "> old signature\n> more\n"


def test_no_quote_and_all_quote_give_none():
    assert quote_start("just my words\n") is None
    assert quote_start("> all quoted\n> nothing new\n") is None


# -- threading (pure) -------------------------------------------------------------------------


def test_subject_tag_with_default_and_custom_prefix():
    assert subject_tag("Re: Printer [#12]") == 12
    assert subject_tag("Re: [#3] Printer [#12]") == 12
    assert subject_tag("Printer [ACME-7]", "ACME-") == 7
    assert subject_tag("Printer [#12]", "ACME-") is None
    assert subject_tag("Printer #12") is None
    assert format_tag(5, "ACME-") == "[ACME-5]"


def test_clean_title_drops_reply_prefixes_and_our_tag():
    assert clean_title("Re: AW: Fwd: Printer on fire [#4]") == "Printer on fire"
    assert clean_title("Re: ") == "(no subject)"


def test_a_known_reference_wins_over_the_tag():
    thread = choose_thread(("<b@x>", "<a@x>"), {"<a@x>": 3}, tag=9, existing_cases={9})
    assert (thread.case_id, thread.via, thread.matched) == (3, Via.REFERENCE, "<a@x>")


def test_references_to_two_cases_join_them_into_the_older():
    thread = choose_thread(("<b@x>", "<a@x>"), {"<a@x>": 3, "<b@x>": 4}, None, set())
    assert (thread.case_id, thread.merge, thread.matched) == (3, (4,), "<b@x>")
    assert choose_thread(("<b@x>", "<a@x>"), {"<a@x>": 3}, None, set()).case_id == 3
    replied = choose_thread(("<a@x>",), {}, None, set(), replied={7, 5})
    assert (replied.case_id, replied.merge, replied.via) == (5, (7,), Via.REPLIED)


def test_tag_joins_only_an_existing_case():
    assert choose_thread((), {}, 9, {9}).case_id == 9
    assert choose_thread((), {}, 9, set()) == choose_thread((), {}, None, set())
    assert choose_thread((), {}, 9, set()).via is Via.NEW


def test_fold_splits_an_event_text_for_the_timeline():
    from casedesk.core.fold import fold

    text = "Yes.\n\nOn Mon, Ann wrote:\n> Did it work?\n"
    assert fold(text, quote_start(text)) == ("Yes.", "On Mon, Ann wrote:\n> Did it work?\n")
    assert fold("plain", None) == ("plain", "")


def test_raw_8bit_sender_and_message_id_are_stored_as_text():
    raw = (
        "From: Jürgen Müller <jürgen@exämple.de>\nMessage-ID: <ü1@exämple.de>\n"
        "To: help@example.com\nSubject: x\n\nbody\n"
    ).encode()
    mail = parse(raw)
    assert (mail.from_name, mail.from_address) == ("Jürgen Müller", "jürgen@exämple.de")
    assert mail.message_id == "<ü1@exämple.de>"
    mail.message_id.encode("utf-8")  # no lone surrogates left to break the store


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(
    base=st.sampled_from(
        [
            make_mail(),
            make_mail(body=None, html="<p>hi</p>", attachments=[("a.txt", "text/plain", b"x")]),
            make_mail(in_reply_to="<a@x>", references="<a@x> <b@x>"),
        ]
    ),
    cut=st.integers(min_value=0, max_value=2000),
    noise=st.binary(max_size=64),
    at=st.integers(min_value=0, max_value=2000),
)
def test_mangled_mail_parses_to_storable_text_or_says_why(base, cut, noise, at):
    raw = base[:cut] if cut < len(base) else base
    raw = raw[:at] + noise + raw[at:]
    try:
        mail = parse(raw)
    except Unreadable as exc:
        assert str(exc)
        return
    for text in (mail.message_id, mail.subject, mail.from_name, mail.from_address, mail.text):
        text.encode("utf-8")
    for attachment in mail.attachments:
        attachment.filename.encode("utf-8")


def test_a_huge_body_is_cut_at_a_line_with_a_note_and_the_raw_stays_whole(desk):
    from casedesk.mail.intake import take_in
    from casedesk.mail.parse import TEXT_MAX
    from casedesk.mail.settings import load_mail_settings
    from casedesk.store.mail import MailStore

    raw = make_mail(body="A" * 99 + "\n" + ("log line " * 11 + "\n") * 200_000)  # ~20 MB
    parsed = parse(raw)
    kept, note = parsed.text.rsplit("\n\n", 1)
    assert len(kept) <= TEXT_MAX and kept.endswith("log line ")
    assert note.startswith("[… ") and "more characters not shown" in note
    taken = take_in(desk, raw, "t", load_mail_settings())
    [event] = desk.events(taken.case_id)
    assert len(event.text) < TEXT_MAX + 100
    assert MailStore(desk.store).raw(parsed.message_id) == raw
