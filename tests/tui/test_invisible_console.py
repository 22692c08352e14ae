"""The console shows invisible and control characters of customer text as escapes (issue 11):
the queue, the case header, the customer's words, the timeline with its attachment names, and
the compose screen."""

from __future__ import annotations

import sys
from pathlib import Path

from tui_helpers import drive, settle

from casedesk.core.model import Channel
from casedesk.mail.intake import take_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mail"))
from mail_helpers import RLO, SETTINGS, make_mail, raw_invisible


def test_console_shows_bidi_zero_width_and_c1_characters_as_escapes(make_app, desk, clock):
    raw = make_mail(
        subject=f"Pay invoice{RLO}fdp.exe\u200b now",
        body=f"Open \u2066invoice{RLO}fdp.exe\u2069 \x85next\x9b31m",
        sender=f"Eve{RLO}live <eve@example.org>",
        attachments=[(f"invoice{RLO}fdp.exe", "application/octet-stream", b"MZ")],
    )
    case_id = take_in(desk, raw, "test", SETTINGS).case_id
    desk.assign(case_id, "ann")
    desk.heard(case_id, f"sent\u200e \u200fthe \ufefffile{RLO}", Channel.EMAIL)
    clock.advance(hours=1)
    app = make_app()
    screens: list[str] = []

    async def scenario(pilot):
        screens.append(app.export_screenshot())
        app.open_case(case_id)
        await settle(pilot)
        screens.append(app.export_screenshot())
        await pilot.press("t")  # compose an update: the header names customer and title
        await settle(pilot)
        screens.append(app.export_screenshot())

    drive(app, scenario, size=(140, 50))
    queue, case_screen, compose = (s.replace("&#160;", " ") for s in screens)
    assert (
        raw_invisible(queue) == []
        and raw_invisible(case_screen) == []
        and raw_invisible(compose) == []
    )
    assert "invoice\\u202efdp.exe" in queue
    assert "Eve\\u202elive" in case_screen
    assert "attached: invoice\\u202efdp.exe" in case_screen
    assert "Tell the customer of #1" in compose
