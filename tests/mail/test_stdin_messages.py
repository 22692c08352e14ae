"""`casedesk import -` with messages simply written one after another (`cat *.eml |`), no mbox
"From " separators: refused in one line with nothing taken in, instead of stored as one case
whose text hides the others. Mail that merely contains a message (attached, forwarded inline)
is still one message."""

from __future__ import annotations

import io
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from mail_helpers import make_mail

from casedesk.mail.sources import second_message_line


def _pipe(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_two_plain_messages_on_stdin_are_refused_in_one_line(cli, monkeypatch, newline):
    first = make_mail(subject="First", message_id="<a@x>").replace(b"\n", newline)
    second = make_mail(subject="Second", message_id="<b@x>").replace(b"\n", newline)
    _pipe(monkeypatch, first + second)
    result = cli("import", "-")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    line = len(first.splitlines()) + 1
    assert "stdin holds several messages one after another" in result.stderr
    assert f"the second begins at line {line}" in result.stderr
    assert "--format eml takes stdin as one message" in result.stderr
    assert cli("list", "--all").stdout.count("First") == 0  # nothing taken in


def test_format_eml_takes_them_as_one_message_when_asked(cli, monkeypatch):
    _pipe(monkeypatch, make_mail(subject="First") + make_mail(subject="Second"))
    result = cli("import", "--format", "eml", "-")
    assert result.exit_code == 0, result.stderr
    assert "1 new case" in result.stderr


def _attached(inner: bytes) -> bytes:
    outer = EmailMessage()
    outer["From"] = "Ann <ann@example.com>"
    outer["To"] = "help@example.com"
    outer["Subject"] = "Fwd: the mail I got"
    outer["Message-ID"] = "<outer@x>"
    outer.set_content("See the attached mail.")
    outer.add_attachment(inner, maintype="message", subtype="rfc822")
    return outer.as_bytes()


INLINE_FORWARD = make_mail(
    subject="Fwd: invoice",
    body="Look at this:\n\n---------- Forwarded message ---------\nFrom: Shop <s@shop.example>\n"
    "Date: Mon, 2 Nov 2026 10:00:00 +0000\nSubject: invoice\nTo: <ann@example.com>\n\n"
    "Your invoice is attached.\n",
)


@pytest.mark.parametrize(
    "one",
    [_attached(make_mail(message_id="<inner@x>")), INLINE_FORWARD],
    ids=["attached message/rfc822", "forwarded inline"],
)
def test_one_message_that_contains_a_message_is_taken_in(cli, monkeypatch, one):
    assert second_message_line(one) is None
    _pipe(monkeypatch, one)
    result = cli("import", "-")
    assert result.exit_code == 0, result.stderr
    assert "1 new case" in result.stderr


def test_real_mail_alone_is_one_message_and_any_two_together_are_seen(real_mail: Path):
    files = sorted(real_mail.glob("*.eml"))
    assert len(files) >= 20
    for one in files:
        assert second_message_line(one.read_bytes()) is None, one.name
    for first in files:
        for second in files:
            together = first.read_bytes() + second.read_bytes()
            assert second_message_line(together), (first.name, second.name)


def test_an_mbox_on_stdin_is_still_split(cli, monkeypatch):
    mbox = b"".join(
        b"From bob@example.com Mon Nov  2 10:00:00 2026\n"
        + make_mail(message_id=f"<{n}@x>")
        + b"\n"
        for n in (1, 2)
    )
    _pipe(monkeypatch, mbox)
    result = cli("import", "-")
    assert result.exit_code == 0, result.stderr
    assert "2 messages" in result.stderr
