"""Tell the customer: an editable drafted update, a channel, an optional promised next update.

ctrl+s sends it by mail (when the channel is email and mail is set up) or records it. The draft
lives only in this screen's TextArea, so a live refresh of the case underneath never touches what
the agent is writing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Select, Static, TextArea

from casedesk import keys
from casedesk.core.errors import CasedeskError
from casedesk.core.model import TELL_CHANNELS, Channel
from casedesk.core.safetext import one_line
from casedesk.core.when import parse_when
from casedesk.desk.desk import Desk
from casedesk.mail.send import deliver_and_tell
from casedesk.screens.dialogs import ConfirmDialog
from casedesk.screens.drafts import next_kind, render, starting_draft, tell_channel
from casedesk.store import CaseRow
from casedesk.widgets.presence import PresenceBeacon
from casedesk.widgets.render import last_heard_line, next_due_line

if TYPE_CHECKING:
    from casedesk.app import CasedeskApp


def tell_on_own_connection(
    app: CasedeskApp,
    case_id: int,
    text: str,
    channel: Channel,
    promise: datetime | None = None,
    expected_version: int | None = None,
) -> list[str]:
    """Send (email) or record an update from a worker thread, on a desk of its own; returns
    the one-line news (where it went, or that no mail was sent). Raises what refused it."""
    notices: list[str] = []
    desk = Desk.open(app.db, app.desk.actor)
    try:
        desk.now = app.desk.now
        deliver_and_tell(
            desk,
            case_id,
            text,
            channel,
            promise,
            notify=notices.append,
            expected_version=expected_version,
        )
    finally:
        desk.close()
    return notices


class ComposeScreen(Screen[bool]):
    AUTO_FOCUS = "#draft"
    BINDINGS = keys.COMPOSE
    app: CasedeskApp

    def __init__(self, case_id: int, kind: str | None = None) -> None:
        super().__init__()
        self.case_id = case_id
        self.sending = False
        self.row: CaseRow = self.app.desk.case_row(case_id)
        try:
            self.kind, self.drafted = starting_draft(self.app.desk, case_id, kind)
        except CasedeskError as exc:  # e.g. a broken templates file: say so, start blank
            self.app.notify(str(exc), severity="error", timeout=10)
            self.kind, self.drafted = kind or "progress", ""

    def compose(self) -> ComposeResult:
        with Vertical(id="compose"):
            yield Static(self._summary(), id="compose-summary")
            yield PresenceBeacon(self.case_id, "composing", id="presence")
            with Horizontal(id="compose-options"):
                with Vertical(classes="option"):
                    yield Label("Channel")
                    yield Select(
                        [(c.value, c.value) for c in TELL_CHANNELS],
                        value=tell_channel(self.row.case).value,
                        allow_blank=False,
                        id="channel",
                    )
                with Vertical(classes="option"):
                    yield Label("Promise the next update by (optional)")
                    yield Input(placeholder="+4h, tomorrow 9:00, fri 12:00", id="promise")
            yield Label(Text(f"Update ({self.kind}; ctrl+t for another template)"), id="kind")
            area = TextArea(self.drafted, id="draft", soft_wrap=True)
            area.show_line_numbers = False
            yield area
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#draft", TextArea).focus()

    def _summary(self) -> Text:
        row = self.row
        text = Text(f"Tell the customer of #{row.case.id}: ", style="bold")
        text.append(one_line(row.customer.name)).append(f" — {one_line(row.case.title)}")
        if row.customer.email:
            text.append(f"\nTo: {one_line(row.customer.email)}")
        now = self.app.desk.now()
        text.append("\n").append_text(last_heard_line(row, now))
        text.append("\n").append_text(next_due_line(row, now, self.app.desk.policy))
        return text

    def reload(self) -> None:
        """Another agent may have told them meanwhile: refresh the facts, never the draft."""
        try:
            self.row = self.app.desk.case_row(self.case_id)
        except Exception:
            return
        self.query_one("#compose-summary", Static).update(self._summary())

    @property
    def text(self) -> str:
        return self.query_one("#draft", TextArea).text

    def action_next_template(self) -> None:
        area = self.query_one("#draft", TextArea)
        if area.text != self.drafted:
            self.notify("the draft was edited; clear it first to switch template")
            return
        kind = next_kind(self.kind)
        try:
            drafted = render(self.app.desk, self.case_id, kind)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.kind, self.drafted = kind, drafted
        area.load_text(self.drafted)
        label = f"Update ({self.kind}; ctrl+t for another template)"
        self.query_one("#kind", Label).update(Text(label))

    def action_send(self) -> None:
        keys.after_typed_keys(self, self._send)

    def _send(self) -> None:
        if self.sending:
            return
        channel = Channel(str(self.query_one("#channel", Select).value))
        promise_text = self.query_one("#promise", Input).value.strip()
        try:
            promise = parse_when(promise_text, self.app.desk.now()) if promise_text else None
        except CasedeskError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.sending = True
        if channel is Channel.EMAIL:
            self.notify("sending…", timeout=3)
        self._deliver(self.text, channel, promise)

    @work(thread=True, exclusive=True, group="send")
    def _deliver(self, text: str, channel: Channel, promise: datetime | None) -> None:
        """Send (email) or record the update on a connection of its own: SMTP can take its
        time, and the screen stays responsive meanwhile."""
        try:
            notices = tell_on_own_connection(self.app, self.case_id, text, channel, promise)
        except Exception as exc:
            reason = str(exc) if isinstance(exc, CasedeskError) else f"not sent: {exc!r}"
            self.app.call_from_thread(self._not_sent, reason)
            return
        self.app.call_from_thread(self._told, channel, notices)

    def _told(self, channel: Channel, notices: list[str]) -> None:
        self.app.store_changed()
        news = " ".join(n.strip() for n in notices)
        self.app.notify(f"told the customer of #{self.case_id} by {channel}. {news}".strip())
        self.dismiss(True)

    def _not_sent(self, reason: str) -> None:
        """Nothing was recorded; the draft stays here (and, for mail, among the drafts)."""
        self.sending = False
        self.notify(reason, severity="error", timeout=15)

    @property
    def edited(self) -> bool:
        """The agent has written something that would be lost if the screen went away."""
        return self.text.strip() != self.drafted.strip()

    def action_cancel(self) -> None:
        if not self.edited:
            self.dismiss(False)
            return
        self.app.push_screen(
            ConfirmDialog("Throw this draft away?", "Nothing has been sent or recorded."),
            lambda yes: self.dismiss(False) if yes else None,
        )
