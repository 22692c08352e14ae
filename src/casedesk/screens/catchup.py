"""The catch-up round: every overdue case of the queue's view, most overdue first, one screen
each, with the fitting update already drafted, so telling nine waiting customers is nine ctrl+s.

The next cases are prepared (row, last entries, drafted update) in a worker while the agent
reads the current one, so moving on only paints. Every case carries the version it had when
the round began: one that another agent told or changed since is skipped with a notice, and the
send itself passes that version, so a customer is never told twice.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea

from casedesk import keys
from casedesk.core.errors import CasedeskError, Conflict
from casedesk.core.model import TELL_CHANNELS, Channel, Event
from casedesk.core.when import parse_when
from casedesk.desk.desk import Desk
from casedesk.mail.send import deliver_and_tell
from casedesk.mail.settings import load_mail_settings
from casedesk.screens.actions import ask_snooze
from casedesk.screens.compose import tell_on_own_connection
from casedesk.screens.dialogs import ConfirmDialog
from casedesk.screens.drafts import next_kind, render, starting_draft, tell_channel
from casedesk.store import CaseRow, Store, views
from casedesk.store.views import Query
from casedesk.widgets.presence import PresenceBeacon
from casedesk.widgets.render import round_header
from casedesk.widgets.timeline import Timeline

if TYPE_CHECKING:
    from casedesk.app import CasedeskApp

LAST_ENTRIES = 4  # the timeline entries shown under the header
AHEAD = 2  # cases prepared ahead of the one on screen
# Benchmarks set this to a file name: each keypress → next drafted screen time (ms) is appended.
TIMINGS_ENV = "CASEDESK_ROUND_TIMINGS_FILE"


@dataclass(frozen=True, slots=True)
class Prepared:
    """One case of the round, ready to paint."""

    row: CaseRow
    last: list[Event]
    events: int
    kind: str
    draft: str


def prepare(desk: Desk, case_id: int) -> Prepared:
    """The case, its last few entries and the update that fits it (the compose screen's draft)."""
    row = desk.case_row(case_id)
    kind, draft = starting_draft(desk, case_id)
    events = desk.events(case_id)
    return Prepared(row, events[-LAST_ENTRIES:], len(events), kind, draft)


def _mail_set_up() -> bool:
    """Does telling by email send mail (else it is only recorded, a local write)?"""
    try:
        return load_mail_settings().can_send
    except CasedeskError:
        return True  # the send says what is wrong with the settings


@dataclass(slots=True)
class Tally:
    told: int = 0
    snoozed: int = 0
    skipped: int = 0

    def summary(self, still_overdue: int) -> str:
        return (
            f"told {self.told} · snoozed {self.snoozed} · skipped {self.skipped} · "
            f"{still_overdue} still overdue"
        )


class CatchUpScreen(Screen[str]):
    """Dismissed with the round's summary line."""

    AUTO_FOCUS = "#round-timeline"
    BINDINGS = keys.ROUND
    app: CasedeskApp

    def __init__(self, query: Query, cases: list[tuple[int, int]]) -> None:
        """`cases`: (case id, version when the round began), most overdue first."""
        super().__init__()
        self.query_spec = query
        self.cases = cases
        self.versions = dict(cases)
        self.index = -1
        self.tally = Tally()
        self.current: Prepared | None = None
        self.ready: dict[int, Prepared] = {}
        self.kind = ""
        self.drafted = ""
        self.channel = Channel.EMAIL
        self.sending = False
        self.timings: list[float] = []  # keypress → next drafted screen, seconds
        self._pressed: float | None = None
        self._said: set[str] = set()
        self._warned: set[int] = set()
        self._reader_desk: Desk | None = None
        self._mail_set_up = _mail_set_up()

    def compose(self) -> ComposeResult:
        yield Static(id="round-progress")
        yield Static(id="round-header")
        # Others see this agent writing to each customer in turn, as from the compose screen.
        yield PresenceBeacon(None, "composing", id="round-presence")
        yield Static(id="round-timeline-title")
        yield Timeline(self.app.desk.now, id="round-timeline")
        with Horizontal(id="round-choices"):
            yield Static(id="round-options")
            yield Static("promise by (p)", id="round-promise-label")
            yield Input(placeholder="+4h, fri 12:00", id="round-promise")
        area = TextArea("", id="round-draft", soft_wrap=True)
        area.show_line_numbers = False
        yield area
        yield Footer()

    def on_mount(self) -> None:
        self._advance()

    # -- moving through the round ---------------------------------------------------------

    def _advance(self) -> None:
        """Show the next case nobody changed since the round began, or end the round."""
        while True:
            self.index += 1
            if self.index >= len(self.cases):
                self._end()
                return
            case_id, version = self.cases[self.index]
            prepared = self.ready.pop(case_id, None)
            try:
                self.app.desk.check_unchanged(case_id, version)
                if prepared is None or prepared.row.case.version != version:
                    prepared = prepare(self.app.desk, case_id)
            except Conflict as exc:
                self._skip_changed(str(exc))
                continue
            except CasedeskError as exc:
                self.tally.skipped += 1
                self.notify(f"#{case_id}: {exc}; skipped", severity="warning", timeout=8)
                continue
            self._show(prepared)
            self._prepare_ahead()
            return

    def _skip_changed(self, why: str) -> None:
        self.tally.skipped += 1
        self.notify(f"{why} — skipped, not told twice", severity="warning", timeout=10)

    def _prepare_ahead(self) -> None:
        upcoming = [
            case_id
            for case_id, _ in self.cases[self.index + 1 : self.index + 1 + AHEAD]
            if case_id not in self.ready
        ]
        if upcoming:
            self._prepare(upcoming)

    @work(thread=True, group="round-prepare", exit_on_error=False)
    def _prepare(self, case_ids: list[int]) -> None:
        for case_id in case_ids:
            try:
                prepared = self.app.read(
                    lambda store, wanted=case_id: prepare(self._reading_desk(store), wanted)
                )
            except CasedeskError:
                continue  # prepared on the spot when its turn comes, and refused then
            self.app.call_from_thread(self.ready.__setitem__, case_id, prepared)

    def _reading_desk(self, store: Store) -> Desk:
        """A desk over the app's read connection: drafting only reads."""
        if self._reader_desk is None or self._reader_desk.store is not store:
            own = self.app.desk
            self._reader_desk = Desk(store=store, policy=own.policy, actor=own.actor, now=own.now)
        return self._reader_desk

    def _show(self, prepared: Prepared) -> None:
        self.current = prepared
        self.kind, self.drafted = prepared.kind, prepared.draft
        self.channel = tell_channel(prepared.row.case)
        self.sending = False
        self._paint_case()
        self.query_one(PresenceBeacon).move_to(prepared.row.case.id)
        timeline = self.query_one(Timeline)
        timeline.show(prepared.last, follow=True)
        self.query_one("#round-draft", TextArea).load_text(prepared.draft)
        self._promise.value = ""  # a promise is made to one customer
        timeline.focus()
        if self._pressed is not None:
            self.call_after_refresh(self._painted, self._pressed)
            self._pressed = None

    def _painted(self, pressed: float) -> None:
        elapsed = time.perf_counter() - pressed
        self.timings.append(elapsed)
        target = os.environ.get(TIMINGS_ENV)
        if target:
            with open(target, "a", encoding="utf-8") as out:
                out.write(f"{elapsed * 1000:.1f}\n")

    def _paint_case(self) -> None:
        prepared = self.current
        if prepared is None:
            return
        row = prepared.row
        tally = self.tally
        progress = Text(f"Catch-up round · {self.index + 1} of {len(self.cases)}", style="bold")
        progress.append(
            f" · told {tally.told} · snoozed {tally.snoozed} · skipped {tally.skipped}"
            + (" · sending…" if self.sending else "")
        )
        self.query_one("#round-progress", Static).update(progress)
        now = self.app.desk.now()
        header = round_header(row, now, self.app.desk.policy)
        self.query_one("#round-header", Static).update(header)
        shown = len(prepared.last)
        title = Text(f"Last {shown} of {prepared.events} entries", style="bold")
        self.query_one("#round-timeline-title", Static).update(title)
        options = Text("Tell by ")
        options.append(self.channel.value, style="bold")
        options.append(" (c) · template ")
        options.append(self.kind, style="bold")
        options.append(" (ctrl+t)")
        self.query_one("#round-options", Static).update(options)

    def _start_timing(self) -> None:
        self._pressed = time.perf_counter()

    # -- keys -----------------------------------------------------------------------------

    @property
    def _draft(self) -> TextArea:
        return self.query_one("#round-draft", TextArea)

    @property
    def _promise(self) -> Input:
        return self.query_one("#round-promise", Input)

    @property
    def case_id(self) -> int | None:
        return self.current.row.case.id if self.current else None

    @property
    def edited(self) -> bool:
        """An update the agent wrote that would be lost (the app asks before quitting)."""
        return self.current is not None and self._draft.text.strip() != self.drafted.strip()

    def action_send(self) -> None:
        if self.sending or self.current is None:
            return
        shown = self.current.row.case.id
        keys.after_typed_keys(self, lambda: self._send(shown))

    def _send(self, shown: int) -> None:
        """Send the update to the case that was on screen when ctrl+s was pressed, if it still
        is (a second ctrl+s read meanwhile must not tell the next customer unread)."""
        if self.sending or self.current is None or self.current.row.case.id != shown:
            return
        text = self._draft.text
        if not text.strip():
            self.notify("the update is empty: write something or ctrl+n to skip", severity="error")
            return
        promise_text = self._promise.value.strip()
        try:
            promise = parse_when(promise_text, self.app.desk.now()) if promise_text else None
        except CasedeskError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            self._promise.focus()
            return
        self._start_timing()
        case_id, channel = self.current.row.case.id, self.channel
        version = self.versions[case_id]
        if channel is Channel.EMAIL and self._mail_set_up:
            self.sending = True  # SMTP takes its time: in a worker, the screen stays live
            self._paint_case()
            self._deliver(case_id, text, channel, version, promise)
            return
        # Only recording it: one local write, done here so moving on stays instant.
        notices: list[str] = []
        try:
            deliver_and_tell(
                self.app.desk,
                case_id,
                text,
                channel,
                promise,
                notify=notices.append,
                expected_version=version,
            )
        except Conflict as exc:
            self._changed_meanwhile(str(exc))
            return
        except CasedeskError as exc:
            self._not_sent(str(exc))
            return
        self._told(case_id, channel, notices)

    @work(thread=True, exclusive=True, group="round-send", exit_on_error=False)
    def _deliver(
        self, case_id: int, text: str, channel: Channel, version: int, promise: datetime | None
    ) -> None:
        app = self.app
        try:
            notices = tell_on_own_connection(app, case_id, text, channel, promise, version)
        except Conflict as exc:
            app.call_from_thread(self._changed_meanwhile, str(exc))
            return
        except Exception as exc:
            reason = str(exc) if isinstance(exc, CasedeskError) else f"not sent: {exc!r}"
            app.call_from_thread(self._not_sent, reason)
            return
        app.call_from_thread(self._told, case_id, channel, notices)

    def _told(self, case_id: int, channel: Channel, notices: list[str]) -> None:
        self.tally.told += 1
        for news in notices:
            if news.startswith("sent to"):
                self.notify(f"told #{case_id} by {channel}: {news}", timeout=4)
            elif news not in self._said:  # "no mail was sent…": once a round is enough
                self._said.add(news)
                self.notify(news, timeout=8)
        self._advance()
        self.app.store_changed()

    def _changed_meanwhile(self, why: str) -> None:
        self._skip_changed(why)
        self._advance()

    def _not_sent(self, reason: str) -> None:
        """Nothing was recorded: the draft stays, and so does the round."""
        self.sending = False
        self._pressed = None
        self._paint_case()
        self.notify(reason, severity="error", timeout=15)

    def action_skip(self) -> None:
        if self.sending or self.current is None:
            return
        self._start_timing()
        self.tally.skipped += 1
        self._advance()

    def action_snooze(self) -> None:
        if self.sending or self.current is None:
            return
        ask_snooze(self.app, self.current.row.case.id, then=self._snoozed)

    def _snoozed(self) -> None:
        self._start_timing()
        self.tally.snoozed += 1
        self._advance()

    def action_take(self) -> None:
        if self.sending or self.current is None:
            return
        case_id = self.current.row.case.id
        me = self.app.desk.actor
        if self.current.row.case.owner == me:
            self.notify(f"#{case_id} is already yours")
            return
        try:
            state = self.app.desk.assign(case_id, me, expected_version=self.versions[case_id])
            row = self.app.desk.case_row(case_id)
        except Conflict as exc:
            self._changed_meanwhile(str(exc))
            return
        except CasedeskError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.versions[case_id] = state.version
        self.current = replace(self.current, row=row)
        self._paint_case()
        self.notify(f"#{case_id} is yours now", timeout=4)
        self.app.store_changed()

    def action_edit(self) -> None:
        self._draft.focus()

    def action_promise(self) -> None:
        self._promise.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """enter in the promise field: back to the draft, to read it once more and send."""
        event.stop()
        self._draft.focus()

    def action_next_channel(self) -> None:
        order = list(TELL_CHANNELS)
        self.channel = order[(order.index(self.channel) + 1) % len(order)]
        self._paint_case()

    def action_next_template(self) -> None:
        if self.current is None:
            return
        if self.edited:
            self.notify("the draft was edited; clear it first to switch template")
            return
        kind = next_kind(self.kind)
        try:
            drafted = render(self.app.desk, self.current.row.case.id, kind)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.kind, self.drafted = kind, drafted
        self._draft.load_text(drafted)
        self._paint_case()

    def action_end(self) -> None:
        if self._draft.has_focus or self._promise.has_focus:
            self.query_one(Timeline).focus()  # esc leaves the editor; a second esc ends
            return
        if self.sending:
            self.notify("still sending; the round ends when it has gone out or failed")
            return
        if self.current is None or not self.edited:
            self._end()
            return
        self.app.push_screen(
            ConfirmDialog(
                f"End the round and throw away your edited update to #{self.current.row.case.id}?",
                "Nothing has been sent or recorded for it.",
            ),
            lambda yes: self._end() if yes else None,
        )

    def _end(self) -> None:
        now = self.app.desk.now()
        try:
            still = views.overdue_count(self.app.desk.store, self.query_spec, now)
        except CasedeskError:
            still = len(self.cases) - self.tally.told - self.tally.snoozed
        self.dismiss(self.tally.summary(still))

    # -- live -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Someone wrote: if it was to the case on screen, it is theirs now — move on."""
        if self.current is None or self.sending:
            return
        case_id = self.current.row.case.id
        try:
            self.app.desk.check_unchanged(case_id, self.versions[case_id])
        except Conflict as exc:
            if self.edited:
                if case_id in self._warned:
                    return
                self._warned.add(case_id)
                self.notify(
                    f"{exc}. ctrl+s will not tell them twice: it skips the case",
                    severity="warning",
                    timeout=10,
                )
                return
            self._changed_meanwhile(str(exc))
        except CasedeskError:
            return

    def tick(self) -> None:
        self._paint_case()
