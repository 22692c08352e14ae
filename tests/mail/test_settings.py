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


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "1e309", "100000", '"60"', "true"])
def test_a_bad_interval_names_the_setting_and_the_range(config, value):
    with pytest.raises(ConfigError) as error:
        config(f'[imap]\nhost = "i"\ninterval = {value}\n')
    said = str(error.value)
    assert "config.toml: [imap] interval must be a number of seconds from 0.1 to 86400" in said
    assert f"(not {value.replace(chr(34), chr(39))}" in said or "(not inf)" in said
    assert "\n" not in said


@pytest.mark.parametrize("table", ["smtp", "imap"])
@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf", "86400"])
def test_a_bad_timeout_names_the_setting_and_the_range(config, table, value):
    with pytest.raises(ConfigError, match=rf"\[{table}\] timeout must be a number of seconds "):
        config(f'[{table}]\nhost = "h"\ntimeout = {value}\n')


@pytest.mark.parametrize("value", ["0", "65536", "-25", "true", "25.0"])
def test_a_bad_port_names_the_range(config, value):
    with pytest.raises(ConfigError, match=r"\[smtp\] port must be a port number, 1 to 65535"):
        config(f'[smtp]\nhost = "s"\nport = {value}\n')


def test_in_range_numbers_are_taken(config):
    settings = config('[imap]\nhost = "i"\ninterval = 0.5\ntimeout = 2\n[smtp]\nhost = "s"\n')
    assert (settings.imap_interval, settings.imap.timeout, settings.smtp.timeout) == (0.5, 2, 30)


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "90000"])
def test_a_bad_interval_option_is_one_line_before_anything_starts(cli, tmp_path, value):
    maildir = tmp_path / "md"
    for part in ("new", "cur", "tmp"):
        (maildir / part).mkdir(parents=True)
    result = cli("import", "--watch", str(maildir), "--interval", value)
    assert result.exit_code == 1
    assert result.stderr.startswith("casedesk: --interval must be a number of seconds from 0.1")
    assert result.stderr.count("\n") == 1
    assert "watching" not in result.stdout + result.stderr


def test_a_bad_interval_in_the_config_stops_fetch_watch_with_one_line(cli, config, tmp_path):
    (tmp_path / "config.toml").write_text('[imap]\nhost = "i"\ninterval = -1\n')
    result = cli("fetch", "--watch")
    assert result.exit_code == 1
    assert "[imap] interval must be a number of seconds from 0.1 to 86400 (not -1)" in result.stderr
    assert result.stderr.count("\n") == 1
