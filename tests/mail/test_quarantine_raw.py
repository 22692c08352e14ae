"""`quarantine show --raw` gives the exact bytes to a file or a pipe, but never sends a
quarantined message's control characters raw to a terminal, where they could retitle, clear or
reprogram it."""

from __future__ import annotations

import os
import subprocess
import sys

from casedesk.desk.desk import Desk
from casedesk.mail.intake import Outcome, take_in
from casedesk.mail.settings import load_mail_settings
from terminal import on_a_terminal

# No From: quarantined. OSC retitles the terminal, CSI 2J clears it, \xff is no UTF-8.
HOSTILE = b"Subject: \x1b]0;pwned\x07hi\nMessage-ID: <q@x>\n\n\x1b[2Jgone \xff\x9b31m\r\nend\n"


def _quarantined(desk: Desk) -> str:
    taken = take_in(desk, HOSTILE, "inbox#1", load_mail_settings())
    assert taken.outcome is Outcome.QUARANTINED
    return "1"


def _show_raw(db_path, on_tty: bool) -> tuple[bytes, bytes]:
    env = {**os.environ, "CASEDESK_DB": str(db_path)}
    command = [sys.executable, "-m", "casedesk", "quarantine", "show", "1", "--raw"]
    if not on_tty:
        done = subprocess.run(command, capture_output=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout, done.stderr
    code, out, err = on_a_terminal(command[3:], env)
    assert code == 0, err
    return out, err


def test_raw_to_a_pipe_is_the_exact_bytes(desk: Desk, db_path):
    _quarantined(desk)
    out, err = _show_raw(db_path, on_tty=False)
    assert out == HOSTILE
    assert err == b""


def test_raw_on_a_terminal_escapes_control_characters(desk: Desk, db_path):
    _quarantined(desk)
    out, err = _show_raw(db_path, on_tty=True)
    assert b"\x1b" not in out and b"\x07" not in out and b"\x9b" not in out
    shown = out.decode("utf-8")
    assert "\\x1b]0;pwned\\x07hi" in shown and "\\x1b[2Jgone \\xff\\x9b31m" in shown
    assert "Message-ID: <q@x>" in shown
    assert b"control characters shown escaped" in err and b"--raw > message.eml" in err
