"""Helpers for the sub-task, problem, customer, template and check-in tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casedesk import paths


@pytest.fixture
def jcli(cli):  # type: ignore[no-untyped-def]
    """`jcli("problem", "show", "P1")`: runs the verb with --json and returns the parsed output."""

    def run(*args: str):  # type: ignore[no-untyped-def]
        result = cli(*args, "--json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    return run


@pytest.fixture
def config_dir() -> Path:
    """The (isolated) config dir, created: policy.toml and templates.toml go here."""
    where = paths.config_dir()
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def check_in_policy(config_dir: Path) -> Path:
    """A policy with the check-in three days after the resolution was told."""
    path = config_dir / "policy.toml"
    path.write_text('check_in = "3d"\n', encoding="utf-8")
    return path
