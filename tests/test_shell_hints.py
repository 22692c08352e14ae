"""Commands casedesk prints for the user to paste quote customer text for the shell: pasting one
never runs what a customer wrote (issue 11, defect 8)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

HOSTILE = [
    "printer broken $(touch {marker})",
    "printer `touch {marker}` broken",
    "printer broken'; touch {marker}; echo '",
    'printer "broken" && touch {marker}',
]


def _run_in_a_shell(command: str, tmp_path: Path) -> list[str]:
    """What a real shell passes to `casedesk` when the printed command is pasted into it."""
    shell = shutil.which("sh")
    assert shell
    echo = tmp_path / "bin" / "casedesk"
    echo.parent.mkdir(exist_ok=True)
    echo.write_text('#!/bin/sh\nfor a in "$@"; do printf \'%s\\0\' "$a"; done\n')
    echo.chmod(0o755)
    out = subprocess.run(
        [shell, "-c", command],
        capture_output=True,
        text=True,
        env={"PATH": f"{echo.parent}:/usr/bin:/bin"},
        timeout=10,
        check=True,
    )
    return out.stdout.split("\0")[:-1]


@pytest.mark.parametrize("title", HOSTILE)
def test_the_make_a_problem_hint_never_runs_the_title(cli, tmp_path, title):
    marker = tmp_path / "ran"
    title = title.format(marker=marker)
    cli("new", "--customer", "a@example.com", "--title", title)
    result = cli("new", "--customer", "b@example.com", "--title", title)
    hint = re.search(
        r"make them one problem: (casedesk problem new .*), then casedesk", result.stderr
    )
    assert hint, result.stderr
    assert _run_in_a_shell(hint.group(1), tmp_path) == ["problem", "new", title]
    assert not marker.exists()


def test_init_shared_prints_a_paste_safe_export_line(cli, tmp_path):
    import os
    import uuid

    if os.geteuid() != 0:
        pytest.skip("creating groups needs root")
    group = f"cd{uuid.uuid4().hex[:8]}"
    assert os.system(f"groupadd {group}") == 0
    try:
        marker = tmp_path / "ran"
        folder = tmp_path / f"team $(touch {marker}) 'x'"
        result = cli("init", "--shared", str(folder), "--group", group)
        assert result.exit_code == 0, result.stderr
    finally:
        os.system(f"groupdel {group} 2>/dev/null")
    line = next(s.strip() for s in result.stderr.splitlines() if "export CASEDESK_DB=" in s)
    shell = subprocess.run(
        ["sh", "-c", f'{line}; printf %s "$CASEDESK_DB"'], capture_output=True, text=True
    )
    assert shell.stdout == str(folder / "casedesk.db")
    assert not marker.exists()
    toml_line = next(
        s.strip() for s in result.stderr.splitlines() if s.strip().startswith("path =")
    )
    import tomllib

    assert tomllib.loads(toml_line.strip())["path"] == str(folder / "casedesk.db")


def _hint_words(text: str, start: str, tmp_path: Path) -> list[str]:
    """The words a shell passes on for the command in `text` that starts with `start`, up to
    the closing backtick, the end of the line, or ", then"."""
    command = re.search(rf"({re.escape(start)}.*?)(?:`|, then|$)", text, re.M)
    assert command, text
    return _run_in_a_shell(command.group(1), tmp_path)


def test_hints_after_root_db_and_as_carry_them_quoted(cli, tmp_path):
    marker = tmp_path / "ran"
    store = str(tmp_path / f"team $(touch {marker}) 'x'" / "casedesk.db")
    given = ["--db", store, "--as", "bob"]
    title = "scanner jams"
    assert cli(*given, "new", "--customer", "a@example.com", "--title", title).exit_code == 0
    second = cli(*given, "new", "--customer", "b@example.com", "--title", title)
    words = _hint_words(second.stderr, "casedesk --db", tmp_path)
    assert words == [*given, "problem", "new", title]  # was: `casedesk problem new` alone
    resolved = cli(*given, "resolve", "1", "--summary", "Cleaned")
    assert _hint_words(resolved.stderr, "casedesk --db", tmp_path) == [*given, "tell", "1", "…"]
    assert not marker.exists()


def test_hints_after_a_verbs_own_db_option_carry_it(cli, tmp_path):
    store = str(tmp_path / "other store.db")
    cli("new", "--customer", "a@example.com", "--title", "t", "--db", store)
    resolved = cli("resolve", "1", "--summary", "done", "--db", store)
    assert _hint_words(resolved.stderr, "casedesk --db", tmp_path) == [
        "--db",
        store,
        "tell",
        "1",
        "…",
    ]


def test_the_no_store_hint_names_the_store_given(cli, tmp_path):
    missing = str(tmp_path / "no such" / "casedesk.db")
    result = cli("--db", missing, "list")
    assert result.exit_code == 1
    assert _hint_words(result.stderr, "casedesk --db", tmp_path) == ["--db", missing, "new"]


def test_hints_without_db_or_as_stay_short(cli):
    cli("new", "--customer", "a@example.com", "--title", "t")
    assert "(`casedesk tell 1 …`)" in cli("resolve", "1", "--summary", "done").stderr
