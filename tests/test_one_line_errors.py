"""Odd input gives one clear line and exit 1, never a traceback (issue 11, defect 10)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from casedesk.store import Store
from casedesk.store.shared import init_shared

HUGE = "9223372036854775808"  # one more than SQLite's largest integer


def _one_line(result, *words: str) -> None:
    assert result.exit_code == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casedesk: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["show", HUGE],
        ["note", HUGE, "hi"],
        ["assign", HUGE, "bob"],
        ["list", "--limit", HUGE],
        ["search", "printer", "--limit", HUGE],
    ],
)
def test_a_number_too_large_for_the_store_is_one_line(cli, args):
    cli("new", "--customer", "a@example.com", "--title", "printer")
    _one_line(cli(*args), "too large")


def test_attachments_saved_where_no_folder_can_be_made_is_one_line(cli):
    cli("new", "--customer", "a@example.com", "--title", "t")
    _one_line(cli("attachments", "1", "--save", "/proc/nope"), "/proc/nope")


@pytest.mark.parametrize("verb", ["backup", "export"])
def test_a_copy_where_files_cannot_be_made_is_one_line(cli, verb, tmp_path):
    cli("new", "--customer", "a@example.com", "--title", "t")
    _one_line(cli(verb, "/proc/x.db"), "/proc/x.db")
    _one_line(cli(verb, str(tmp_path / "no" / "such" / "x.db")), "does not exist")
    assert not (tmp_path / "no").exists()


@pytest.fixture
def shared_and_outsider(two_users):
    """A shared store for the first user's group, and a real user outside that group."""
    import os
    import uuid

    group, (member, _) = two_users
    outsider, other_group = f"cdo{uuid.uuid4().hex[:6]}", f"cdx{uuid.uuid4().hex[:6]}"
    assert os.system(f"groupadd {other_group}") == 0
    assert os.system(f"useradd -M -N -g {other_group} -s /usr/sbin/nologin {outsider}") == 0
    base = Path(tempfile.mkdtemp(prefix="casedesk-outsider-", dir="/tmp"))
    base.chmod(0o755)
    path = init_shared(base / "team", group)
    (path.parent / "policy.toml").write_text("")
    (path.parent / "policy.toml").chmod(0o660)
    writable = base / "out"
    writable.mkdir()
    writable.chmod(0o1777)
    yield path, group, member, outsider, writable
    shutil.rmtree(base, ignore_errors=True)
    os.system(f"userdel {outsider} 2>/dev/null")
    os.system(f"groupdel {other_group} 2>/dev/null")


def test_an_outsider_is_told_to_ask_to_be_added(shared_and_outsider, cli_as):
    path, group, _, outsider, _ = shared_and_outsider
    for verb in (["list"], ["new", "--customer", "a@example.com", "--title", "t"], ["nag"]):
        result = cli_as(outsider, "--db", str(path), *verb)
        _one_line(result, "ask to be added", f"group {group}")


def test_a_member_copying_where_they_cannot_write_is_one_line(shared_and_outsider, cli_as):
    path, _, member, _, writable = shared_and_outsider
    closed = writable / "closed"
    closed.mkdir()
    closed.chmod(0o755)  # root's: the member cannot write in it
    for verb in ("backup", "export"):
        _one_line(cli_as(member, "--db", str(path), verb, str(closed / "x")), "Permission denied")
    assert list(closed.iterdir()) == []


def _export(cli, tmp_path) -> list[str]:
    cli("new", "--customer", "a@example.com", "--title", "t")
    cli("note", "1", "hi")
    dump = tmp_path / "dump.jsonl"
    assert cli("export", str(dump)).exit_code == 0
    return dump.read_text().splitlines()


def _event(lines: list[str], **changes) -> str:
    item = json.loads(lines[-1])
    item["row"].update({"id": 3, **changes})  # the export's last event is id 2
    for key, value in list(changes.items()):
        if value is _DROP:
            del item["row"][key]
    return json.dumps(item)


_DROP = object()
BAD_LINES = {
    "a bare number": lambda lines: "5",
    "a list": lambda lines: "[1]",
    "a string": lambda lines: '"hello"',
    "null": lambda lines: "null",
    "a string for the row": lambda lines: '{"table": "events", "row": "x"}',
    "no case_id": lambda lines: _event(lines, case_id=_DROP),
    "no kind": lambda lines: _event(lines, kind=_DROP),
    "an unknown kind": lambda lines: _event(lines, kind="explode"),
    "an unknown column": lambda lines: _event(lines, bogus=1),
    "an unknown table": lambda lines: '{"table": "nope", "row": {}}',
    "a bad time": lambda lines: _event(lines, at="yesterday"),
    "a number for a time": lambda lines: _event(lines, at=5),
    "a bad channel": lambda lines: _event(lines, channel="pigeon"),
    "data that is not JSON": lambda lines: _event(lines, data="{nope"),
    "data that is a list": lambda lines: _event(lines, data="[1]"),
    "a duplicate id": lambda lines: _event(lines, id=2),
    "a huge integer": lambda lines: _event(lines, case_id=2**70),
    "a dict for the text": lambda lines: _event(lines, text={"a": 1}),
    "no actor": lambda lines: _event(lines, actor=None),
    "a duplicate customer": lambda lines: lines[1],
    "a customer with an unknown column": lambda lines: json.dumps(
        {"table": "customers", "row": {"id": 9, "name": "b", "zzz": 1}}
    ),
}


@pytest.mark.parametrize("what", sorted(BAD_LINES))
def test_a_malformed_import_line_is_named_and_nothing_is_imported(cli, tmp_path, what):
    lines = _export(cli, tmp_path)
    bad_line = BAD_LINES[what](lines)
    source = tmp_path / "bad.jsonl"
    source.write_text("\n".join([*lines, bad_line]) + "\n")
    fresh = tmp_path / "fresh.db"
    result = cli("--db", str(fresh), "import", "--format", "jsonl", str(source))
    _one_line(result, f"line {len(lines) + 1}")
    with Store.open(fresh) as store:
        assert store.counts() == {"customers": 0, "cases": 0, "events": 0}
