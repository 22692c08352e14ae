"""A store moved from SQLite to PostgreSQL (export, then import) reports the very same figures."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from casedesk import paths
from casedesk.core.policy import DEFAULT_POLICY
from casedesk.core.reports import Window
from casedesk.desk.demo import build_demo
from casedesk.store import Store
from casedesk.store.reports import build_report, case_figures, overdue_series, update_steps

WINDOWS = [(-30, 0), (-7, 0), (-90, -60), (-400, 2), (-20, -19.5)]


@pytest.fixture
def both(tmp_path, clock, pg_url, cli):
    """The demo store on SQLite, and the same store imported into PostgreSQL."""
    demo = build_demo(tmp_path / "demo.db", cases=120, seed=3)
    exported = tmp_path / "demo.jsonl"
    assert cli("export", str(exported), "--db", str(demo)).exit_code == 0
    imported = cli("import", "--format", "jsonl", str(exported), "--db", pg_url)
    assert imported.exit_code == 0, imported.stderr
    sqlite, postgres = Store.open(demo), Store.open(paths.store_location(pg_url))
    yield sqlite, postgres
    sqlite.close()
    postgres.close()


def test_every_figure_is_the_same_on_both_engines(both, clock):
    sqlite, postgres = both
    # The import folded the report steps: the first report has nothing to catch up.
    assert update_steps(postgres, DEFAULT_POLICY) == 0
    for start, end in WINDOWS:
        window = Window(clock.now + timedelta(days=start), clock.now + timedelta(days=end))
        for owner in (None, "bob"):
            on_sqlite = build_report(sqlite, DEFAULT_POLICY, window, owner=owner, top=0)
            on_postgres = build_report(postgres, DEFAULT_POLICY, window, owner=owner, top=0)
            assert on_postgres == on_sqlite, (start, end, owner)
        assert list(case_figures(postgres, window)) == list(case_figures(sqlite, window))
        for owner in (None, "chris"):
            assert overdue_series(postgres, DEFAULT_POLICY, window, 12, owner) == overdue_series(
                sqlite, DEFAULT_POLICY, window, 12, owner
            )
    everything = Window(clock.now - timedelta(days=400), clock.now)
    full = build_report(postgres, DEFAULT_POLICY, everything)
    assert full.cases_existing == 120 and full.overdue_seconds > 0 and full.longest_silences
    # Steps of another policy: the next report folds every case again, saying how far it got.
    with postgres.transaction():
        postgres.set_meta("report_steps_policy", "another policy")
    told: list[tuple[int, int]] = []
    assert update_steps(postgres, DEFAULT_POLICY, lambda *done: told.append(done)) == 120
    assert told == [(120, 120)]
    assert build_report(postgres, DEFAULT_POLICY, everything) == full


@pytest.mark.parametrize("options", [[], ["--since", "-7d"], ["--owner", "bob", "--top", "3"]])
def test_the_report_command_prints_the_same_on_both_engines(both, cli, options):
    outputs = []
    for store in both:
        for form in (["--json"], ["--csv"], []):
            result = cli(
                "report", *options, *form, "--db", str(getattr(store.path, "url", store.path))
            )
            assert result.exit_code == 0, result.stderr
            outputs.append(result.stdout)
    assert outputs[:3] == outputs[3:]
    assert json.loads(outputs[0])["cases"]["existing"] > 0
