"""The docs that are generated or promised must match the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_matches_the_commands_help(monkeypatch):
    monkeypatch.setenv("CASEDESK_AGENT", "agent")
    expected = _generator().render()
    actual = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


def test_readme_names_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- ci:(\w+) -->\n```sh\n(.+?)\n```", readme)
    assert dict(blocks).keys() == {"install", "test"}
    assert "casedesk demo" in dict(blocks)["install"]
    assert "pytest" in dict(blocks)["test"]


def test_docs_the_readme_links_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)\)", readme):
        assert (ROOT / link).exists(), link
