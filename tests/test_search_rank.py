"""Search order on both engines: the best match first, the newest case first among equal
matches."""

from __future__ import annotations

import pytest

from casedesk.core.model import Channel

pytestmark = pytest.mark.both_engines


def _order(desk, query: str, limit: int = 50) -> list[int]:
    return [case_id for case_id, _ in desk.store.search(query, limit)]


def test_equal_matches_list_the_newest_case_first(desk) -> None:
    same = [desk.new_case(f"C{n} <c{n}@example.org>", "Laptop won't charge").id for n in range(3)]
    for case_id in same:
        desk.heard(case_id, "The charger light blinks orange", Channel.EMAIL)
    desk.new_case("Dee <dee@example.org>", "Printer jams", "paper everywhere")

    assert _order(desk, "charger light") == same[::-1]


def test_the_newest_equal_match_is_found_when_older_ones_fill_the_pool(desk) -> None:
    """Only the best few hundred hits of an index are grouped into cases (`Rows.search`): among
    equal hits those are the newest, so an old case with hundreds of them cannot hide a new
    one."""
    old = desk.new_case("Ann <ann@example.org>", "Noisy fan")
    for _ in range(201):  # more than the pool of a search for 5 cases (200)
        desk.note(old.id, "fan rattles at night")
    new = desk.new_case("Ben <ben@example.org>", "Laptop loud", "my fan rattles at night")

    assert _order(desk, "fan rattles", limit=5) == [new.id, old.id]


def test_a_better_match_comes_before_a_newer_one(desk) -> None:
    both = desk.new_case("Ann <ann@example.org>", "Office kit", "printer offline since Monday")
    desk.new_case("Ben <ben@example.org>", "Office kit", "printer jammed")

    assert _order(desk, "printer OR offline")[0] == both.id
