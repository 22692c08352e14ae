"""Classes of real mail that casedesk read wrong, each with its own hand-written messages.

The messages are in tests/mail/classes/<class>/, written from the RFCs and from what the mail
clients named in them are known to send; the expectations are here.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from casedesk.mail.parse import SUBJECT_MAX, Unreadable, decode_header, parse

CLASSES = Path(__file__).parent / "classes"


def _mail(path: str):  # type: ignore[no-untyped-def]
    return parse((CLASSES / path).read_bytes())


# -- 2: a boundary= folded across lines ------------------------------------------------------

FOLDED_BOUNDARY = {
    "outlook2000-quoted.eml": ("The quote is attached.\nWalter", ["angebot.pdf"]),
    "unquoted-value.eml": ("The scanner log is attached.", ["scan.log"]),
    "fold-keeps-space.eml": ("Two photos of the error screen.", ["screen1.png"]),
    "nested-alternative.eml": ("The VPN drops every ten minutes.", ["vpn.txt"]),
}


@pytest.mark.parametrize("name", sorted(FOLDED_BOUNDARY))
def test_a_folded_boundary_still_splits_the_parts(name: str):
    text, attachments = FOLDED_BOUNDARY[name]
    mail = _mail(f"folded-boundary/{name}")
    assert mail.text.rstrip() == text
    assert [a.filename for a in mail.attachments] == attachments
    assert all(a.content for a in mail.attachments)


def test_every_folded_boundary_message_is_covered():
    assert {p.name for p in (CLASSES / "folded-boundary").iterdir()} == set(FOLDED_BOUNDARY)


# -- 3: white space around encoded words (RFC 2047 §6.2) -------------------------------------

ENCODED_SUBJECTS = {
    "iso2022jp-after-plain.eml": "TEST テストテスト",
    "german-plain-then-words.eml": "Re: Bestellung für Müller",
    "word-then-plain.eml": "Café is open again",
    "utf8-split-across-words.eml": "Grüße aus Wien",
    "rfc2047-word-space-plain.eml": "(a b)",
    "rfc2047-words-folded.eml": "(ab)",
    "rfc2047-underscore.eml": "(a b)",
    "language-tag-and-plain.eml": "Ticket n° 42 für Anna",
}


@pytest.mark.parametrize("name", sorted(ENCODED_SUBJECTS))
def test_space_is_dropped_only_between_two_encoded_words(name: str):
    assert _mail(f"encoded-word-spaces/{name}").subject == ENCODED_SUBJECTS[name]


def test_every_encoded_word_message_is_covered():
    assert {p.name for p in (CLASSES / "encoded-word-spaces").iterdir()} == set(ENCODED_SUBJECTS)


def test_undecodable_words_stay_as_they_came():
    assert decode_header("=?utf-8?b?@@@?= ok") == "=?utf-8?b?@@@?= ok"
    assert decode_header("a =?utf-8?q?b?= =?utf-8?x?c?=") == "a b =?utf-8?x?c?="


# -- 4: raw 8-bit bytes in name= / filename= -------------------------------------------------

RAW_NAMES = {
    "unquoted-utf8.eml": "ciële.txt",
    "unquoted-utf8-with-more-params.eml": "отчёт.docx",
    "unquoted-latin1.eml": "café.txt",
    "quoted-utf8.eml": "Ångström résumé.pdf",
    "disposition-only.eml": "naïve-Übersicht.csv",
}


@pytest.mark.parametrize("name", sorted(RAW_NAMES))
def test_raw_8bit_attachment_names_are_read_as_utf8_first(name: str):
    [attachment] = _mail(f"raw-8bit-params/{name}").attachments
    assert attachment.filename == RAW_NAMES[name]


def test_every_raw_name_message_is_covered():
    assert {p.name for p in (CLASSES / "raw-8bit-params").iterdir()} == set(RAW_NAMES)


# -- 5: white space before a header's colon --------------------------------------------------

SPACED = {
    "from-first-line.eml": ("bob@example.com", "printer on fire", "<spaced-1@example.com>"),
    "tab-and-subject.eml": ("mia@example.org", "no sound", "<spaced-2@example.org>"),
    "later-lines.eml": ("ole@example.no", "screen flickers", "<spaced-3@example.no>"),
}


@pytest.mark.parametrize("name", sorted(SPACED))
def test_white_space_before_the_colon_is_still_a_header(name: str):
    mail = _mail(f"spaced-colon/{name}")
    assert (mail.from_address, mail.subject, mail.message_id) == SPACED[name]


def test_a_spaced_from_without_an_address_says_so():
    with pytest.raises(Unreadable, match="no usable sender address"):
        _mail("spaced-colon/unreadable-kept-verbatim.eml")


# -- 6: huge headers decode in linear time; the title keeps a bounded part --------------------


def _encoded_subject(words: int) -> str:
    return "\r\n ".join(["=?UTF-8?B?w6TDtsO8?="] * words)  # "äöü" each


def test_a_subject_of_100000_encoded_words_decodes_in_linear_time():
    value = _encoded_subject(100_000)
    started = time.perf_counter()
    decoded = decode_header(value)
    took = time.perf_counter() - started
    assert decoded == "äöü" * 100_000
    # The stdlib's decoder needed 5-12 s here (quadratic); linear is well under a second.
    assert took < 4, f"{took:.1f} s"


def test_a_huge_subject_is_capped_in_the_title_but_kept_in_the_raw_message():
    raw = (
        "From: a@example.com\r\nMessage-ID: <big@example.com>\r\n"
        f"Subject: {_encoded_subject(100_000)}\r\n\r\nbody\r\n"
    ).encode()
    started = time.perf_counter()
    mail = parse(raw)
    assert time.perf_counter() - started < 6
    assert len(mail.subject) == SUBJECT_MAX
    assert mail.subject.startswith("äöüäöü") and mail.subject.endswith("…")
    assert mail.text.rstrip() == "body"


# -- 8: addresses and Message-IDs as people write them ---------------------------------------

ADDRESSES = {
    "comment-in-name.eml": ("Pete", "pete@silly.test", "<a1@silly.test>"),
    "nested-comment.eml": ("Ann Lee", "ann@example.com", "<a2@example.com>"),
    "no-brackets.eml": ("Big Bug", "bb@bug.com", "<a3@bug.com>"),
    "no-brackets-encoded-name.eml": ("Jörg Maier", "joerg@example.de", "<a4@example.de>"),
    "comment-is-the-name.eml": ("Bob Stone", "bob@example.com", "<a5@example.com>"),
    "message-id-without-brackets.eml": (
        "Kim Park",
        "kim@example.kr",
        "<20261123090000.4711@mail.example.kr>",
    ),
    "message-id-bare-with-space.eml": ("Kim Park", "kim@example.kr", "<a7.x@mail.example.kr>"),
}


@pytest.mark.parametrize("name", sorted(ADDRESSES))
def test_names_addresses_and_ids_as_people_write_them(name: str):
    mail = _mail(f"addresses/{name}")
    assert (mail.from_name, mail.from_address, mail.message_id) == ADDRESSES[name]


def test_every_address_message_is_covered():
    assert {p.name for p in (CLASSES / "addresses").iterdir()} == set(ADDRESSES)


def test_bare_ids_in_replies_thread_like_bracketed_ones():
    raw = (
        b"From: a@example.com\nMessage-ID: r1@example.com\n"
        b"In-Reply-To: 20261123090000.4711@mail.example.kr\n"
        b"References: first@example.kr 20261123090000.4711@mail.example.kr\n\nyes\n"
    )
    mail = parse(raw)
    assert mail.in_reply_to == ("<20261123090000.4711@mail.example.kr>",)
    assert mail.references == ("<first@example.kr>", "<20261123090000.4711@mail.example.kr>")


@pytest.mark.parametrize(
    ("ctype", "name"),
    [
        ("application/pgp-signature", "part.pgp-signature"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
        ("application/octet-stream", "part.bin"),
        ("image/png", "part.png"),
    ],
)
def test_default_attachment_names_are_not_cut_mid_word(ctype: str, name: str | None):
    raw = (
        "From: a@example.com\nMessage-ID: <d@x>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nhi\n'
        f"--b\nContent-Type: {ctype}\n\nDATA\n--b--\n"
    ).encode()
    [attachment] = parse(raw).attachments
    if name is not None:
        assert attachment.filename == name
    else:  # a long subtype is cut at a word boundary, never inside a word
        assert attachment.filename == "part.vnd.openxmlformats-officedocument"
