"""`casedesk --db PATH --as NAME VERB …`: the options before the verb apply to every verb, the nag
and the console; they were silently ignored (issue 11, defect 2)."""

from __future__ import annotations

import json
import shlex

import pytest

from casedesk.entry import root_options
from casedesk.store import Store


def _titles_and_actors(path):
    with Store.open(path) as store:
        titles = [row.case.title for row in store.list_cases(statuses=None, limit=None)]
        actors = [row["actor"] for row in store.events_rows()]
    return titles, actors


def test_db_and_as_before_the_verb_are_honoured(cli, db_path, tmp_path):
    other = tmp_path / "other.db"
    made = cli("--db", str(other), "--as", "mallory", "new", "--customer", "a@x.example",
               "--title", "elsewhere")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert cli(f"--db={other}", "--as=mallory", "note", "1", "hi").exit_code == 0
    assert _titles_and_actors(other) == (["elsewhere"], ["mallory", "mallory"])
    assert not db_path.exists()  # the default store ($CASEDESK_DB) was not touched


def test_db_before_the_verb_reaches_groups_the_nag_and_reads(cli, db_path, tmp_path, clock):
    other = tmp_path / "other.db"
    cli("--db", str(other), "new", "--customer", "a@x.example", "--title", "t", "--owner", "bob")
    assert cli("--db", str(other), "problem", "new", "Mail down").exit_code == 0
    listed = json.loads(cli("--db", str(other), "list", "--json").stdout)
    assert [row["title"] for row in listed] == ["t"]
    clock.advance(days=3)
    nag = cli("--db", str(other), "--as", "bob", "nag")
    assert "#1" in nag.stdout and nag.exit_code == 0
    assert cli("--as", "carol", "--db", str(other), "nag").stdout == ""  # not carol's case
    assert not db_path.exists()


def test_the_same_option_before_and_after_the_verb_must_agree(cli, tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    Store.open(one).close()
    clash = cli("--db", str(one), "list", "--db", str(two))
    assert clash.exit_code == 1 and "two stores given" in clash.stderr
    assert cli("--db", str(one), "list", "--db", str(one)).exit_code == 0
    clash = cli("--as", "bob", "note", "1", "x", "--as", "eve")
    assert clash.exit_code == 1 and "two agents given" in clash.stderr
    assert not two.exists()


@pytest.mark.parametrize(
    ("args", "error"),
    [(["--db"], "--db needs a value"), (["--as", "a", "--as", "b", "list"], "--as is given twice")],
)
def test_a_root_option_without_its_value_is_one_line(cli, args, error):
    result = cli(*args)
    assert result.exit_code == 2 and error in result.stderr
    assert "Traceback" not in result.stderr


def test_root_options_stop_at_the_verb():
    assert root_options(["--db", "x.db", "--as=bob", "show", "--db", "y"]) == (
        {"db": "x.db", "as": "bob"},
        ["show", "--db", "y"],
    )
    assert root_options(["--help"]) == ({}, ["--help"])
    assert root_options([]) == ({}, [])


def test_the_import_hint_works_as_printed(cli, tmp_path):
    cli("new", "--customer", "a@x.example", "--title", "t")
    dump = tmp_path / "dump.jsonl"
    assert cli("export", str(dump)).exit_code == 0
    refused = cli("import", "--format", "jsonl", str(dump))
    hint = refused.stderr.split("(", 1)[1].rsplit(")", 1)[0]
    assert hint.startswith("casedesk --db NEW.db import")
    fresh = tmp_path / "NEW.db"
    words = shlex.split(hint.replace("NEW.db", str(fresh)).replace("FILE", str(dump)))
    done = cli(*words[1:])
    assert done.exit_code == 0, done.stderr
    assert _titles_and_actors(fresh)[0] == ["t"]
