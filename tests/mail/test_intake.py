"""Taking mail in: cases, threads, customers, duplicates, automatic mail, quarantine, CLI."""

from __future__ import annotations

import io
import json
import mailbox
import sqlite3
import sys
from pathlib import Path

import pytest
from mail_helpers import T0, make_mail

from casedesk.core.model import EventKind, Status
from casedesk.desk.desk import Desk
from casedesk.mail.intake import Outcome, retry, take_in
from casedesk.mail.settings import MailSettings, load_mail_settings
from casedesk.store import Store, schema
from casedesk.store.mail import MailStore

pytestmark = pytest.mark.both_engines


@pytest.fixture
def settings() -> MailSettings:
    return load_mail_settings()


def test_first_mail_opens_a_case_for_the_sender(desk: Desk, settings):
    taken = take_in(desk, make_mail(), "t", settings)
    assert taken.outcome is Outcome.NEW_CASE
    row = desk.case_row(taken.case_id)
    assert row.case.title == "Printer is on fire"
    assert (row.customer.name, row.customer.email) == ("Bob Stone", "bob@example.com")
    assert row.case.status is Status.NEW
    created = desk.events(taken.case_id)[0]
    assert created.data["message_id"] == "<m1@example.com>"
    assert "printer is on fire" in created.text


def test_reply_by_reference_joins_the_case_and_a_reply_becomes_due(desk: Desk, settings, clock):
    first = take_in(desk, make_mail(), "t", settings)
    desk.tell(first.case_id, "We are on it")
    clock.advance(hours=1)
    reply = make_mail(
        subject="Re: Printer is on fire",
        body="Still burning.\n\nOn Mon, Help wrote:\n> We are on it\n",
        message_id="<m2@example.com>",
        in_reply_to="<m1@example.com>",
    )
    taken = take_in(desk, reply, "t", settings)
    assert (taken.outcome, taken.case_id) == (Outcome.THREADED, first.case_id)
    inbound = desk.events(first.case_id)[-1]
    assert inbound.kind is EventKind.INBOUND
    assert inbound.text[: inbound.data["quote_at"]].strip() == "Still burning."
    assert inbound.data["thread_via"] == "reference"
    assert desk.case_row(first.case_id).case.inbound_at == clock.now


def test_subject_tag_joins_the_case_and_customer_matches_case_insensitively(desk: Desk, settings):
    first = take_in(desk, make_mail(), "t", settings)
    other = make_mail(
        subject=f"More on it [#{first.case_id}]",
        sender="BOB STONE <BOB@EXAMPLE.COM>",
        message_id="<m3@example.com>",
    )
    assert take_in(desk, other, "t", settings).case_id == first.case_id
    new = take_in(
        desk,
        make_mail(subject="Other thing", message_id="<m4@x>", sender="bob@EXAMPLE.com"),
        "t",
        settings,
    )
    assert desk.case_row(new.case_id).customer.id == desk.case_row(first.case_id).customer.id


def test_custom_tag_prefix(desk: Desk, config):
    settings = config('[mail]\ntag_prefix = "ACME-"\n')
    first = take_in(desk, make_mail(), "t", settings)
    taken = take_in(
        desk, make_mail(subject=f"x [ACME-{first.case_id}]", message_id="<z@x>"), "t", settings
    )
    assert taken.case_id == first.case_id


def test_the_same_message_twice_is_a_duplicate(desk: Desk, settings):
    raw = make_mail()
    take_in(desk, raw, "t", settings)
    assert take_in(desk, raw, "t", settings).outcome is Outcome.DUPLICATE
    no_id = make_mail(message_id=None, subject="no id")
    assert take_in(desk, no_id, "t", settings).outcome is Outcome.NEW_CASE
    assert take_in(desk, no_id.replace(b"\n", b"\r\n"), "t", settings).outcome is Outcome.DUPLICATE
    assert desk.store.counts()["cases"] == 2


def test_auto_reply_never_opens_a_case_nor_counts_as_the_customer(desk: Desk, settings, clock):
    ooo = make_mail(
        subject="Out of Office", headers={"Auto-Submitted": "auto-replied"}, message_id="<ooo1@x>"
    )
    assert take_in(desk, ooo, "t", settings).outcome is Outcome.AUTO_REPLY
    assert desk.store.counts()["cases"] == 0

    first = take_in(desk, make_mail(), "t", settings)
    desk.tell(first.case_id, "Fixed?")
    before = desk.case_row(first.case_id)
    clock.advance(hours=1)
    threaded_ooo = make_mail(
        subject="Automatic reply: Re: Printer",
        in_reply_to="<m1@example.com>",
        message_id="<ooo2@x>",
        headers={"Precedence": "bulk"},
    )
    taken = take_in(desk, threaded_ooo, "t", settings)
    assert (taken.outcome, taken.case_id) == (Outcome.AUTO_REPLY, first.case_id)
    after = desk.case_row(first.case_id)
    assert after.case.inbound_at == before.case.inbound_at
    assert after.due == before.due
    assert desk.events(first.case_id)[-1].kind is EventKind.NOTE


def test_mail_from_our_own_address_never_comes_in_as_the_customer(desk: Desk, config):
    settings = config('[mail]\nfrom = "Help <help@example.com>"\n')
    taken = take_in(desk, make_mail(sender="Help <HELP@example.com>"), "t", settings)
    assert taken.outcome is Outcome.OWN
    assert desk.store.counts()["cases"] == 0


def test_closed_case_reopens_and_waiting_case_opens_when_the_customer_writes(desk: Desk, settings):
    first = take_in(desk, make_mail(), "t", settings)
    desk.set_status(first.case_id, Status.WAITING_CUSTOMER)
    take_in(desk, make_mail(message_id="<r1@x>", in_reply_to="<m1@example.com>"), "t", settings)
    assert desk.case_row(first.case_id).case.status is Status.OPEN
    desk.resolve(first.case_id, "new printer")
    desk.tell(first.case_id, "Fixed: new printer")
    desk.close_case(first.case_id)
    take_in(desk, make_mail(message_id="<r2@x>", in_reply_to="<r1@x>"), "t", settings)
    assert desk.case_row(first.case_id).case.status is Status.OPEN


def test_attachments_are_kept_in_the_store(desk: Desk, settings):
    raw = make_mail(attachments=[("log.txt", "text/plain", b"E42\n")])
    taken = take_in(desk, raw, "t", settings)
    mail = MailStore(desk.store)
    [att] = mail.attachments(taken.case_id)
    assert (att.filename, att.content_type, att.size) == ("log.txt", "text/plain", 4)
    assert mail.attachment_content(att.id) == b"E42\n"
    assert desk.events(taken.case_id)[0].data["attachments"][0]["name"] == "log.txt"
    assert mail.raw("<m1@example.com>") == raw


def test_unreadable_mail_is_quarantined_verbatim_and_retry_takes_it_in(desk: Desk, settings):
    raw = b"Subject: hi\nMessage-ID: <q@x>\n\nwho sent this?\n"
    taken = take_in(desk, raw, "inbox#7", settings)
    assert taken.outcome is Outcome.QUARANTINED
    mail = MailStore(desk.store)
    [held] = mail.quarantined()
    assert (held.origin, held.reason) == ("inbox#7", "no From header: cannot tell who wrote it")
    assert mail.quarantined_one(held.id)[1] == raw
    # Still unreadable: stays, with its reason.
    assert retry(desk, held.id, settings).outcome is Outcome.QUARANTINED
    assert len(mail.quarantined()) == 1
    # Taking the same bytes in again does not keep a second copy.
    take_in(desk, raw, "inbox#8", settings)
    assert len(mail.quarantined(include_released=True)) == 1


def test_retry_takes_in_what_reads_now(desk: Desk, settings, monkeypatch):
    import casedesk.mail.intake as intake

    raw = make_mail()
    monkeypatch.setattr(intake, "_record", _boom)
    assert take_in(desk, raw, "t", settings).outcome is Outcome.QUARANTINED  # a bug of ours
    monkeypatch.undo()
    [held] = MailStore(desk.store).quarantined()
    assert "RuntimeError" in held.reason
    assert retry(desk, held.id, settings).outcome is Outcome.NEW_CASE
    assert MailStore(desk.store).quarantined() == []


def _boom(*args, **kwargs):
    raise RuntimeError("simulated bug")


# -- every real message from the wild --------------------------------------------------------


def test_every_real_message_imports_or_is_quarantined_with_a_reason(
    desk: Desk, settings, real_mail
):
    files = sorted(p for p in real_mail.iterdir() if p.name.startswith("mail_"))
    assert len(files) >= 20
    outcomes = {}
    for path in files:
        taken = take_in(desk, path.read_bytes(), str(path), settings)
        outcomes[path.name] = taken.outcome
        if taken.outcome is Outcome.QUARANTINED:
            assert taken.reason
        else:
            assert taken.message_id
    assert outcomes["mail_outlook_1.msg"] is Outcome.QUARANTINED
    assert outcomes["mail_test_16.eml"] is Outcome.AUTO_REPLY  # Precedence: junk
    assert sum(o is Outcome.NEW_CASE for o in outcomes.values()) >= 15
    for case_id in desk.store.all_case_ids():
        assert desk.replayed(case_id) == desk.store.case(case_id)
    # A second pass changes nothing.
    again = [take_in(desk, p.read_bytes(), str(p), settings).outcome for p in files]
    assert all(o in (Outcome.DUPLICATE, Outcome.QUARANTINED) for o in again)


def test_real_mail_details_survive(desk: Desk, settings, real_mail):
    def take(name: str):
        return take_in(desk, (real_mail / name).read_bytes(), name, settings)

    chinese = desk.case_row(take("mail_test_9.eml").case_id)
    assert chinese.case.title.startswith("我把镜头拉近些")
    russian = take("mail_test_1.eml")
    names = [a.filename for a in MailStore(desk.store).attachments(russian.case_id)]
    assert names == ["ФНС_РФ558.zip"]
    html_only = desk.events(take("mail_test_17.eml").case_id)[0]
    assert html_only.data.get("from_html") and html_only.text.strip() == "Test"


# -- the CLI ---------------------------------------------------------------------------------


def test_cli_imports_a_folder_of_real_mail_with_a_summary(cli, real_mail):
    result = cli("import", str(real_mail))
    assert result.exit_code == 0, result.stderr
    assert "quarantined" in result.stderr and "new cases" in result.stderr
    assert "skipped" in result.stderr and "LICENSE.txt" in result.stderr
    listed = cli("quarantine", "list", "--json")
    [held] = json.loads(listed.stdout)
    assert "Outlook" in held["reason"]
    shown = cli("quarantine", "show", str(held["id"]))
    assert "Outlook" in shown.stdout


def test_cli_imports_maildir_mbox_and_eml_with_json_summary(cli, tmp_path: Path):
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    maildir.add(make_mail(message_id="<md1@x>", subject="From maildir"))
    maildir.add(make_mail(message_id="<md2@x>", in_reply_to="<md1@x>", subject="Re: From maildir"))
    box = mailbox.mbox(tmp_path / "old.mbox", create=True)
    box.add(make_mail(message_id="<mb1@x>", subject="From mbox", sender="c@example.org"))
    box.add(make_mail(message_id="<mb2@x>", subject="Auto", headers={"Precedence": "bulk"}))
    box.flush()
    (tmp_path / "one.eml").write_bytes(make_mail(message_id="<e1@x>", subject="From eml"))
    (tmp_path / "bad.eml").write_bytes(b"not a mail at all\n")
    result = cli(
        "import",
        "--json",
        tmp_path / "Maildir",
        tmp_path / "old.mbox",
        tmp_path / "one.eml",
        tmp_path / "bad.eml",
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("new_case", "threaded", "auto_reply", "quarantined")} == {
        "new_case": 3, "threaded": 1, "auto_reply": 1, "quarantined": 1,
    }  # fmt: skip
    again = json.loads(cli("import", "--json", "--format", "maildir", tmp_path / "Maildir").stdout)
    assert again["duplicate"] == 2


def test_cli_imports_one_message_from_stdin(cli, monkeypatch):
    fake = io.TextIOWrapper(io.BytesIO(make_mail(subject="Piped in")))
    monkeypatch.setattr(sys, "stdin", fake)
    result = cli("import", "-")
    assert result.exit_code == 0, result.stderr
    assert "1 message: 1 new case, 0 threaded, 0 duplicates, 0 auto-replies skipped" in (
        result.stderr
    )
    assert "Piped in" in cli("list").stdout


def test_cli_refuses_a_missing_path_and_an_unknown_format(cli, tmp_path):
    missing = cli("import", tmp_path / "nope")
    assert missing.exit_code == 1 and "no such file" in missing.stderr
    assert cli("import", "--format", "pdf", tmp_path).exit_code == 2


# -- schema ----------------------------------------------------------------------------------


def test_a_store_made_before_mail_migrates_and_keeps_its_cases(tmp_path: Path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, target=2)
    conn.execute("INSERT INTO customers(name, email, created_at) VALUES ('Ann', 'a@x', '2026')")
    conn.close()
    with Store.open(path) as store:
        assert schema.version(store.conn) == schema.LATEST >= 3
        assert store.find_customer("a@x").name == "Ann"
        mail = MailStore(store)
        with store.transaction():
            mail.quarantine(b"x", "test", "here", T0)
        assert len(mail.quarantined()) == 1


def test_import_format_jsonl_loads_a_store_export(cli, desk: Desk, tmp_path: Path):
    desk.new_case("Bob <bob@example.com>", "Printer")
    dump = tmp_path / "dump.jsonl"
    assert cli("export", dump).exit_code == 0
    result = cli("import", "--format", "jsonl", "--json", "--db", tmp_path / "fresh.db", dump)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["events"] == 1


def test_long_imports_draw_a_progress_bar_on_a_terminal(desk: Desk, settings, monkeypatch):
    from rich.console import Console

    import casedesk.cli.mail as cli_mail
    from casedesk.mail.sources import RawMail

    screen = io.StringIO()
    monkeypatch.setattr(
        cli_mail, "console", lambda stderr=False: Console(file=screen, force_terminal=True)
    )
    messages = [RawMail(make_mail(message_id=f"<p{n}@x>"), f"m{n}") for n in range(25)]
    summary = cli_mail._with_progress(desk, iter(messages), len(messages), settings)
    assert summary.total == 25
    assert "importing" in screen.getvalue()


def test_the_senders_stated_importance_becomes_the_customer_urgency(desk: Desk, settings):
    high = take_in(desk, make_mail(headers={"Importance": "High"}), "t", settings)
    low = take_in(desk, make_mail(message_id="<l@x>", headers={"X-Priority": "5 (Lowest)"}), "t",
                  settings)  # fmt: skip
    plain = take_in(desk, make_mail(message_id="<n@x>"), "t", settings)
    assert [desk.store.case(t.case_id).urgency.value for t in (high, low, plain)] == [
        "high",
        "low",
        "normal",
    ]


def test_cli_lists_and_saves_attachments_safely(cli, desk: Desk, settings, tmp_path: Path):
    raw = make_mail(
        attachments=[
            ("report.txt", "text/plain", b"one"),
            ("../../etc/passwd", "text/plain", b"two"),
            ("report.txt", "text/plain", b"three"),
        ]
    )
    case_id = take_in(desk, raw, "t", settings).case_id
    listed = json.loads(cli("attachments", str(case_id), "--json").stdout)
    assert [a["size"] for a in listed] == [3, 3, 5]
    out = tmp_path / "out"
    assert cli("attachments", str(case_id), "--save", out).exit_code == 0
    saved = sorted(p.name for p in out.iterdir())
    assert saved == ["_.._etc_passwd", "report (2).txt", "report.txt"]
    assert (out / "report (2).txt").read_bytes() == b"three"
    assert not (tmp_path / "etc").exists()
    assert cli("attachments", "99").exit_code == 1
