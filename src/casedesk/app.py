"""The console app: opens the desk, watches the store for changes, nags about overdue cases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events
from textual.app import App
from textual.command import Provider
from textual.notifications import SeverityLevel
from textual.screen import Screen

from casedesk import keys, paths
from casedesk.core import clock
from casedesk.core.errors import CasedeskError, Interrupted
from casedesk.core.model import INTAKE_CHANNELS, Channel, Priority, Urgency
from casedesk.core.rules import humanize
from casedesk.core.safetext import one_line
from casedesk.screens import FIRST_STYLESHEETS, LATER_STYLESHEETS
from casedesk.store import Store, views
from casedesk.store.views import ChangeWatcher
from casedesk.widgets.case_list import PAGE, FirstPage
from casedesk.widgets.presence import PresenceBeacon

if TYPE_CHECKING:
    from casedesk.core.policy import Policy
    from casedesk.desk.desk import Desk

T = TypeVar("T")
QUIT_AT_ONCE = ("ctrl+q", "ctrl+c")  # never held back while the queue loads

POLL_SECONDS = 1.0  # live refresh: another agent's change shows within 2 s
NAG_MAX_LISTED = 5
TICK_SECONDS = 30.0  # repaint "in 2h" / "3h overdue" as time passes


def _action_commands() -> type[Provider]:
    """The command palette's providers are loaded when it first opens, not at start."""
    from casedesk.commands import ActionCommands

    return ActionCommands


def _case_jump_commands() -> type[Provider]:
    from casedesk.commands import CaseJumpCommands

    return CaseJumpCommands


class CasedeskApp(App[None]):
    TITLE = "casedesk"
    BINDINGS = keys.APP
    COMMANDS = App.COMMANDS | {_action_commands, _case_jump_commands}
    CSS_PATH = FIRST_STYLESHEETS
    CSS = """
    Toast { max-width: 70; }
    """

    def __init__(
        self,
        db: Path,
        agent: str,
        settings: dict[str, Any] | None = None,
        poll_seconds: float | None = POLL_SECONDS,
    ) -> None:
        """`poll_seconds=None` turns live polling off (tests call `poll()` themselves)."""
        super().__init__()
        self.poll_seconds = poll_seconds
        self.db = db
        self.agent = agent
        # Workers read through their own connection (one at a time), so a slow query on a big
        # store never shares a connection with the desk's writes on the UI thread.
        self.reader = Store.open(db)  # first: it says why a user cannot use the store's folder
        # The desk (the domain, its policy: ~20 ms of imports) opens once the first rows are
        # painted, unless the stored due times must follow a changed policy before the queue
        # reads them, or the rows need its working hours.
        self._desk: Desk | None = None
        self._desk_lock = threading.Lock()
        self.desk_failed: CasedeskError | None = None
        if not self._due_times_current():
            self.desk  # noqa: B018 - opened now
        self._read_lock = threading.Lock()
        # Searches have a connection of their own, so a search that is replaced or abandoned
        # can be interrupted without touching the queue's reads.
        self.searcher = Store.open(db)
        self._search_lock = threading.Lock()
        self._search_state = threading.Lock()
        self._search_turn = 0
        self._searching = False
        self._closed = False  # quitting: the connections close, no thread may read on them
        self.watcher = ChangeWatcher(db)
        if settings is None:
            from casedesk.config import tui_settings

            settings = tui_settings()
        self.settings = settings
        self.nagged: set[int] = set()
        self._nag_checked: datetime | None = None
        self._held_back = False  # overdue cases kept quiet outside working hours
        # The first page of the queue is read while Textual starts up (SQLite lets go of the
        # GIL while it works), so a big store costs next to nothing at start.
        self._first_query = views.Query(views.View.MINE_AND_UNASSIGNED, views.Sort.DUE, agent)
        self._prefetched: FirstPage | None = None
        self._prefetch = threading.Thread(target=self._prefetch_queue, daemon=True)
        self._prefetch.start()
        # Keys typed before the queue shows its first rows wait for them (`on_event`): acting
        # on an empty list would lose them.
        self._held_keys: list[events.Key] | None = []
        self._later_css_read = False

    def _due_times_current(self) -> bool:
        """The stored due times follow the policy file as it is, without working hours."""
        try:
            return self.reader.due_times_follow(paths.file_signature(paths.policy_file(self.db)))
        except CasedeskError:
            return False  # the desk says what is wrong

    @property
    def desk(self) -> Desk:
        """Every action of the agent, opened on first use (from any thread)."""
        if self._desk is None:
            with self._desk_lock:
                if self._desk is None:
                    from casedesk.desk.desk import Desk

                    self._desk = Desk.open(self.db, self.agent)
        return self._desk

    def row_policy(self) -> Policy | None:
        """The policy the queue's rows need: only its working hours change them, and with
        `[hours]` the desk is open from the start."""
        return self._desk.policy if self._desk is not None else None

    def now(self) -> datetime:
        """The desk's clock, without opening the desk for it."""
        desk = self._desk
        return desk.now() if desk is not None else clock.now()

    def _prefetch_queue(self) -> None:
        query, now = self._first_query, self.now()
        counted: list[int] = []

        def count() -> None:  # on the search connection, beside the page: both at once
            # A failure is left to the queue's own worker, as below.
            with self._search_lock, suppress(CasedeskError):
                if not self._closed:
                    counted.append(views.count(self.searcher, query, now))

        counter = threading.Thread(target=count, daemon=True)
        counter.start()
        try:
            first = self.read(lambda s: views.page(s, query, now, 0, PAGE))
            affected = self.read(lambda s: views.affected_counts(s, first)) if first else {}
            counter.join()
            if not counted:
                return
            total = counted[0]
            empty = total == 0 and self.read(views.is_empty)
        except CasedeskError:
            counter.join()
            return  # the queue's own worker will try again and report it
        self._prefetched = FirstPage(total, first, affected, empty)

    def take_prefetched(self, query: views.Query, wait: float | None = None) -> FirstPage | None:
        """The start-up page of `query`, once (None when it was another query, or not read
        within `wait` seconds)."""
        self._prefetch.join(wait)
        if self._prefetch.is_alive():
            return None
        found, self._prefetched = self._prefetched, None
        return found if query == self._first_query else None

    async def on_event(self, event: events.Event) -> None:
        if (
            self._held_keys is not None
            and isinstance(event, events.Key)
            and not event.is_forwarded
            and event.key not in QUIT_AT_ONCE
        ):
            self._held_keys.append(event)
            return
        await super().on_event(event)

    def stop_holding_keys(self) -> None:
        """The queue shows its first rows (or why it cannot)."""
        if self._held_keys is not None:
            self.call_later(self._release_keys)

    async def _release_keys(self) -> None:
        """The queue is ready: the keys typed meanwhile act now, in the order they came."""
        held, self._held_keys = self._held_keys or [], None
        for key in held:
            await super().on_event(key)

    # -- plumbing the screens use ---------------------------------------------------------

    def read(self, query: Callable[[Store], T]) -> T:
        """Run a read on the worker connection (from any thread)."""
        with self._read_lock:
            if self._closed:  # a thread still reading as the console quits
                raise Interrupted("the console is closing")
            try:
                return query(self.reader)
            except Exception:
                if self._closed:  # cut short by quitting (SQLite says so as it steps the rows)
                    raise Interrupted("the console is closing") from None
                raise

    def search(
        self, query: str, limit: int, *, snippets: bool = True
    ) -> list[tuple[int, str]] | None:
        """Search on the search connection (from a worker thread), stopping any search still
        running there; None when this search was itself replaced or stopped."""
        with self._search_state:
            self._search_turn += 1
            turn = self._search_turn
            if self._searching:
                self.searcher.interrupt()
        with self._search_lock:
            with self._search_state:
                if turn != self._search_turn or self._closed:
                    return None
                self._searching = True
            try:
                found = self.searcher.search(query, limit, snippets=snippets)
            except Interrupted:
                return None
            finally:
                with self._search_state:
                    self._searching = False
        # An interrupt that came while SQLite was still preparing the query is lost: a search
        # replaced meanwhile still never lands.
        return found if turn == self._search_turn else None

    def stop_search(self) -> None:
        """Abandon the search in progress, if any (escape, quitting)."""
        with self._search_state:
            self._search_turn += 1
            if self._searching:
                self.searcher.interrupt()

    def attempt(self, action: Callable[[], Any]) -> bool:
        """Run a domain action; a refusal or bad input becomes a notification, not a crash."""
        try:
            action()
        except CasedeskError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return False
        return True

    def notify(  # type: ignore[override]
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications often quote customer text: never read them as markup, whatever the
        caller asked (Widget.notify passes markup=True explicitly, and a stray "[/]" in a
        customer's words would otherwise crash the console when the toast renders)."""
        del markup
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    async def action_quit(self) -> None:
        """q and ctrl+q: ask first while an update is half-written (it is not saved anywhere)."""
        from casedesk.screens.dialogs import ConfirmDialog

        # The compose screen and the catch-up round hold drafts nobody else has.
        unsent = [s for s in self.screen_stack if getattr(s, "edited", False)]
        if not unsent:
            self.exit()
            return
        self.push_screen(
            ConfirmDialog(
                f"Quit and throw away your unsent update to #{unsent[0].case_id}?",
                "Nothing has been sent or recorded.",
            ),
            lambda yes: self.exit() if yes else None,
        )

    def store_changed(self) -> None:
        """We wrote: refresh now rather than on the next poll."""
        self.watcher.changed()
        self._refresh_screen()

    def _refresh_screen(self) -> None:
        reload = getattr(self.screen, "reload", None)
        if reload is not None:
            reload()
        for beacon in self.screen.query(PresenceBeacon):
            beacon.look()
        # Screens underneath reload when they come back (on_screen_resume).

    # -- lifecycle ------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        """The queue is the first screen itself: pushing it over Textual's blank default
        screen styled, laid out and painted that one first."""
        from casedesk.screens.queue import QueueScreen

        return QueueScreen()

    def on_mount(self) -> None:
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self.poll)
            self.set_interval(TICK_SECONDS, self.tick)
        # The start-up summary waits for the queue's first page (queue_shown): on a big store
        # it must not hold up the rows.
        self._nag_checked = self.now()
        self._summarized = False

    def on_unmount(self) -> None:
        # A worker may still be reading: stop it, so quitting never waits for a slow query;
        # one that comes to read after this finds the console closing, not a closed store.
        self._closed = True
        self.stop_search()
        self.reader.interrupt()
        self.watcher.close()
        for lock, store in ((self._search_lock, self.searcher), (self._read_lock, self.reader)):
            if lock.acquire(timeout=2):
                store.close()
                lock.release()
        if self._desk is not None:
            self._desk.close()

    def poll(self) -> None:
        """Every second: did anyone write? Has time made a case overdue?"""
        if self.watcher.changed():
            self._refresh_screen()
        self.check_overdue()

    def tick(self) -> None:
        tick = getattr(self.screen, "tick", None)
        if tick is not None:
            tick()

    # -- the nag --------------------------------------------------------------------------

    def queue_shown(self) -> None:
        """The queue has its first rows: keys typed meanwhile act on them, and once they are
        painted it is time for the start-up nag."""
        self.stop_holding_keys()
        if not self._summarized:
            self._summarized = True
            self.call_after_refresh(self._open_desk_and_nag)

    def _read_later_stylesheets(self) -> None:
        """The other screens' rules, parsed once (Textual parses only the new sources)."""
        if self._later_css_read:
            return
        self._later_css_read = True
        self.stylesheet.read_all(LATER_STYLESHEETS)
        self.stylesheet.parse()

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        self._read_later_stylesheets()
        return super().push_screen(screen, *args, **kwargs)

    def _open_desk_and_nag(self) -> None:
        """After the first rows are painted: the desk, so the first action need not wait for
        it, then the start-up nag (it needs the policy's working hours)."""
        self._read_later_stylesheets()
        try:
            self.desk  # noqa: B018 - opened now
        except CasedeskError as exc:  # e.g. policy.toml became invalid since it was last read
            self.desk_failed = exc
            self.exit(return_code=1)
            return
        self._nag_summary()

    def _nag_summary(self) -> None:
        now = self.desk.now()
        self._nag_checked = now
        self.run_worker(
            lambda: self._summarize_overdue(now), thread=True, group="nag", exit_on_error=False
        )

    def _summarize_overdue(self, now: datetime) -> None:
        """On start: one notification summing up what is overdue for this agent."""
        overdue = self.read(lambda s: views.overdue_for(s, self.desk.actor, now))
        self.call_from_thread(self._show_summary, overdue, now)

    def quiet_hours(self, now: datetime) -> bool:
        """Outside the shop's working hours (`[hours]` in the policy): nag only about cases
        whose targets run around the clock."""
        calendar = self.desk.policy.calendar
        return calendar is not None and not calendar.is_open(now)

    def _worth_nagging(
        self, cases: list[views.OverdueCase], now: datetime
    ) -> list[views.OverdueCase]:
        """The cases to nag about now; the others are held back until working hours."""
        if not self.quiet_hours(now):
            return cases
        policy = self.desk.policy
        loud = [case for case in cases if not policy.counts_working_time(case.priority)]
        self._held_back = self._held_back or len(loud) < len(cases)
        return loud

    def _show_summary(self, overdue: list[views.OverdueCase], now: datetime) -> None:
        overdue = self._worth_nagging(overdue, now)
        self.nagged.update(case.id for case in overdue)
        if not overdue:
            return
        listed = ", ".join(
            f"#{c.id} ({humanize(now - c.due_at)})" for c in overdue[:NAG_MAX_LISTED]
        )
        more = f" and {len(overdue) - NAG_MAX_LISTED} more" if len(overdue) > NAG_MAX_LISTED else ""
        count = f"{len(overdue)}{'+' if len(overdue) >= 500 else ''}"
        noun = "customer is" if len(overdue) == 1 else "customers are"
        self.notify(
            f"{count} {noun} overdue for an update (yours and unassigned): {listed}{more}. "
            "View 4 lists them.",
            title="Overdue",
            severity="warning",
            timeout=8,
        )

    def check_overdue(self) -> None:
        """A case that became overdue since the last look notifies once (and rings, if set).

        The query runs in a worker: the read connection may be busy with a slow search, and
        the UI thread must never wait for it."""
        now = self.desk.now()
        last = self._nag_checked
        if last is None or now <= last:
            return
        if self._held_back and not self.quiet_hours(now):  # the working day begins
            self._held_back = False
            self._nag_summary()
            return
        self._nag_checked = now
        self.run_worker(
            lambda: self._find_newly_overdue(last, now),
            thread=True,
            group="nag",
            exit_on_error=False,
        )

    def _find_newly_overdue(self, last: datetime, now: datetime) -> None:
        found = self.read(lambda s: views.became_overdue(s, self.desk.actor, last, now))
        self.call_from_thread(self._announce_overdue, found, now)

    def _announce_overdue(self, found: list[views.OverdueCase], now: datetime) -> None:
        fresh = [case for case in found if case.id not in self.nagged]
        if not fresh:
            return
        fresh = self._worth_nagging(fresh, now)
        if not fresh:
            self._refresh_screen()  # the counts change, quietly
            return
        self.nagged.update(case.id for case in fresh)
        for case in fresh[:NAG_MAX_LISTED]:
            self.notify(
                f"#{case.id} is now overdue: {one_line(case.title, 50)}",
                title="Tell the customer",
                severity="warning",
                timeout=10,
            )
        if len(fresh) > NAG_MAX_LISTED:
            self.notify(f"…and {len(fresh) - NAG_MAX_LISTED} more became overdue", timeout=10)
        if self.settings.get("bell", False):
            self.bell()
        self._refresh_screen()

    # -- actions every screen has ---------------------------------------------------------

    def open_case(self, case_id: int) -> None:
        from casedesk.screens.case import CaseScreen

        try:
            screen = CaseScreen(case_id)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error")
            return
        self.push_screen(screen)

    def action_help(self) -> None:
        from casedesk.screens.help import HelpScreen, bindings_of

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        name = {
            "QueueScreen": "queue",
            "CaseScreen": "case",
            "ComposeScreen": "compose screen",
            "CatchUpScreen": "catch-up round",
        }
        self.push_screen(HelpScreen(name.get(type(screen).__name__, "screen"), bindings_of(screen)))

    def action_new_case(self) -> None:
        from casedesk.screens.dialogs import Field, FormDialog

        me = self.desk.actor

        def submit(values: dict[str, str]) -> int:
            state = self.desk.new_case(
                values["customer"],
                values["title"],
                values["body"],
                priority=Priority(values["priority"]),
                urgency=Urgency(values["urgency"]),
                channel=Channel(values["channel"]),
                owner=me if values["owner"] == "me" else None,
            )
            self.store_changed()
            return state.id

        def created(case_id: int | None) -> None:
            if case_id is not None:
                self.notify(f"case #{case_id} opened")
                self.open_case(case_id)

        fields = [
            Field("customer", "Customer", placeholder="Ann Smith <ann@example.com>"),
            Field("title", "Title", placeholder="Laptop won't charge"),
            Field("body", "The problem in the customer's words", "text"),
            Field(
                "channel",
                "Came in by",
                "choice",
                "email",
                choices=[(c.value, c.value) for c in INTAKE_CHANNELS],
            ),
            Field(
                "priority",
                "Priority",
                "choice",
                "normal",
                choices=[(p.value, p.value) for p in Priority],
            ),
            Field(
                "urgency",
                "Customer's urgency",
                "choice",
                "normal",
                choices=[(u.value, u.value) for u in Urgency],
            ),
            Field(
                "owner",
                "Owner",
                "choice",
                "me",
                choices=[("me", f"me ({me})"), ("nobody", "nobody yet")],
            ),
        ]
        self.push_screen(FormDialog("New case", fields, submit), created)
