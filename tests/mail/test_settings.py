"""The [mail], [smtp] and [imap] settings: defaults, and errors that name file and key."""

from __future__ import annotations

import pytest

from casedesk.config import ConfigError
from casedesk.mail.settings import Server, password


def test_defaults_without_any_config(config):
    settings = config("")
    assert (settings.tag_prefix, settings.smtp, settings.imap, settings.can_send) == (
        "#",
        None,
        None,
        False,
    )


def test_ports_follow_the_security(config):
    settings = config('[smtp]\nhost = "s"\nsecurity = "ssl"\n[imap]\nhost = "i"\n')
    assert (settings.smtp.port, settings.imap.port, settings.imap.security) == (465, 993, "ssl")
    assert config('[smtp]\nhost = "s"\n').smtp.port == 587


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[smtp]\nhost = "s"\nsecurity = "tls"\n', "[smtp] security must be one of"),
        ('[smtp]\nhost = "s"\nport = "25"\n', "[smtp] port"),
        ('[imap]\nuser = "u"\n', "[imap] host is missing"),
        ('[imap]\nhost = "i"\nsecurity = "none"\n', "[imap] security"),
        ('[mail]\nfrom = "not an address"\n', "[mail] from"),
        ("mail = 3\n", "[mail] must be a table"),
        ('[smtp]\nhost = "s"\npassword = "x"\n', "password_command"),
    ],
)
def test_mistakes_name_the_file_and_the_key(config, text, says, tmp_path):
    with pytest.raises(ConfigError) as error:
        config(text)
    assert says in str(error.value)
    assert "config.toml" in str(error.value)


def _server(command: str | None) -> Server:
    return Server("h", 1, "ssl", "u", command, 1.0, None)


def test_password_command_output_first_line(tmp_path):
    assert password(_server("printf 'pw one\\nsecond'"), "smtp") == "pw one"
    assert password(_server(None), "smtp") is None


def test_failing_password_command_is_one_clear_line():
    with pytest.raises(ConfigError, match=r"\[imap\] password_command failed: nope"):
        password(_server("sh -c 'echo nope >&2; exit 3'"), "imap")
    with pytest.raises(ConfigError, match="could not run"):
        password(_server("/no/such/program"), "imap")
