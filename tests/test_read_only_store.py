"""Verbs that only read work on a store the agent may only read (issue 11): a 0444 file, in a
folder they cannot write — as a real OS user, since root reads and writes anything."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from casedesk.desk.desk import Desk


@pytest.fixture
def read_only_store(two_users, clock):
    """A store with one case, 0444, in a 0555 folder the test users can reach."""
    base = Path(tempfile.mkdtemp(prefix="casedesk-ro-", dir="/tmp"))
    base.chmod(0o755)
    folder = base / "team"
    folder.mkdir()
    path = folder / "casedesk.db"
    desk = Desk.open(path, "ann")
    desk.now = clock
    desk.new_case("Bea <bea@example.org>", "Printer offline", "since Monday", owner="ann")
    desk.close()
    clock.advance(days=3)  # overdue by now: the nag lists it
    path.chmod(0o444)
    folder.chmod(0o555)
    yield path, two_users[1][0]
    folder.chmod(0o755)
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("list", "--json"), "Printer offline"),
        (("show", "1"), "Printer offline"),
        (("search", "printer"), "#1"),
        (("customer", "show", "bea@example.org"), "Printer offline"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_a_read_only_store_can_still_be_read(read_only_store, cli_as, args, expected):
    path, user = read_only_store
    result = cli_as(user, *args, "--db", str(path))
    assert result.exit_code == 0, result.stderr
    assert expected in result.stdout
    assert sorted(p.name for p in path.parent.iterdir()) == ["casedesk.db"]


def test_the_nag_reads_a_read_only_store(read_only_store, cli_as):
    path, user = read_only_store
    result = cli_as(user, "nag", "--all", "--json", "--db", str(path))
    assert result.exit_code == 0, result.stderr
    assert [case["id"] for case in json.loads(result.stdout)] == [1]


def test_writing_to_a_read_only_store_says_it_is_read_only(read_only_store, cli_as):
    path, user = read_only_store
    result = cli_as(user, "note", "1", "hello", "--db", str(path))
    assert result.exit_code == 1
    assert f"you cannot write to {path}" in result.stderr
    assert "Traceback" not in result.stderr
