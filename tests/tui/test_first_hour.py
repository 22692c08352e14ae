"""What a new user meets first: the empty store, the default view, an 80-column terminal."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static
from tui_helpers import drive, settle

from casedesk.widgets.case_list import CaseList
from casedesk.widgets.render import MIN_TITLE, Columns, header_row, queue_row, told_text


def test_columns_give_way_in_order_so_a_title_keeps_20_characters():
    wide = Columns.fit(120)
    assert wide.status and wide.owner and wide.told == 16
    # 80 columns in view "mine": the owner (always you) goes first, and that is enough.
    mine = Columns.fit(80, mine_only=True)
    assert (mine.owner, mine.status, mine.told) == (0, 9, 11)
    # Any other view keeps the owner: the status goes instead.
    other = Columns.fit(80)
    assert (other.owner, other.status, other.told) == (6, 0, 11)
    # Narrower still: "last heard" shrinks to "2d", then the customer's name narrows.
    narrow = Columns.fit(70)
    assert narrow.status == 0 and narrow.told == 5 and narrow.customer < 12
    for width in range(70, 200):
        for mine_only in (False, True):
            cols = Columns.fit(width, mine_only)
            assert cols.title >= MIN_TITLE, (width, mine_only)
            assert len(header_row(cols).plain) == width


def test_last_heard_shortens_to_two_characters(seeded, desk, clock):
    clock.advance(days=2)
    row = desk.case_row(seeded["printer"])
    never = desk.case_row(seeded["hostile"])
    now = clock.now
    assert told_text(row, now, 16) == "told 2d 3h ago"
    assert told_text(row, now, 11) == "2d 3h ago"
    assert told_text(row, now, 5) == "2d"
    assert (told_text(never, now, 11), told_text(never, now, 5)) == ("never told", "never")
    line = queue_row(row, now, Columns.fit(70)).plain
    assert line.rstrip().endswith(" 2d")


def test_at_80_by_24_every_view_shows_the_first_20_characters_of_a_title(
    make_app, seeded, desk, clock
):
    title = "Outlook keeps asking for the password after every update"
    desk.new_case("Femi Adeyemi-Johnson <femi@example.com>", title, owner="ann")
    app = make_app()

    async def scenario(pilot):
        for view in ("0", "1", "2"):
            await pilot.press(view)
            await settle(pilot)
            cases = app.screen.query_one(CaseList)
            lines = [cases.render_line(y).text for y in range(cases.total)]
            assert any(title[:20] in line for line in lines), (view, lines)
            assert all(len(line) == cases.size.width for line in lines)

    drive(app, scenario, size=(80, 24))


def test_an_empty_store_says_how_to_begin_until_the_first_case(make_app, db_path, monkeypatch):
    monkeypatch.setenv("CASEDESK_CONFIG", str(db_path.parent / "config.toml"))
    app = make_app()

    async def scenario(pilot):
        welcome = app.screen.query_one("#welcome", Static)
        assert welcome.display and not app.screen.query_one(CaseList).display
        shown = welcome.render()
        text = shown.plain if isinstance(shown, Text) else str(shown)
        for hint in ("N ", "casedesk import PATH", "casedesk fetch", "casedesk demo"):
            assert hint in text
        assert str(db_path.parent / "config.toml") in text
        await pilot.press("N")
        await settle(pilot)
        form = app.screen
        form.query_one("#field-customer").value = "Zoe Ek <zoe@example.com>"
        form.query_one("#field-title").value = "Scanner saves blank pages"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")  # from the new case back to the queue
        await settle(pilot)
        assert not welcome.display and app.screen.query_one(CaseList).total == 1

    drive(app, scenario)
