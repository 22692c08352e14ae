"""One case: pinned facts (owner, last heard, next due), the customer's words, the timeline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from casedesk import keys
from casedesk.core.errors import CasedeskError
from casedesk.core.model import Event
from casedesk.core.safetext import one_line, printable
from casedesk.paths import downloads_dir
from casedesk.screens.actions import CaseActions
from casedesk.screens.dialogs import Field, FormDialog, PickerDialog
from casedesk.store import CaseRow
from casedesk.widgets.presence import PresenceBeacon
from casedesk.widgets.render import attachment_words, case_header
from casedesk.widgets.subtasks import SubtaskPanel, ask_add_subtask, ask_finish_subtask
from casedesk.widgets.timeline import Timeline

if TYPE_CHECKING:
    from casedesk.app import CasedeskApp
    from casedesk.store.mail import AttachmentRow, MailStore


class CaseScreen(CaseActions, Screen[None]):
    AUTO_FOCUS = "#timeline"
    BINDINGS = keys.CASE
    app: CasedeskApp

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.row: CaseRow = self.app.desk.case_row(case_id)
        self.events: list[Event] = self.app.desk.timeline(case_id)
        self._just_shown = False

    def compose(self) -> ComposeResult:
        yield Static(id="case-header")
        yield PresenceBeacon(self.case_id, "viewing", id="presence")
        yield SubtaskPanel(id="subtasks")
        yield Static(id="problem")
        yield Static(id="timeline-title")
        yield Timeline(self.app.desk.now, id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        self._show(follow=True)
        self._just_shown = True

    def on_screen_resume(self) -> None:
        """Back from a dialog or another screen: read the case again. Not on the first show:
        the case was read a moment ago, to compose the screen (the live poll still looks)."""
        if self._just_shown:
            self._just_shown = False
        elif self.is_mounted:
            self.reload()

    def target(self) -> CaseRow | None:
        return self.row

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the case again (another agent, or our own action, changed it)."""
        try:
            row = self.app.desk.case_row(self.case_id)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error")
            return
        changed = row.case.version != self.row.case.version
        self.row = row
        if changed:
            self.events = self.app.desk.timeline(self.case_id)
        self._show(follow=False, events_changed=changed)

    def tick(self) -> None:
        """Time moved on: relative times and "overdue" must follow."""
        self._show(follow=False, events_changed=False)

    def _show(self, follow: bool, events_changed: bool = True) -> None:
        now = self.app.desk.now()
        self.query_one("#case-header", Static).update(
            case_header(self.row, now, self.app.desk.policy)
        )
        if events_changed:
            self.call_after_refresh(self._load_subtasks)  # after the timeline's first paint
        words = Text("In the customer's words: ", style="bold")
        words.append(printable(self.row.case.body or self.row.case.title))
        self.query_one("#problem", Static).update(words)
        count = len(self.events)
        title = Text(f"Timeline — {count} event{'' if count == 1 else 's'}", style="bold")
        title.append("   x fold/unfold · e unfold all · j/k move", style="dim")
        self.query_one("#timeline-title", Static).update(title)
        timeline = self.query_one(Timeline)
        if events_changed:
            timeline.show(self.events, follow=follow)
        else:
            timeline.repaint()

    # -- folding --------------------------------------------------------------------------

    def action_toggle_fold(self) -> None:
        self.query_one(Timeline).action_toggle()

    def action_expand_all(self) -> None:
        self.query_one(Timeline).toggle_all()

    def _load_subtasks(self) -> None:
        try:
            self.query_one(SubtaskPanel).load(self.app.desk, self.case_id)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error")

    # -- sub-tasks (the panel and dialogs live in casedesk.widgets.subtasks) ------------------

    def action_add_subtask(self) -> None:
        ask_add_subtask(self, self.app.desk, self.case_id, then=self.app.store_changed)

    def action_finish_subtask(self) -> None:
        ask_finish_subtask(self, self.app.desk, self.case_id, then=self.app.store_changed)

    # -- attachments ----------------------------------------------------------------------

    def action_save_attachment(self) -> None:
        """d: save an attachment of the mail under the cursor (which one, then where)."""
        from casedesk.store.mail import MailStore

        timeline = self.query_one(Timeline)
        if not timeline.events:
            return
        event = timeline.events[timeline.cursor]
        mail = MailStore(self.app.desk.store)
        rows = mail.attachments_of_event(event.id) if event.id is not None else []
        if not rows:
            total = len(mail.attachments(self.case_id))
            where = f"; the case has {total}: move to the mail that lists them" if total else ""
            self.notify(f"this entry has no attachments{where}")
            return
        if len(rows) == 1:
            self._ask_folder(mail, rows[0])
            return
        choices = [
            (r, attachment_words({"name": r.filename, "type": r.content_type, "size": r.size}))
            for r in rows
        ]
        self.app.push_screen(
            PickerDialog("Save which attachment?", choices),
            lambda row: self._ask_folder(mail, row) if row is not None else None,
        )

    def _ask_folder(self, mail: MailStore, row: AttachmentRow) -> None:
        from casedesk.mail.attachments import save_new, saving_folder

        def submit(values: dict[str, str]) -> Path:
            folder = Path(values["folder"].strip() or downloads_dir()).expanduser()
            saving_folder(folder)
            return save_new(folder, row.filename, mail.attachment_content(row.id) or b"")

        def saved(target: Path | None) -> None:
            if target is not None:
                self.notify(f"saved {printable(str(target))}")

        self.app.push_screen(
            FormDialog(
                f"Save {one_line(row.filename, 50)}",
                [Field("folder", "Into the folder", value=str(downloads_dir()))],
                submit,
                note="A file of that name is never overwritten: a new name is picked.",
            ),
            saved,
        )

    def action_back(self) -> None:
        self.dismiss(None)
