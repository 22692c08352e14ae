"""The systemd units and cron lines in docs/mail.md are real: they parse and name real options."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "mail.md"


def blocks(marker: str) -> list[tuple[str, str]]:
    """(name, text) of each fenced block that follows `<!-- MARKER[: name] -->` in the doc."""
    pattern = rf"<!-- {marker}(?:: (\S+))? -->\n```\w*\n(.*?)```"
    return re.findall(pattern, DOC.read_text(encoding="utf-8"), flags=re.S)


UNITS = blocks("unit")
CRON = [line for _, text in blocks("cron") for line in text.splitlines() if line.strip()]


def test_the_doc_gives_units_and_cron_lines():
    assert {name for name, _ in UNITS} == {"casedesk-fetch.service", "casedesk-maildir.service"}
    assert len(CRON) == 3


@pytest.mark.parametrize(("name", "text"), UNITS, ids=[name for name, _ in UNITS])
def test_each_systemd_unit_verifies(name: str, text: str, tmp_path: Path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    casedesk = Path(sys.executable).with_name("casedesk")
    unit = tmp_path / name
    # %h is the user's home in a user unit; verify the system way, with the real binary.
    unit.write_text(text.replace("%h/.local/bin/casedesk", str(casedesk)).replace("%h", "/tmp"))
    done = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert name not in done.stderr, done.stderr  # no warnings about the unit itself


@pytest.mark.parametrize("line", CRON)
def test_each_cron_line_has_a_schedule_and_a_real_command(line: str):
    fields = line.split(None, 5)
    assert len(fields) == 6
    for field in fields[:5]:
        assert re.fullmatch(r"[\d*,/-]+", field), field
    words = shlex.split(fields[5])
    if words[0] == "timeout":
        words = words[2:]
    assert words[0] == "$HOME/.local/bin/casedesk"
    verb_and_options = [w for w in words[1:] if w.startswith("-") or w.isalpha()]
    done = subprocess.run(
        [sys.executable, "-m", "casedesk", *verb_and_options, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
