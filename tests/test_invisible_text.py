"""Invisible and control characters in customer text reach no terminal raw (issue 11).

"invoice\u202efdp.exe" displays as "invoiceexe.pdf" when U+202E (right-to-left override) is
sent raw; zero-width and isolate characters hide or reorder words; C1 controls (0x80-0x9f) are
terminal commands. Every surface shows them as visible escapes, and JSON carries them as
JSON escapes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from casedesk.core.safetext import json_text, one_line, printable
from casedesk.desk.desk import Desk
from casedesk.mail.intake import take_in

sys.path.insert(0, str(Path(__file__).resolve().parent / "mail"))
from mail_helpers import RLO, SETTINGS, make_mail, raw_invisible


@pytest.fixture
def tricky(desk: Desk, clock) -> int:
    """A case whose customer, title, body, note and attachment name all carry the characters."""
    raw = make_mail(
        subject=f"Pay invoice{RLO}fdp.exe now\u200b",
        body=f"Open invoice{RLO}fdp.exe \u2066hidden\u2069 \x85next\x9b31m",
        sender=f"Eve{RLO}live <eve@example.org>",
        attachments=[(f"invoice{RLO}fdp.exe", "application/octet-stream", b"MZ")],
    )
    taken = take_in(desk, raw, "test", SETTINGS)
    desk.note(taken.case_id, f"checked\u200e \u200fthe \ufefffile{RLO}")
    clock.advance(days=3)  # overdue: the nag lists it
    return taken.case_id


def test_printable_shows_bidi_and_zero_width_characters_as_escapes():
    assert printable(f"invoice{RLO}fdp.exe") == "invoice\\u202efdp.exe"
    assert one_line("a\u200bb\u2066c\u2069\ufeff") == "a\\u200bb\\u2066c\\u2069\\ufeff"
    assert printable("\x85\x9b") == "\\x85\\x9b"
    assert printable("emoji 👨\u200d👩 and نمی\u200cخواهم") == "emoji 👨\u200d👩 and نمی\u200cخواهم"


def test_json_escapes_c1_and_invisible_characters_losslessly():
    value = {"t": f"a\x85b\x9bc{RLO}d\u200be", "ü": "ü"}
    text = json_text(value)
    assert raw_invisible(text) == [] and "ü" in text
    assert json.loads(text) == value


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("list", "--json"),
        ("show", "1"),
        ("show", "1", "--json"),
        ("search", "invoice"),
        ("search", "invoice", "--json"),
        ("attachments", "1"),
        ("customer", "show", "eve@example.org"),
        ("export",),
    ],
    ids=lambda a: " ".join(a),
)
def test_cli_output_carries_no_raw_invisible_or_control_character(tricky, cli, args):
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert raw_invisible(result.stdout) == [] and raw_invisible(result.stderr) == []
    assert "202e" in result.stdout.lower()


@pytest.mark.parametrize("args", [(), ("--json",)], ids=["text", "json"])
def test_nag_carries_no_raw_invisible_or_control_character(tricky, db_path, args):
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "casedesk", "nag", "--all", "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Eve\\u202elive" in done.stdout
    assert raw_invisible(done.stdout) == []
