"""Odd arguments get a clear answer and change nothing (issue 11, smaller defects)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from casedesk.core.errors import InvalidInput
from casedesk.core.wording import counted
from casedesk.mail.intake import Outcome, Summary, Taken


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("list", "--json"),
        ("show", "1"),
        ("search", "printer"),
        ("customer", "show", "1"),
        ("export",),
        ("check",),
        ("report",),
        ("backup", "copy.db"),
    ],
    ids=lambda a: " ".join(a),
)
def test_read_verbs_on_a_missing_store_say_so_and_create_nothing(cli, tmp_path, args):
    missing = tmp_path / "nowhere" / "deeper" / "casedesk.db"
    result = cli(*args, "--db", missing)
    assert result.exit_code == 1
    assert f"no store at {missing} (nothing was created)" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_nag_on_a_named_missing_store_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "nowhere" / "casedesk.db"
    done = subprocess.run(
        [sys.executable, "-m", "casedesk", "nag", "--db", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert f"no store at {missing}" in done.stderr
    assert not (tmp_path / "nowhere").exists()


def test_nag_stays_quiet_before_the_default_store_exists(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "casedesk", "nag"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert not Path(tmp_path / "xdg-data").exists()


@pytest.mark.parametrize("name", ["bob smith", "bob\x1b[31m", "bob\u202e", "  ", "a\tb"])
def test_assign_refuses_names_that_as_refuses(desk, cli, name):
    case = desk.new_case("Bea <bea@example.org>", "Printer", "offline")
    with pytest.raises(InvalidInput, match="not a usable agent name"):
        desk.assign(case.id, name)
    result = cli("assign", str(case.id), name)
    assert result.exit_code == 1 and "not a usable agent name" in result.stderr
    assert desk.store.case(case.id).owner is None
    created = cli("new", "--customer", "c@example.org", "--title", "t", "--owner", name)
    assert created.exit_code == 1 and "not a usable agent name" in created.stderr
    assert cli("assign", str(case.id), " bob ").exit_code == 0
    assert desk.store.case(case.id).owner == "bob"


def test_counts_are_singular_for_one():
    assert counted(1, "new case") == "1 new case"
    assert counted(0, "new case") == "0 new cases"
    assert counted(1, "auto-reply", "auto-replies") == "1 auto-reply"
    assert counted(2, "auto-reply", "auto-replies") == "2 auto-replies"
    summary = Summary()
    summary.add(Taken(Outcome.NEW_CASE, "x", 1))
    assert summary.line().startswith("1 message: 1 new case, 0 threaded, 0 duplicates, ")
