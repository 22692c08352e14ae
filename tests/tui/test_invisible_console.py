"""The console shows invisible and control characters of customer text as escapes (issue 11):
the queue, the case header, the customer's words, the timeline and the compose screen."""

from __future__ import annotations

from tui_helpers import drive, settle

from casedesk.core.model import Channel

RLO = "\u202e"
HIDDEN = ["\u202e", "\u200b", "\u2066", "\u2069", "\u200e", "\u200f", "\ufeff", "\x85", "\x9b"]


def _raw(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in HIDDEN if c in text]


def test_console_shows_bidi_zero_width_and_c1_characters_as_escapes(make_app, desk, clock):
    case = desk.new_case(
        f"Eve{RLO}live <eve@example.org>",
        f"Pay invoice{RLO}fdp.exe\u200b now",
        f"Open \u2066invoice{RLO}fdp.exe\u2069 \x85next\x9b31m",
        owner="ann",
    )
    desk.heard(case.id, f"sent\u200e \u200fthe \ufefffile{RLO}", Channel.EMAIL)
    clock.advance(hours=1)
    app = make_app()
    screens: list[str] = []

    async def scenario(pilot):
        screens.append(app.export_screenshot())
        app.open_case(case.id)
        await settle(pilot)
        screens.append(app.export_screenshot())
        await pilot.press("t")  # compose an update: the header names customer and title
        await settle(pilot)
        screens.append(app.export_screenshot())

    drive(app, scenario, size=(140, 40))
    queue, case_screen, compose = screens
    assert "Tell the customer of #1" in compose.replace("&#160;", " ")
    assert _raw(queue) == [] and _raw(case_screen) == [] and _raw(compose) == []
    assert "invoice\\u202efdp.exe" in queue.replace("&#160;", " ")
    assert "Eve\\u202elive" in case_screen.replace("&#160;", " ")
