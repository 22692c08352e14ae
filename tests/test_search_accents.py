"""Search folds accents on both engines, as SQLite's unicode61 remove_diacritics does: "cafe"
finds "café" and "café" finds "cafe", in titles, customers and every message; letters of other
scripts keep their marks (й is not и), and case is folded in every script."""

from __future__ import annotations

import pytest

from casedesk.core.model import Channel
from casedesk.paths import ServerStore
from casedesk.store import Store

pytestmark = pytest.mark.both_engines


def _found(desk, query: str) -> set[int]:
    return {case_id for case_id, _ in desk.store.search(query)}


@pytest.fixture
def cases(desk) -> dict[str, int]:
    ids = {
        "title": desk.new_case("Ann <ann@example.org>", "Café machine leaks").id,
        "plain": desk.new_case("Ben <ben@example.org>", "The cafe printer jams").id,
        "customer": desk.new_case("Zoë Brontë <zoe@example.org>", "Login fails").id,
        "message": desk.new_case("Cy <cy@example.org>", "Dessert order").id,
        "russian": desk.new_case("Dima <dima@example.org>", "Доступ").id,
        "other": desk.new_case("Eve <eve@example.org>", "VPN drops").id,
    }
    desk.heard(ids["message"], "Die Crème brûlée war KALT, the CRÈME too", Channel.EMAIL)
    desk.heard(ids["russian"], "МОЙ пароль не работает", Channel.EMAIL)
    return ids


def test_without_accents_finds_with_and_with_finds_without(desk, cases) -> None:
    both = {cases["title"], cases["plain"]}
    assert _found(desk, "cafe") == both
    assert _found(desk, "café") == both
    assert _found(desk, "CAFÉ") == both
    assert _found(desk, "cafè") == both  # any accent, as on SQLite: the marks are dropped


def test_customers_phrases_and_prefixes_fold_too(desk, cases) -> None:
    assert _found(desk, "zoe bronte") == {cases["customer"]}
    assert _found(desk, '"creme brulee"') == {cases["message"]}
    assert _found(desk, '"crème brulee"') == {cases["message"]}
    assert _found(desk, "brul*") == {cases["message"]}
    assert _found(desk, "creme NOT kalt") == set()


def test_other_scripts_fold_case_but_keep_their_marks(desk, cases) -> None:
    assert _found(desk, "мой") == {cases["russian"]}  # МОЙ in the message
    assert _found(desk, "мои") == set()  # й is its own letter, not и with a mark


def test_the_snippet_marks_the_accented_word_the_query_found(desk, cases) -> None:
    hits = dict(desk.store.search("creme"))
    assert "«Crème»" in hits[cases["message"]]


def test_a_store_made_before_folding_finds_accents_after_the_upgrade(desk, cases, db_path) -> None:
    """On PostgreSQL the index of existing text is rebuilt by the migration; on SQLite FTS5
    always folded."""
    if isinstance(db_path, ServerStore):
        _as_before_folding(desk.store)
        desk.close()
        reopened = Store.open(db_path)  # migrates
        desk.store = reopened
    assert _found(desk, "cafe") == {cases["title"], cases["plain"]}
    assert _found(desk, "creme") == {cases["message"]}


def _as_before_folding(store) -> None:
    """The search function, its index and the case words as schema 9 left them."""
    store.conn.raw.execute(
        """
        CREATE OR REPLACE FUNCTION casedesk_words(text) RETURNS tsvector
            LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
            to_tsvector('simple', regexp_replace($1 COLLATE casedesk_words, '[^[:alnum:]]+', ' ',
                                                 'g'));
        REINDEX INDEX events_fts;
        UPDATE cases_fts SET title = title;
        """
    )
    store.conn.raw.execute("UPDATE casedesk_schema SET version = 9")  # 10 folds
    assert not {case_id for case_id, _ in store.search("cafe")} & {
        row[0] for row in store._execute("SELECT id FROM cases WHERE title LIKE 'Caf%'")
    }
