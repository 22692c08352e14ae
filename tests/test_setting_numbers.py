"""A wrong number in policy.toml or config.toml's [tui] is one line naming the file, the key and
what is expected, on the CLI, the nag and the console start: never a traceback, never silently
taken (a target of zero or of 300,000 years used to be taken, or to crash as "too large")."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

WRONG = {
    '"soon"': "'soon'",
    "-1": "-1",
    '"-2h"': "'-2h'",
    "0": "0",
    '"0.0000000001m"': "'0.0000000001m'",  # rounds to a target of zero
    "1e300": "1e+300",
    "99999999999999": "99999999999999",  # crashed: "a number given is too large"
    '"99999999999999w"': "'99999999999999w'",
    "nan": "nan",
    "inf": "inf",
    "true": "true",
    "[4]": "[4]",
}
# Every duration of policy.toml (docs/policy.md), as a line of it.
KEYS = {
    "chase": "chase = {}",
    "resolution_notice": "resolution_notice = {}",
    "check_in": "check_in = {}",
    "[first_response] high": "[first_response]\nhigh = {}",
    "[next_reply] urgent": "[next_reply]\nurgent = {}",
    "[periodic_update] low": "[periodic_update]\nlow = {}",
}
EXPECTED = 'must be a duration from 1m to 520w, like "90m", "4h", "3d" or 8 (hours)'
CHECK_IN = 'check_in must be "off", true (3 days) or a duration from 1m to 520w, like "3d"'


def _one_line(stderr: str, *words: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casedesk: "), stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def policy(cli, tmp_path) -> Path:
    assert cli("new", "--customer", "a@example.com", "--title", "t").exit_code == 0
    path = tmp_path / "xdg-config" / "casedesk" / "policy.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("value", WRONG)
def test_a_wrong_duration_is_one_line_naming_file_key_and_range(cli, policy, key, value):
    if key == "check_in" and value == "true":
        pytest.skip("check_in = true means 3 days")
    policy.write_text(KEYS[key].format(value) + "\n")
    for verb in (["list"], ["show", "1"], ["nag"], ["nag", "--json"], ["note", "1", "x"]):
        result = cli(*verb)
        assert result.exit_code == 1, (verb, result)
        expected = CHECK_IN if key == "check_in" else f"{key} {EXPECTED}"
        _one_line(result.stderr, f"{policy}: {expected} (not {WRONG[value]})")
        assert result.stdout == ""


@pytest.mark.parametrize(
    ("value", "minutes"), [('"1m"', 1), ('"1.5"', 90), ("2", 120), ('"520w"', 520 * 7 * 24 * 60)]
)
def test_the_ends_of_the_range_are_taken(value, minutes):
    from datetime import timedelta

    from casedesk.core.policy import policy_from_toml

    assert policy_from_toml(f"chase = {value}", "p").chase == timedelta(minutes=minutes)


@pytest.mark.parametrize(("value", "shown"), [("1", "1"), ('"loud"', "'loud'"), ("nan", "nan")])
def test_a_wrong_tui_setting_is_one_line(cli, tmp_path, value, shown):
    from casedesk.config import ConfigError, tui_settings

    path = tmp_path / "config.toml"
    path.write_text(f"[tui]\nbell = {value}\n")
    with pytest.raises(ConfigError) as raised:
        tui_settings(path)
    assert str(raised.value) == f"{path}: [tui] bell must be true or false (not {shown})"


def _console(env: dict[str, str]) -> tuple[int, str]:
    """`casedesk` with no verb on a real terminal (stdin and stdout): its exit code and stderr."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "casedesk"],
        stdin=secondary,
        stdout=secondary,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(secondary)
    try:
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:  # the console opened: it must not have
            proc.kill()
            proc.wait()
        os.close(primary)
    assert proc.stderr
    return code, proc.stderr.read().decode()


def test_the_console_start_says_a_wrong_number_in_one_line(cli, policy, tmp_path):
    env = {**os.environ, "TERM": "xterm-256color"}
    policy.write_text("[periodic_update]\nnormal = 0\n")
    code, stderr = _console(env)
    assert code == 1
    _one_line(stderr, f"{policy}: [periodic_update] normal {EXPECTED} (not 0)")
    policy.unlink()
    config = tmp_path / "config.toml"
    config.write_text("[tui]\nbell = 1\n")
    code, stderr = _console({**env, "CASEDESK_CONFIG": str(config)})
    assert code == 1
    _one_line(stderr, f"{config}: [tui] bell must be true or false (not 1)")
