"""casedesk fetch against a real dovecot IMAP server on loopback."""

from __future__ import annotations

import json

import pytest
from mail_helpers import Dovecot, free_port, make_mail

from casedesk.desk.desk import Desk
from casedesk.mail.imap import FetchFailed, fetch_new
from casedesk.mail.settings import MailSettings
from casedesk.store.mail import MailStore


def imap_config(server: Dovecot, security: str = "ssl", secret: str = "s3cret") -> str:
    port = server.imaps_port if security == "ssl" else server.imap_port
    return (
        f'[imap]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n'
        f'user = "help"\npassword_command = "echo {secret}"\nca_file = "{server.ca_file}"\n'
        "timeout = 10\n"
    )


def deliver(server: Dovecot, *messages: bytes, seen: bool = False) -> None:
    client = server.client()
    try:
        for raw in messages:
            status, _ = client.append("INBOX", "(\\Seen)" if seen else None, None, raw)
            assert status == "OK"
    finally:
        client.logout()


def unseen(server: Dovecot) -> list[bytes]:
    client = server.client()
    try:
        client.select("INBOX")
        return client.uid("SEARCH", None, "UNSEEN")[1][0].split()
    finally:
        client.logout()


def test_fetch_over_imaps_takes_unseen_mail_and_marks_it_seen(desk: Desk, config, dovecot):
    settings: MailSettings = config(imap_config(dovecot))
    deliver(dovecot, make_mail(subject="Read already", message_id="<old@x>"), seen=True)
    deliver(
        dovecot,
        make_mail(message_id="<a@x>", subject="Laptop dead"),
        make_mail(message_id="<b@x>", subject="Re: Laptop dead", in_reply_to="<a@x>"),
        b"Subject: no sender\r\nMessage-ID: <c@x>\r\n\r\nwho?\r\n",
    )
    assert len(unseen(dovecot)) == 3

    summary = fetch_new(desk, settings)

    assert (summary.counts["new-case"], summary.counts["threaded"]) == (1, 1)
    assert summary.counts["quarantined"] == 1
    assert unseen(dovecot) == []
    assert desk.store.counts()["cases"] == 1  # the seen one was left alone
    [held] = MailStore(desk.store).quarantined()
    assert held.origin.startswith("imap://help@127.0.0.1/INBOX;uid=")
    assert fetch_new(desk, settings).total == 0


def test_fetch_over_starttls(desk: Desk, config, dovecot):
    settings = config(imap_config(dovecot, security="starttls"))
    deliver(dovecot, make_mail())
    assert fetch_new(desk, settings).counts["new-case"] == 1


def test_wrong_password_is_one_line_and_takes_nothing(desk: Desk, config, dovecot):
    settings = config(imap_config(dovecot, secret="wrong"))
    deliver(dovecot, make_mail())
    with pytest.raises(FetchFailed, match="refused the login of help"):
        fetch_new(desk, settings)
    assert len(unseen(dovecot)) == 1
    assert desk.store.counts()["cases"] == 0


def test_server_down(desk: Desk, config, tls_cert):
    settings = config(
        f'[imap]\nhost = "127.0.0.1"\nport = {free_port()}\nuser = "help"\n'
        f'ca_file = "{tls_cert[0]}"\n'
    )
    with pytest.raises(FetchFailed, match="cannot reach the IMAP server"):
        fetch_new(desk, settings)


def test_cli_fetch_json(cli, config, dovecot):
    config(imap_config(dovecot))
    deliver(dovecot, make_mail())
    result = cli("fetch", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["new_case"] == 1


def test_cli_fetch_without_imap_config_says_what_to_set(cli):
    result = cli("fetch")
    assert result.exit_code == 1
    assert "[imap]" in result.stderr
