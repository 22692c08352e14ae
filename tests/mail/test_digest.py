"""casedesk digest: each agent's overdue customers by mail, through a real SMTP server."""

from __future__ import annotations

import email
import json
import re
import shlex
from email.policy import default

import pytest
from test_send import smtp_config

from casedesk.desk.desk import Desk

pytestmark = pytest.mark.both_engines


def agents_config(port: int, agents: str, mail: str = "") -> str:
    """config.toml with an SMTP server, [agents], and `mail` added to the [mail] table."""
    return smtp_config(port).replace("[smtp]", f"{mail}[smtp]", 1) + f"[agents]\n{agents}\n"


def received(smtp) -> dict[str, email.message.EmailMessage]:
    """The mails the server took, by recipient."""
    mails = {}
    for _, rcpts, raw in smtp.capture.received:
        for rcpt in rcpts:
            mails[rcpt] = email.message_from_bytes(raw, policy=default)
    return mails


def overdue_desk(desk: Desk, clock) -> dict[str, int]:
    ids = {
        "ann-old": desk.new_case("Olu Smith <olu@example.com>", "VPN drops", owner="ann").id,
        "bob": desk.new_case("Zoe Ek <zoe@example.com>", "Scanner", owner="bob").id,
        "nobody": desk.new_case("Kim Lee <kim@example.com>", "Mail full").id,
        "carol": desk.new_case("Ida Berg <ida@example.com>", "Printer", owner="carol").id,
    }
    clock.advance(hours=2)
    ids["ann-new"] = desk.new_case("Al Roy <al@example.com>", "New laptop", owner="ann").id
    desk.tell(ids["ann-new"], "Ordering it today.")
    ids["ann-fine"] = desk.new_case("Bo Ng <bo@example.com>", "Fine", owner="ann").id
    clock.advance(days=8)
    desk.tell(ids["ann-fine"], "All good so far.")  # told just now: not overdue
    return ids


def test_digest_mails_each_agent_their_overdue_cases_most_overdue_first(
    desk: Desk, clock, config, smtp, cli
):
    config(agents_config(smtp.port, 'ann = "ann@shop.example"\nbob = "Bob <bob@shop.example>"'))
    ids = overdue_desk(desk, clock)

    result = cli("digest")

    assert result.exit_code == 0, result.stderr
    mails = received(smtp)
    assert set(mails) == {"ann@shop.example", "bob@shop.example"}
    ann = mails["ann@shop.example"]
    assert ann["Auto-Submitted"] == "auto-generated"
    assert ann["Subject"] == "casedesk: 3 customers are overdue for an update"
    body = ann.get_content()
    order = [body.index(f"[#{ids[key]}]") for key in ("ann-old", "nobody", "ann-new")]
    assert order == sorted(order)  # most overdue first; the unassigned one goes to everyone
    assert f"[#{ids['ann-fine']}]" not in body and f"[#{ids['bob']}]" not in body
    assert "last heard: nothing yet" in body
    assert "Ordering it today." in body  # what the customer last heard
    assert f"[#{ids['nobody']}]" in mails["bob@shop.example"].get_content()
    assert "carol has overdue cases but no address" in result.stderr


def test_unassigned_go_only_to_triage_when_set(desk: Desk, clock, config, smtp, cli):
    config(agents_config(smtp.port, 'ann = "ann@shop.example"', 'triage = "triage@shop.example"\n'))
    ids = overdue_desk(desk, clock)
    assert cli("digest").exit_code == 0
    mails = received(smtp)
    assert f"[#{ids['nobody']}]" not in mails["ann@shop.example"].get_content()
    triage = mails["triage@shop.example"].get_content()
    assert f"[#{ids['nobody']}]" in triage and f"[#{ids['ann-old']}]" not in triage


def test_nobody_gets_mail_when_nothing_is_overdue(desk: Desk, config, smtp, cli):
    config(agents_config(smtp.port, 'ann = "ann@shop.example"'))
    desk.new_case("Olu Smith <olu@example.com>", "VPN drops", owner="ann")
    result = cli("digest", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["digests"] == []
    assert smtp.capture.received == []


def test_dry_run_prints_and_sends_nothing(desk: Desk, clock, config, smtp, cli):
    config(agents_config(smtp.port, 'ann = "ann@shop.example"'))
    overdue_desk(desk, clock)
    result = cli("digest", "--dry-run")
    assert result.exit_code == 0
    assert "To: ann@shop.example" in result.stdout and "VPN drops" in result.stdout
    assert smtp.capture.received == []


def test_a_bad_agent_address_is_one_clear_line(config, smtp, cli):
    config(agents_config(smtp.port, 'ann = "not an address"'))
    result = cli("digest")
    assert result.exit_code == 1
    assert "[agents] ann must be a mail address" in result.stderr


def test_the_digest_hints_carry_the_store_and_name_their_reader(
    desk: Desk, clock, config, smtp, cli, db_path, monkeypatch
):
    """A digest run from cron with --db and --as tells each reader a command that opens that
    store as themselves: never the agent who ran it, and nobody's name to the triage address."""
    config(agents_config(smtp.port, 'ann = "ann@shop.example"', 'triage = "t@shop.example"\n'))
    ids = overdue_desk(desk, clock)
    monkeypatch.delenv("CASEDESK_DB")  # the reader's shell does not know the store
    store = str(db_path.url if hasattr(db_path, "url") else db_path)
    assert cli("--db", store, "--as", "cron", "digest").exit_code == 0

    mails = received(smtp)
    quoted = shlex.quote(store)
    ann, triage = mails["ann@shop.example"].get_content(), mails["t@shop.example"].get_content()
    assert f"`casedesk --db {quoted} --as ann` (the catch-up round: T)" in ann
    assert "cron" not in ann and "cron" not in triage
    assert f"`casedesk --db {quoted}` (the catch-up round: T)" in triage
    hint = re.search(r"or `(casedesk [^`]*show ID)`", ann)
    assert hint, ann
    words = shlex.split(hint.group(1).replace("ID", str(ids["ann-old"])))
    assert words[:5] == ["casedesk", "--db", store, "--as", "ann"]
    shown = cli(*words[1:], "--json")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["title"] == "VPN drops"
