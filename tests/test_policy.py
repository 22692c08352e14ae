"""Targets come from built-in defaults, laid under the user's policy.toml."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casedesk.core.errors import PolicyError
from casedesk.core.model import Priority, Urgency
from casedesk.core.policy import DEFAULT_POLICY, load_policy, parse_duration, policy_from_toml


def test_defaults_are_the_documented_targets():
    p = DEFAULT_POLICY
    hours = lambda table: {k.value: v / timedelta(hours=1) for k, v in table.items()}  # noqa: E731
    assert hours(p.first_response) == {"low": 24, "normal": 8, "high": 4, "urgent": 1}
    assert hours(p.next_reply) == {"low": 24, "normal": 8, "high": 4, "urgent": 1}
    assert hours(p.periodic_update) == {"low": 168, "normal": 72, "high": 24, "urgent": 4}
    assert p.resolution_notice == timedelta(hours=2)
    assert p.chase == timedelta(hours=72)
    assert p.periodic_for(Priority.HIGH, Urgency.CRITICAL) == timedelta(hours=12)


def test_a_policy_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('chase = "2d"\n[first_response]\nhigh = "90m"\n')
    p = load_policy(path)
    assert p.first_response[Priority.HIGH] == timedelta(minutes=90)
    assert p.first_response[Priority.LOW] == timedelta(hours=24)
    assert p.chase == timedelta(days=2)
    assert p.fingerprint != DEFAULT_POLICY.fingerprint


def test_no_policy_file_means_the_defaults(tmp_path):
    assert load_policy(tmp_path / "missing.toml") is DEFAULT_POLICY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("chase = ", "not valid TOML"),
        ('nonsense = "1h"', "unknown setting 'nonsense'"),
        ('[first_response]\nhigh = "soon"', "high must be a duration from 1m to 520w"),
        ('[first_response]\nmedium = "1h"', "unknown priority 'medium'"),
        ('resolution_notice = "0h"', "resolution_notice must be a duration from 1m"),
        ('halve_periodic_for_urgency = ["extreme"]', "halve_periodic_for_urgency"),
    ],
)
def test_a_wrong_policy_is_a_clear_error(text, message):
    with pytest.raises(PolicyError, match=message):
        policy_from_toml(text, "policy.toml")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("90m", 90), ("4h", 240), ("3d", 4320), ("1w", 10080), (2, 120), ("1.5h", 90)],
)
def test_durations(value, expected):
    assert parse_duration(value, "x") == timedelta(minutes=expected)


def test_changing_the_policy_recomputes_stored_due_times(cli, clock, tmp_path):
    assert (
        cli("new", "--customer", "a@example.com", "--title", "t", "--priority", "high").exit_code
        == 0
    )
    before = cli("show", "1", "--json").stdout
    assert '"at": "2026-11-23T13:00:00+00:00"' in before
    policy = tmp_path / "xdg-config" / "casedesk" / "policy.toml"
    policy.parent.mkdir(parents=True)
    policy.write_text('[first_response]\nhigh = "30m"\n')
    after = cli("show", "1", "--json").stdout
    assert '"at": "2026-11-23T09:30:00+00:00"' in after
    clock.advance(minutes=31)
    assert "#1" in cli("nag").stdout
