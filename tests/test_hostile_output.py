"""The human read output as a user sees it, on a store whose customer text is hostile: Rich
markup, terminal escapes (OSC 52 writes the clipboard, CSI 2J clears the screen), bidi
overrides, zero-width and combining marks, NUL bytes, invalid UTF-8 and a 10 MB body.

`list`, `show`, `search` and `customer show`, piped at 80 and 200 columns and in a real
terminal (tmux): nothing is interpreted (markup stays text, no escape reaches the terminal),
nothing is lost from the store (JSON gives back every character), and no traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from email.header import Header
from pathlib import Path

import pytest

MARKUP = "[bold red]x[/] [link=https://evil.example]click[/link]"
ESCAPES = "\x1b]52;c;ZXZpbA==\x07 \x1b[2J \x1b]2;pwned\x07"
INVISIBLE = "\u202eevil\u202c z\u200bw"
COMBINING = "e\u0301\u0301\u0301"
HOSTILE = f"{MARKUP} {ESCAPES} {INVISIBLE} {COMBINING}"
NAME = f"Eve {HOSTILE}"
TITLE = f"Printer {HOSTILE}"
BIG = 10_000_000
NUL_BODY = b"NUL \x00 bad \xc3\x28 utf8 " + HOSTILE.encode() + b"\r\n"

# What no read verb may write raw: ESC, BEL, NUL, C1 controls, bidi overrides and isolates,
# zero-width space, direction marks, BOM. (ZWJ and ZWNJ are kept: emoji and Persian need them.)
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\ufeff]")


def _mail(name: str, subject: str, body: bytes, message_id: str) -> bytes:
    head = (
        f"From: {Header(name, 'utf-8').encode()} <mal@example.com>\r\n"
        f"To: help@example.com\r\nSubject: {Header(subject, 'utf-8').encode()}\r\n"
        f"Message-ID: <{message_id}@example.com>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode() + body


@pytest.fixture
def hostile(cli, tmp_path) -> Path:
    """#1 typed in (hostile name, title, body); #2 by mail with a NUL, invalid UTF-8 and raw
    escapes in its body; #3 by mail with a 10 MB body. Returns where the store is."""
    done = cli(
        "new", "--customer", f"{NAME} <eve@example.com>", "--title", TITLE, "--body", HOSTILE
    )
    assert done.exit_code == 0, done.stderr
    (tmp_path / "nul.eml").write_bytes(_mail(f"Mal {HOSTILE}", TITLE, NUL_BODY, "nul"))
    big = HOSTILE.encode() + b"\n" + b"printer paper jam " * (BIG // 18)
    (tmp_path / "big.eml").write_bytes(_mail("Big Body", "big one", big, "big"))
    for mail in ("nul.eml", "big.eml"):
        taken = cli("import", str(tmp_path / mail))
        assert taken.exit_code == 0 and "1 new case" in taken.stderr, taken.stderr
    return tmp_path


VERBS = [
    ["list"],
    ["show", "1"],
    ["show", "2"],
    ["show", "3"],
    ["search", "evil"],
    ["search", "printer"],
    ["customer", "show", "1"],
    ["customer", "show", "2"],
]


@pytest.mark.parametrize("columns", ["80", "200"])
@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_piped_read_output_interprets_nothing(hostile, cli, monkeypatch, verb, columns):
    monkeypatch.setenv("COLUMNS", columns)
    result = cli(*verb)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stderr == ""
    assert RAW.findall(result.stdout) == []
    assert result.stdout.strip()
    if verb[0] == "show" or columns == "200":
        assert "[bold red]x[/]" in result.stdout  # markup shown as the customer wrote it
    if verb == ["show", "3"]:  # the 10 MB body: a part, and where the rest is
        assert len(result.stdout) < 1_000_000 and "the message is kept whole" in result.stdout


def test_nothing_is_lost_from_the_store(hostile, cli):
    typed = json.loads(cli("show", "1", "--json").stdout)
    assert typed["title"] == TITLE and typed["customer"]["name"] == NAME
    assert typed["body"] == HOSTILE
    mailed = json.loads(cli("show", "2", "--json").stdout)
    assert mailed["title"] == TITLE and mailed["customer"]["name"] == f"Mal {HOSTILE}"
    # A body declared UTF-8 with one bad byte is read as Latin-1 whole: every byte is kept, as
    # another character (the NUL as U+FFFD).
    kept = mailed["body"].replace("\ufffd", "\x00").encode("latin-1")
    assert kept == NUL_BODY.replace(b"\r\n", b"\n")
    customer = json.loads(cli("customer", "show", "1", "--json").stdout)
    assert customer["name"] == NAME
    found = json.loads(cli("search", "evil", "--json").stdout)
    assert {hit["id"] for hit in found} >= {1, 2}


def test_list_at_80_columns_keeps_each_case_id(hostile, cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    shown = cli("list").stdout
    for case_id in (1, 2, 3):
        assert f"#{case_id}" in shown, shown


def _tmux_run(tmux: str, socket: str, *args: str) -> str:
    return subprocess.run(
        [tmux, "-L", socket, *args], check=True, capture_output=True, text=True, timeout=10
    ).stdout


@pytest.mark.parametrize("columns", [80, 200])
def test_in_a_terminal_no_escape_reaches_it(hostile, require_tool, db_path, tmp_path, columns):
    """In tmux with the clipboard open to programs (set-clipboard on): no OSC 52 makes a paste
    buffer and no OSC 2 renames the pane (both checked to fire with a raw printf), what was on
    screen before is still there, and the markup is shown as written."""
    tmux = require_tool("tmux")
    casedesk = str(Path(sys.executable).with_name("casedesk"))
    socket = f"casedesk-hostile-{uuid.uuid4().hex[:10]}"
    env = [f"CASEDESK_DB={db_path}", "TERM=xterm-256color", "CASEDESK_AGENT=ann"]
    script = "; ".join(
        ["echo BEFORE-ALL", *(f"{casedesk} {' '.join(verb)}" for verb in VERBS), "echo ALL-DONE"]
    )
    try:
        config = tmp_path / f"tmux-{columns}.conf"  # read before the pane is made
        config.write_text("set -g set-clipboard on\nset -g history-limit 100000\n")
        _tmux_run(tmux, socket, "-f", str(config), "new-session", "-d", "-x", str(columns),
                  "-y", "50", *[a for e in env for a in ("-e", e)], "sh")  # fmt: skip
        _tmux_run(tmux, socket, "select-pane", "-T", "before")
        _tmux_run(tmux, socket, "send-keys", "-l", script + "\n")
        deadline, screen = time.monotonic() + 120, ""
        while time.monotonic() < deadline:
            screen = _tmux_run(tmux, socket, "capture-pane", "-p", "-S", "-", "-J")
            if "\nALL-DONE" in screen:
                break
            time.sleep(0.2)
        assert "\nALL-DONE" in screen, screen[-3000:]
        assert "\nBEFORE-ALL" in screen  # nothing cleared the screen or its history
        assert "Traceback" not in screen
        assert _tmux_run(tmux, socket, "list-buffers") == ""  # no OSC 52 reached the clipboard
        assert _tmux_run(tmux, socket, "display", "-p", "#{pane_title}").strip() == "before"
        if columns == 200:
            assert "[bold red]x[/]" in screen and "[link=https://evil.example]" in screen
    finally:
        subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True)
