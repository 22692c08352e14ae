"""Attachments on the case screen: listed under their mail, saved safely with `d`."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from textual.widgets import Input
from tui_helpers import drive, messages, settle

from casedesk.mail.intake import take_in
from casedesk.mail.settings import load_mail_settings
from casedesk.screens.case import CaseScreen
from casedesk.screens.dialogs import FormDialog, PickerDialog
from casedesk.widgets.timeline import Timeline

sys.path.insert(0, str(Path(__file__).parents[1] / "mail"))
from mail_helpers import make_mail

HOSTILE_NAME = "invoice\u202efdp.exe\x1b[31m.pdf"  # a bidi override and an escape in the name


def mail_with_attachments(desk) -> int:
    raw = make_mail(
        attachments=[
            ("photo of the printer.jpg", "image/jpeg", b"\xff\xd8" + b"x" * 3000),
            (HOSTILE_NAME, "application/pdf", b"%PDF-1.4 hostile"),
        ]
    )
    return take_in(desk, raw, "test", load_mail_settings()).case_id


def test_the_mail_entry_lists_its_attachments_with_their_names_made_safe(make_app, desk):
    case_id = mail_with_attachments(desk)
    app = make_app()

    async def scenario(pilot):
        app.open_case(case_id)
        await settle(pilot)
        shown = app.screen.query_one(Timeline).entry_text(0)
        assert "attached: photo of the printer.jpg (2.9 KB, image/jpeg)" in shown
        assert "\u202e" not in shown and "\x1b" not in shown
        assert "attached: invoice" in shown and "(16 bytes, application/pdf)" in shown

    drive(app, scenario)


def test_d_saves_the_chosen_attachment_into_the_folder_asked_for(make_app, desk, tmp_path):
    case_id = mail_with_attachments(desk)
    folder = tmp_path / "saved"
    folder.mkdir()
    outside = tmp_path / "outside.jpg"
    (folder / "photo of the printer.jpg").symlink_to(outside)  # planted: never followed
    app = make_app()

    async def scenario(pilot):
        app.open_case(case_id)
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, PickerDialog)
        await pilot.press("1")  # the photo
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        field = app.screen.query_one("#field-folder", Input)
        assert field.value  # the download folder is offered
        field.value = str(folder)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)

    drive(app, scenario)
    saved = folder / "photo of the printer (2).jpg"
    assert saved.read_bytes() == b"\xff\xd8" + b"x" * 3000
    assert stat.S_IMODE(os.stat(saved).st_mode) & 0o077 == 0
    assert not outside.exists()
    assert any(m.startswith("saved ") and "(2).jpg" in m for m in messages(app))


def test_d_on_an_entry_without_attachments_says_where_they_are(make_app, desk, seeded):
    case_id = mail_with_attachments(desk)
    desk.note(case_id, "looked at the photo")
    app = make_app()

    async def scenario(pilot):
        app.open_case(case_id)
        await settle(pilot)
        await pilot.press("d")  # the cursor is on the note, the newest entry
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "the case has 2" in messages(app)[-1]

    drive(app, scenario)
