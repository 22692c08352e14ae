"""Who else is here: marks this agent at a case, and warns when another agent is too.

Each beacon renews its mark every few seconds ("viewing" a case, or "composing" to its customer)
and shows the other agents' marks: "bob is writing to this customer". It reads them again as
soon as the console hears a change (`look`), so another agent coming or going shows at once.
The work runs in a thread worker on the beacon's own store connection, so a busy store never
stalls the screen; a console that dies leaves marks that expire by themselves
(Desk.PRESENCE_TTL).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.widgets import Static

from casedesk.core.errors import CasedeskError

if TYPE_CHECKING:
    from casedesk.app import CasedeskApp
    from casedesk.desk.desk import Desk

HEARTBEAT_SECONDS = 10.0


class PresenceBeacon(Static):
    """A one-line warning, empty (and hidden) while nobody else is at this case."""

    DEFAULT_CSS = """
    PresenceBeacon { height: auto; padding: 0 1; color: $warning; text-style: bold; }
    PresenceBeacon.-quiet { display: none; }
    """
    app: CasedeskApp

    def __init__(self, case_id: int | None, activity: str = "viewing", **kwargs: object) -> None:
        """`case_id` None: at no case yet (the catch-up round sets one with `move_to`)."""
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.case_id = case_id
        self.activity = activity
        self._desk: Desk | None = None
        self._lock = threading.Lock()
        self.add_class("-quiet")

    def on_mount(self) -> None:
        self.beat()
        self.set_interval(HEARTBEAT_SECONDS, self.beat)

    def on_unmount(self) -> None:
        # Not a Textual worker: those end with their widget, and this one is going.
        threading.Thread(target=self._leave, daemon=True).start()

    def move_to(self, case_id: int) -> None:
        """Be at another case now (the catch-up round moves on): the old mark goes at once."""
        if case_id == self.case_id:
            return
        left, self.case_id = self.case_id, case_id
        self._show(None)
        self._move(left)

    @work(thread=True, group="presence-move")
    def _move(self, left: int | None) -> None:
        self._beat(left)

    @work(thread=True, exclusive=True, group="presence")
    def beat(self) -> None:
        """Renew this agent's mark and read the others'."""
        self._beat()

    @work(thread=True, exclusive=True, group="presence-look")
    def look(self) -> None:
        """Read the others' marks now: the store changed (the console heard it: NOTIFY on
        PostgreSQL), so someone may have come or gone. The heartbeat reads them too, later."""
        with self._lock:
            case_id = self.case_id
            if case_id is None or self._desk is None:
                return  # the first beat, still to come, reads them
            try:
                warning = self._desk.collision_warning(case_id)
            except CasedeskError:
                return
        if case_id == self.case_id:
            self.app.call_from_thread(self._show, warning)

    def _beat(self, left: int | None = None) -> None:
        with self._lock:
            case_id = self.case_id
            if case_id is None:
                return
            try:
                if self._desk is None:
                    from casedesk.desk.desk import Desk

                    self._desk = Desk.open(self.app.db, self.app.agent)
                    self._desk.now = self.app.now
                    self._desk.session = self.app.desk.session  # one console, one presence
                if left is not None:
                    self._desk.leave(left, self.activity)
                self._desk.announce(case_id, self.activity)
                warning = self._desk.collision_warning(case_id)
            except CasedeskError:
                return  # presence is a courtesy: a busy store must not bother the agent
        if case_id == self.case_id:  # not moved on meanwhile
            self.app.call_from_thread(self._show, warning)

    def _show(self, warning: str | None) -> None:
        self.set_class(warning is None, "-quiet")
        self.update(Text(f"⚠ {warning}") if warning else "")

    def _leave(self) -> None:
        with self._lock:
            desk, self._desk = self._desk, None
            if desk is None or self.case_id is None:
                return
            try:
                desk.leave(self.case_id, self.activity)
            except CasedeskError:
                pass  # the mark expires by itself
            finally:
                desk.close()
