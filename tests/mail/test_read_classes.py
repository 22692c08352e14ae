"""Classes of real mail that casedesk read wrong, each with its own hand-written messages.

The messages are in tests/mail/classes/<class>/, written from the RFCs and from what the mail
clients named in them are known to send; the expectations are here.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest
from mail_helpers import make_mail

from casedesk.mail import sources
from casedesk.mail.intake import take_in
from casedesk.mail.parse import SUBJECT_MAX, Unreadable, decode_header, parse
from casedesk.mail.quote import quote_start
from casedesk.mail.settings import load_mail_settings
from casedesk.store.mail import MailStore

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
    "rfc2231-raw-utf8.eml": "Größe Übersicht.pdf",
    "rfc2231-raw-latin1-declared.eml": "Größe.pdf",
    "rfc2231-continued-raw.eml": "报告_第一部分.xlsx",
    "rfc2231-mixed-sections.eml": "ciële—v2.txt",
}


@pytest.mark.parametrize("name", sorted(RAW_NAMES))
def test_raw_8bit_attachment_names_are_read_as_utf8_first(name: str):
    [attachment] = _mail(f"raw-8bit-params/{name}").attachments
    assert attachment.filename == RAW_NAMES[name]


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


def _encoded_subject(words: int, fold: str = "\r\n ") -> str:
    return fold.join(["=?UTF-8?B?w6TDtsO8?="] * words)  # "äöü" each


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


# -- 5 (continued): a single message file is never split; quarantine keeps its exact bytes ----


@pytest.mark.parametrize("name", sorted(SPACED))
def test_a_spaced_from_file_is_one_message_not_an_mbox(cli, name: str):
    path = CLASSES / "spaced-colon" / name
    assert sources.detect(path) == "eml"
    result = cli("import", "--json", path)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["total"], summary["new_case"]) == (1, 1)


def test_quarantine_keeps_the_exact_bytes_of_a_spaced_from_file(cli, desk):
    path = CLASSES / "spaced-colon" / "unreadable-kept-verbatim.eml"
    assert cli("import", path).exit_code == 0
    [held] = json.loads(cli("quarantine", "list", "--json").stdout)
    assert "no usable sender address" in held["reason"]
    _, kept = MailStore(desk.store).quarantined_one(held["id"])
    assert kept == path.read_bytes()


def test_an_eml_file_starting_with_a_from_line_stays_one_message(cli, tmp_path: Path):
    # As some tools save one message: an envelope From_ line, and "From " lines in the body.
    raw = (
        b"From bob@example.com Mon Nov 23 09:00:00 2026\n"
        b"From: Bob <bob@example.com>\nSubject: saved by a tool\nMessage-ID: <s1@example.com>\n\n"
        b"Line one.\n\nFrom the look of it, nothing works.\n"
    )
    path = tmp_path / "saved.eml"
    path.write_bytes(raw)
    summary = json.loads(cli("import", "--json", path).stdout)
    assert (summary["total"], summary["new_case"]) == (1, 1)
    shown = cli("show", str(summary["new_case_ids"][0])).stdout
    assert "From the look of it" in shown


def test_mbox_detection_needs_a_real_from_line(tmp_path: Path):
    cases = {
        b"From bob@example.com Mon Nov 23 09:00:00 2026\nFrom: b@x\n\nhi\n": "mbox",
        b"From MAILER-DAEMON Mon Nov 23 09:00:00 2026\nFrom: b@x\n\nhi\n": "mbox",
        b"From  : Bob <b@x>\n\nhi\n": "eml",
        b"From : Bob <b@x>\n\nhi\n": "eml",
        b"From \t: Bob <b@x>\n\nhi\n": "eml",
        b"From: Bob <b@x>\n\nhi\n": "eml",
    }
    for n, (raw, expected) in enumerate(cases.items()):
        path = tmp_path / f"m{n}"
        path.write_bytes(raw)
        assert sources.detect(path) == expected, raw


# -- 8 (continued): import formats that cannot read what they are given say so ---------------


def test_format_mbox_on_a_single_message_says_there_is_no_separator(cli, desk):
    result = cli("import", "--format", "mbox", CLASSES / "addresses" / "no-brackets.eml")
    assert result.exit_code == 1
    assert "no mbox separator" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(cli("list", "--json").stdout) == []


@pytest.mark.parametrize("fmt", ["eml", "mbox"])
def test_a_file_format_on_a_folder_is_a_clear_error(cli, tmp_path: Path, fmt: str):
    (tmp_path / "a.eml").write_bytes((CLASSES / "addresses" / "no-brackets.eml").read_bytes())
    result = cli("import", "--format", fmt, tmp_path)
    assert result.exit_code == 1
    assert "is a folder" in result.stderr and "IsADirectoryError" not in result.stderr


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def _mbox_of(*names: str) -> bytes:
    out = b""
    for name in names:
        out += b"From someone@example.com Mon Nov 23 09:00:00 2026\n"
        out += (CLASSES / name).read_bytes().replace(b"\r\n", b"\n") + b"\n"
    return out


def test_an_mbox_piped_to_import_is_taken_as_several_messages(cli, monkeypatch):
    _stdin(monkeypatch, _mbox_of("addresses/no-brackets.eml", "addresses/nested-comment.eml"))
    summary = json.loads(cli("import", "--json", "-").stdout)
    assert (summary["total"], summary["new_case"]) == (2, 2)
    _stdin(monkeypatch, _mbox_of("addresses/comment-in-name.eml"))
    assert json.loads(cli("import", "--json", "--format", "mbox", "-").stdout)["new_case"] == 1


def test_format_mbox_on_stdin_without_a_from_line_is_refused(cli, monkeypatch):
    _stdin(monkeypatch, (CLASSES / "addresses" / "no-brackets.eml").read_bytes())
    result = cli("import", "--format", "mbox", "-")
    assert result.exit_code == 1 and "stdin: no mbox separator" in result.stderr


def test_format_eml_on_stdin_never_splits(cli, monkeypatch):
    _stdin(monkeypatch, _mbox_of("addresses/no-brackets.eml", "addresses/nested-comment.eml"))
    summary = json.loads(cli("import", "--json", "--format", "eml", "-").stdout)
    assert summary["total"] == 1


# -- 8 (continued): attachments --save never overwrites, never follows a link, fits the name --


def _case_with(desk, names_and_content) -> int:  # type: ignore[no-untyped-def]
    raw = make_mail(attachments=[(n, "application/octet-stream", c) for n, c in names_and_content])
    return take_in(desk, raw, "t", load_mail_settings()).case_id


def test_save_onto_an_existing_file_is_a_clear_error(cli, desk, tmp_path: Path):
    case_id = _case_with(desk, [("a.txt", b"new")])
    existing = tmp_path / "notes.txt"
    existing.write_bytes(b"mine")
    result = cli("attachments", str(case_id), "--save", existing)
    assert result.exit_code == 1 and "is a file" in result.stderr
    assert "FileExistsError" not in result.stderr
    assert existing.read_bytes() == b"mine"


def test_save_never_overwrites_and_never_follows_a_planted_symlink(cli, desk, tmp_path: Path):
    case_id = _case_with(desk, [("report.pdf", b"customer's"), ("log.txt", b"log")])
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"already here")
    outside = tmp_path / "outside.txt"
    (out / "log.txt").symlink_to(outside)  # dangling: following it would write outside DIR
    result = cli("attachments", str(case_id), "--save", out)
    assert result.exit_code == 0, result.stderr
    assert (out / "report.pdf").read_bytes() == b"already here"
    assert (out / "report (2).pdf").read_bytes() == b"customer's"
    assert not outside.exists()
    assert (out / "log (2).txt").read_bytes() == b"log"
    assert (out / "log (2).txt").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("報" * 120 + ".pdf", ".pdf"),  # 360 bytes of UTF-8: over NAME_MAX without the cut
        ("ü" * 200 + ".tar.gz", ".gz"),
        ("x" * 300 + ".docx", ".docx"),
        ("😀" * 80, ""),
    ],
    ids=["cjk-120", "umlauts-200", "ascii-300", "emoji-no-extension"],
)
def test_long_names_are_cut_by_bytes_keeping_the_extension(
    cli, desk, tmp_path: Path, name: str, extension: str
):
    case_id = _case_with(desk, [(name, b"data")])
    out = tmp_path / "out"
    result = cli("attachments", str(case_id), "--save", out)
    assert result.exit_code == 0, result.stderr
    [saved] = out.iterdir()
    assert len(saved.name.encode()) <= 150
    assert saved.name.endswith(extension) and saved.read_bytes() == b"data"
    assert (
        saved.name[: len(saved.name) - len(extension)] == name[: len(saved.name) - len(extension)]
    )


# -- 7: quoted earlier mail, as clients in several languages introduce it ---------------------

# The first line of the quote in each reply of classes/quotes/ (None: there is no quote).
QUOTE_STARTS = {
    "android-russian.txt": '23 нояб. 2026 г. 9:00 пользователь "Ann Lee"',
    "android-russian-female.txt": "Пн, 23 нояб. 2026 г., 09:00 Анна Ли",
    "gmail-russian-no-verb.txt": "пн, 23 нояб. 2026 г. в 09:00, Ann Lee",
    "mailru-russian.txt": "Понедельник, 23 ноября 2026, 9:00 +03:00 от Ann Lee",
    "outlook-russian-block.txt": "От: Ann Lee",
    "yahoo-classic.txt": "--- On Mon, 11/23/26, Ann Lee",
    "yahoo-wrapped.txt": "--- On Mon, 11/23/26, Ann Lee from the Support Desk",
    "german-thunderbird.txt": "Am 23.11.2026 um 09:00 schrieb Ann Lee",
    "german-outlook-block.txt": "Von: Ann Lee",
    "french-gmail.txt": "Le lun. 23 nov. 2026 à 09:00, Ann Lee",
    "spanish-gmail.txt": "El lun, 23 nov 2026 a las 9:00, Ann Lee",
    "dutch-apple.txt": "Op 23 nov. 2026 om 09:00 heeft Ann Lee",
    "dutch-gmail.txt": "Op ma 23 nov. 2026 om 09:00 schreef Ann Lee",
    "italian-gmail.txt": "Il giorno lun 23 nov 2026 alle ore 09:00 Ann Lee",
    "polish-gmail.txt": "pon., 23 lis 2026 o 09:00 Ann Lee",
    "portuguese-gmail.txt": "Em seg., 23 de nov. de 2026 às 09:00, Ann Lee",
    "swedish.txt": "Den mån 23 nov. 2026 kl 09:00 skrev Ann Lee",
    "japanese-gmail.txt": "2026年11月23日(月) 9:00 Ann Lee",
    "chinese-gmail.txt": "Ann Lee <ann@example.com> 于2026年11月23日周一 09:00写道",
    "english-no-quote.txt": None,
    "english-mention-not-attribution.txt": None,
}


@pytest.mark.parametrize("name", sorted(QUOTE_STARTS))
def test_the_quote_starts_at_the_attribution_in_every_language(name: str):
    text = (CLASSES / "quotes" / name).read_text(encoding="utf-8")
    at = quote_start(text)
    expected = QUOTE_STARTS[name]
    if expected is None:
        assert at is None
        return
    assert at is not None, "no quote found"
    assert text[at:].startswith(expected)
    assert text[:at].strip() and "ann@example.com" not in text[:at]  # the reply stays visible


def test_a_sentence_above_the_attribution_is_not_taken_into_the_quote():
    text = (
        "See the 2 logs attached.\nOn Mon, 23 Nov 2026, Ann Lee <ann@example.com> wrote:\n> Logs?\n"
    )
    assert text[quote_start(text) :].startswith("On Mon")


def test_every_class_message_is_taken_in_whole(cli, desk):
    """All the hand-written messages through `casedesk import` of their folder."""
    result = cli("import", "--json", CLASSES)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    emls = sorted(CLASSES.rglob("*.eml"))
    assert summary["total"] == len(emls)
    assert summary["quarantined"] == 1  # spaced-colon/unreadable-kept-verbatim.eml, on purpose
    mail = MailStore(desk.store)
    names = {a.filename for case_id in summary["new_case_ids"] for a in mail.attachments(case_id)}
    assert "unreadable-body.txt" not in names
    assert {"angebot.pdf", "scan.log", "screen1.png", "vpn.txt", "ciële.txt"} <= names


@pytest.mark.parametrize("fold", ["\r\n ", "\r\n\t", " ", "\n\t"])
def test_a_huge_subject_is_cut_between_words_however_it_is_folded(fold: str):
    raw = (
        "From: a@example.com\r\nMessage-ID: <big@example.com>\r\n"
        f"Subject: {_encoded_subject(5_000, fold)}\r\n\r\nbody\r\n"
    ).encode()
    subject = parse(raw).subject
    assert subject == "äöü" * 166 + "ä…"  # SUBJECT_MAX characters, no half-decoded word


def test_every_class_message_has_its_expectation():
    """A message added to a class folder without an expected result would test nothing."""
    expectations = {
        "folded-boundary": FOLDED_BOUNDARY,
        "encoded-word-spaces": ENCODED_SUBJECTS,
        "raw-8bit-params": RAW_NAMES,
        "addresses": ADDRESSES,
        "quotes": QUOTE_STARTS,
        "spaced-colon": {**SPACED, "unreadable-kept-verbatim.eml": None},
    }
    assert {p.name for p in CLASSES.iterdir()} == set(expectations)
    for folder, expected in expectations.items():
        assert {p.name for p in (CLASSES / folder).iterdir()} == set(expected), folder


def test_a_spaced_from_header_inside_an_mbox_does_not_split_its_message(cli, tmp_path: Path):
    box = tmp_path / "archive"
    box.write_bytes(
        b"From bob@example.com Mon Nov 23 09:00:00 2026\n"
        + (CLASSES / "spaced-colon" / "from-first-line.eml").read_bytes()
        + b"\nFrom ole@example.no Mon Nov 23 10:00:00 2026\n"
        + (CLASSES / "spaced-colon" / "later-lines.eml").read_bytes()
        + b"\nFrom mia@example.org Mon Nov 23 11:00:00 2026\n"
        + (CLASSES / "spaced-colon" / "tab-and-subject.eml").read_bytes().replace(b"\r\n", b"\n")
    )
    assert sources.detect(box) == "mbox"
    summary = json.loads(cli("import", "--json", box).stdout)
    assert (summary["total"], summary["new_case"], summary["quarantined"]) == (3, 3, 0)
