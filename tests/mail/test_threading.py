"""Threading in any arrival order: replies before their parents, late parents joining two
cases into one (a merge on both timelines), folder imports taken oldest first."""

from __future__ import annotations

import json
import mailbox
import sqlite3
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from itertools import permutations

import pytest

from casedesk.core.errors import Refused
from casedesk.core.model import Channel, DueReason, EventKind, Status
from casedesk.desk.desk import Desk
from casedesk.mail.intake import Outcome, take_in
from casedesk.mail.settings import MailSettings, load_mail_settings
from casedesk.mail.sources import FORMATS, mail_time, oldest_first
from casedesk.store import Store, schema
from casedesk.store.mail import MailStore

pytestmark = pytest.mark.both_engines

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def settings() -> MailSettings:
    return load_mail_settings()  # the test's own (empty) config dir: the defaults


def mail(
    n: int,
    parents: list[int],
    *,
    references: bool = True,
    subject: str = "Printer is on fire",
    date: datetime | bool | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    """Message n of a thread, answering `parents` (oldest first). Without `references` only
    In-Reply-To names the direct parent, as many clients write it."""
    msg = EmailMessage()
    msg["From"] = "Bob Stone <bob@example.com>" if n % 2 else "Ann Lee <ann@example.org>"
    msg["To"] = "Help <help@example.com>"
    msg["Subject"] = ("Re: " if parents else "") + subject
    if date is not False:
        msg["Date"] = format_datetime(date or T0 + timedelta(hours=n))
    msg["Message-ID"] = f"<m{n}@example.com>"
    if parents:
        msg["In-Reply-To"] = f"<m{parents[-1]}@example.com>"
        if references:
            msg["References"] = " ".join(f"<m{p}@example.com>" for p in parents)
    for name, value in (extra or {}).items():
        msg[name] = value
    msg.set_content(f"message {n} of the thread")
    return msg.as_bytes()


def chain(references: bool = True) -> list[bytes]:
    """m1 ← m2 ← m3."""
    return [mail(n, list(range(1, n)), references=references) for n in (1, 2, 3)]


def live_cases(desk: Desk) -> list[int]:
    """Cases not merged into another."""
    rows = desk.store.list_cases(statuses=None, limit=None)
    return sorted(r.case.id for r in rows if r.case.merged_into is None)


def assert_one_conversation(desk: Desk, texts: list[str]) -> int:
    [case_id] = live_cases(desk)
    shown = [e.text for e in desk.timeline(case_id) if e.kind in _SAID]
    assert sorted(shown) == sorted(texts)
    mail = MailStore(desk.store)
    assert {m.case_id for m in mail.messages(case_id)} == {case_id}
    assert len(mail.messages(case_id)) == len(texts)
    report = desk.check()
    assert report.clean, report.problems
    return case_id


_SAID = (EventKind.CREATED, EventKind.INBOUND)


def test_a_reply_imported_before_its_parent_ends_in_one_case(desk: Desk):
    reply = take_in(desk, mail(2, [1]), "reply", settings())
    parent = take_in(desk, mail(1, []), "parent", settings())
    assert reply.outcome is Outcome.NEW_CASE
    assert parent.outcome is Outcome.THREADED and parent.case_id == reply.case_id
    inbound = desk.events(reply.case_id)[-1]
    assert inbound.data["thread_via"] == "replied"
    assert_one_conversation(desk, ["message 1 of the thread", "message 2 of the thread"])


@pytest.mark.parametrize("references", [True, False], ids=["references", "in-reply-to-only"])
@pytest.mark.parametrize("order", list(permutations(range(3))), ids=str)
def test_a_three_message_chain_in_any_order_is_one_case(desk: Desk, order, references):
    messages = chain(references)
    for index in order:
        take_in(desk, messages[index], f"m{index + 1}", settings())
    assert_one_conversation(desk, [f"message {n} of the thread" for n in (1, 2, 3)])


def test_a_late_parent_joins_two_cases_and_both_timelines_say_so(desk: Desk, clock):
    # m3 names only m2 (In-Reply-To), m1 has no reply yet: two cases, until m2 links them.
    first = take_in(desk, mail(1, [], references=False), "m1", settings()).case_id
    desk.assign(first, "ann")
    desk.tell(first, "We are on it.", Channel.EMAIL)
    clock.advance(hours=1)
    later = take_in(desk, mail(3, [1, 2], references=False), "m3", settings()).case_id
    assert later != first
    clock.advance(hours=1)
    joined = take_in(desk, mail(2, [1], references=False), "m2", settings())
    assert joined.case_id == first

    merged = desk.store.case(later)
    assert merged.status is Status.CLOSED and merged.merged_into == first
    assert desk.case_row(later).due is None
    into = desk.events(later)[-1]
    assert into.kind is EventKind.MERGED_INTO and into.data["into"] == first
    kept = desk.events(first)
    merge = next(e for e in kept if e.kind is EventKind.MERGED_FROM)
    assert merge.data["from"] == later and merge.actor == "casedesk-mail"
    assert "<m2@example.com>" in merge.text
    # The case that stays shows the merged case's mail, and owes the customer a reply.
    assert_one_conversation(desk, [f"message {n} of the thread" for n in (1, 2, 3)])
    state = desk.store.case(first)
    assert state.owner == "ann" and state.inbound_at > state.told_at
    assert desk.case_row(first).due is not None
    # The log stayed append-only: the merged case still holds its own events.
    assert [e.kind for e in desk.events(later)] == [EventKind.CREATED, EventKind.MERGED_INTO]


def test_a_merged_case_refuses_work_and_its_tag_leads_to_the_case_it_joined(desk: Desk):
    take_in(desk, mail(1, [], references=False), "m1", settings())
    take_in(desk, mail(3, [1, 2], references=False), "m3", settings())
    take_in(desk, mail(2, [1], references=False), "m2", settings())
    with pytest.raises(Refused, match=r"case #2 was merged into #1; work on #1"):
        desk.note(2, "anyone there?")
    with pytest.raises(Refused, match="already merged"):
        desk.merge_cases(1, 2)
    tagged = mail(9, [], subject="Still broken [#2]")
    assert take_in(desk, tagged, "tag", settings()).case_id == 1


def test_an_agent_merges_two_cases_and_the_kept_one_takes_the_later_word(desk: Desk, clock):
    old = desk.new_case("Ann Lee <ann@example.com>", "Laptop", owner="ann")
    desk.resolve(old.id, "new battery")
    desk.tell(old.id, "fixed: new battery", Channel.PHONE)
    desk.close_case(old.id)
    clock.advance(hours=2)
    new = desk.new_case("Ann Lee <ann@example.com>", "Laptop again", body="It died again")
    desk.merge_cases(old.id, new.id, "same laptop")
    kept = desk.store.case(old.id)
    # The merged case was still open: the kept one reopens and owes the customer an answer.
    assert kept.status is Status.OPEN and kept.inbound_text == "It died again"
    assert [e.kind for e in desk.events(old.id)][-2:] == [
        EventKind.REOPENED,
        EventKind.MERGED_FROM,
    ]
    assert desk.replayed(old.id) == kept
    assert desk.check().clean


def test_a_merge_into_a_case_waiting_on_the_customer_takes_their_answer(desk: Desk, clock):
    waiting = desk.new_case("Ann Lee <ann@example.com>", "VPN", owner="ann")
    desk.tell(waiting.id, "Which client version?", Channel.EMAIL)
    desk.set_status(waiting.id, Status.WAITING_CUSTOMER)
    clock.advance(hours=1)
    answer = desk.new_case("Ann Lee <ann@example.com>", "Re: VPN", body="Version 5.2")
    desk.tell(answer.id, "Thanks, looking.", Channel.EMAIL)  # a person answered there
    desk.merge_cases(waiting.id, answer.id)
    kept = desk.store.case(waiting.id)
    assert kept.status is Status.OPEN and kept.inbound_text == "Version 5.2"
    assert kept.told_text == "Thanks, looking."
    assert desk.replayed(waiting.id) == kept


def test_a_first_response_on_the_merged_case_counts_for_the_one_that_stays(desk: Desk, clock):
    unanswered = desk.new_case("Ann Lee <ann@example.com>", "VPN")
    clock.advance(minutes=5)
    answered = desk.new_case("Ann Lee <ann@example.com>", "VPN again")
    desk.tell(answered.id, "We are on it.", Channel.EMAIL)
    assert desk.case_row(unanswered.id).due.reason is DueReason.FIRST_RESPONSE
    desk.merge_cases(unanswered.id, answered.id)
    kept = desk.store.case(unanswered.id)
    assert kept.responded_at == desk.store.case(answered.id).responded_at is not None
    assert desk.case_row(unanswered.id).due.reason is not DueReason.FIRST_RESPONSE


def test_a_maildir_holding_a_thread_in_reverse_order_imports_as_one_case(cli, db_path, tmp_path):
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for raw in reversed(chain(references=False)):  # newest delivered (and named) first
        box.add(raw)
    result = cli("import", str(tmp_path / "inbox"), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["new_case"] == 1 and summary["threaded"] == 2
    desk = Desk.open(db_path, "ann")
    try:
        case_id = assert_one_conversation(desk, [f"message {n} of the thread" for n in (1, 2, 3)])
        # Oldest first: the thread's first message opened the case, so no merge was needed.
        assert desk.store.case(case_id).title == "Printer is on fire"
        assert desk.events(case_id)[0].text == "message 1 of the thread"
    finally:
        desk.close()


def test_an_mbox_holding_a_thread_in_reverse_order_imports_as_one_case(cli, db_path, tmp_path):
    box = mailbox.mbox(tmp_path / "thread.mbox", create=True)
    for raw in reversed(chain(references=False)):
        box.add(raw)
    box.close()
    result = cli("import", str(tmp_path / "thread.mbox"), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["new_case"] == 1
    desk = Desk.open(db_path, "ann")
    try:
        case_id = assert_one_conversation(desk, [f"message {n} of the thread" for n in (1, 2, 3)])
        assert desk.events(case_id)[0].text == "message 1 of the thread"
    finally:
        desk.close()


def test_a_folder_of_eml_files_is_taken_oldest_first(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    for name, raw in zip("abc", reversed(chain()), strict=True):
        (folder / f"{name}.eml").write_bytes(raw)
    work = [(FORMATS["eml"], folder / f"{name}.eml") for name in "abc"]
    assert [m.origin[-5:] for m in oldest_first(work)] == ["c.eml", "b.eml", "a.eml"]


def test_without_a_date_the_earliest_received_header_then_the_mbox_line_decide(tmp_path):
    received = (
        "from relay.example.com by mx.example.com; Mon, 2 Nov 2026 12:00:00 +0000",
        "from laptop by relay.example.com; Mon, 2 Nov 2026 07:00:00 +0000",
    )
    msg = EmailMessage()
    for value in received:  # the topmost is the last hop; the earliest is at the bottom
        msg["Received"] = value
    msg["Date"] = "not a date"
    assert mail_time(msg.as_bytes()) == datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    assert mail_time(b"Subject: no time at all\n") is None

    box = mailbox.mbox(tmp_path / "box.mbox", create=True)
    for n, stamp in ((1, "Mon Nov  2 10:00:00 2026"), (2, "Mon Nov  2 08:00:00 2026")):
        message = mailbox.mboxMessage(mail(n, [], date=False))
        message.set_from(f"bob@example.com {stamp}")
        box.add(message)
    box.add(mail(3, [], date=False))  # no time anywhere: last, in the order found
    box.close()
    work = [(FORMATS["mbox"], tmp_path / "box.mbox")]
    assert [m.origin[-2:] for m in oldest_first(work)] == ["#2", "#1", "#3"]


@pytest.mark.sqlite_only(reason="builds a SQLite file at schema 8 by hand")
def test_migration_9_indexes_the_references_of_mail_already_stored(db_path):
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    schema.migrate(conn, target=8)
    conn.execute(
        "INSERT INTO mail_messages(message_id, direction, outcome, refs, taken_at) "
        "VALUES ('<m3@x>', 'in', 'threaded', '<m1@x>  <m2@x>', '2026-11-02T09:00:00+00:00')"
    )
    conn.close()
    with Store.open(db_path) as store:
        rows = store.conn.execute("SELECT ref FROM mail_refs ORDER BY ref").fetchall()
        assert [r[0] for r in rows] == ["<m1@x>", "<m2@x>"]


def test_an_agent_merges_two_cases_from_the_command_line(cli, desk: Desk, clock):
    first = desk.new_case("Ann Lee <ann@example.com>", "Laptop", body="It will not start")
    clock.advance(minutes=5)
    second = desk.new_case("Ann Lee <ann@example.com>", "Laptop (again)", body="Still dead")
    done = cli("merge", str(first.id), str(second.id), "--reason", "same laptop")
    assert done.exit_code == 0, done.stderr
    assert f"#{second.id}: merged into #{first.id}" in done.stderr + done.stdout
    again = cli("merge", str(first.id), str(second.id))
    assert again.exit_code == 1 and again.stderr.count("\n") == 1
    assert "already merged" in again.stderr and "Traceback" not in again.stderr
    shown = json.loads(cli("show", str(first.id), "--json").stdout)
    assert {e["text"] for e in shown["events"]} >= {"It will not start", "Still dead"}
    merged_in = [e for e in shown["events"] if e["text"] == "Still dead"]
    assert [e["case_id"] for e in merged_in] == [second.id]
    assert f"(on #{second.id}, merged in)" in cli("show", str(first.id)).stdout
    assert json.loads(cli("show", str(second.id), "--json").stdout)["merged_into"] == first.id
    assert "merged into #" in cli("show", str(second.id)).stdout
