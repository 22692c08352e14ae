"""Search stays fast and clear whatever the stored text or the query holds (issue 11)."""

from __future__ import annotations

import threading
import time

import pytest

from casedesk.core import search
from casedesk.core.errors import SearchSyntaxError
from casedesk.core.model import Channel
from casedesk.store import schema

pytestmark = pytest.mark.both_engines


def _search_with_deadline(desk, query: str, seconds: float) -> tuple[float, list]:
    """Run a search; a search still running after `seconds` is interrupted (and fails the test
    by its time, rather than hanging the suite for minutes)."""
    timer = threading.Timer(seconds, desk.store.conn.interrupt)
    timer.start()
    started = time.perf_counter()
    try:
        hits = desk.store.search(query)
    finally:
        timer.cancel()
    return time.perf_counter() - started, hits


def test_one_huge_repetitive_message_does_not_slow_search(desk):
    case = desk.new_case("Bea <bea@example.org>", "Invoice question", "Where is my invoice?")
    hostile = desk.new_case("Mallory <m@example.net>", "overdue", "see attached")
    desk.heard(hostile.id, "invoice " * 250_000, Channel.EMAIL)  # 2 MB, 250,000 hits

    elapsed, hits = _search_with_deadline(desk, "invoice", 10.0)

    assert elapsed < 5.0, f"search took {elapsed:.1f} s"
    assert {case_id for case_id, _ in hits} == {case.id, hostile.id}
    assert all(len(text) < 200 for _, text in hits)


def test_search_indexes_a_bounded_prefix_of_each_event(desk):
    assert "65536" in schema.MIGRATIONS[6] and search.INDEXED_CHARS == 65536
    case = desk.new_case("Bea <bea@example.org>", "Long mail", "see below")
    filler = "lorem " * (search.INDEXED_CHARS // 6)
    desk.heard(case.id, "early " + filler + " beyondthecap", Channel.EMAIL)

    assert [i for i, _ in desk.store.search("early")] == [case.id]
    assert desk.store.search("beyondthecap") == []


def test_snippet_work_is_bounded_by_the_snippet_cap():
    query = search.parse_query("needle")
    late = "hay " * search.SNIPPET_CHARS + "needle"
    assert "«" not in search.snippet(late, query)  # beyond the cap: not even looked at
    early = "needle " + "hay " * 3_000_000  # 12 MB
    shown = search.snippet(early, query)
    assert shown.startswith("«needle» hay") and shown.endswith("…") and len(shown) < 100


def test_snippet_marks_words_phrases_and_prefixes_as_fts_matches_them():
    query = search.parse_query('batt* "charger light" cafe NOT printer')
    text = "No printer: the Battery died, charger-light blinks at the Café."
    assert search.snippet(text, query) == (
        "No printer: the «Battery» died, «charger-light» blinks at the «Café»."
    )


def test_search_title_colon_says_there_are_no_columns(desk, cli):
    desk.new_case("Bea <bea@example.org>", "title:x in a subject", "body")
    result = cli("search", "title:x")
    assert result.exit_code == 1
    assert "no columns to filter on (title:)" in result.stderr
    assert "Traceback" not in result.stderr
    quoted = cli("search", '"title:x"')
    assert quoted.exit_code == 0 and "#1" in quoted.stdout


def test_many_prefix_terms_are_refused_at_once(desk):
    desk.new_case("Bea <bea@example.org>", "a title", "about apples and axes")
    started = time.perf_counter()
    with pytest.raises(SearchSyntaxError, match=r"800 prefix terms \(word\*\), at most 8"):
        desk.store.search(" ".join(["a*"] * 800))
    assert time.perf_counter() - started < 0.5
    assert desk.store.search(" OR ".join(["a*"] * search.MAX_PREFIX_TERMS))


def test_too_many_words_are_refused(desk):
    desk.new_case("Bea <bea@example.org>", "a title", "body")
    with pytest.raises(SearchSyntaxError, match="at most 32"):
        desk.store.search(" ".join(f"w{i}" for i in range(40)))
