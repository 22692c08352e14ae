"""The actions on a case, shared by the case screen and the queue's selected row.

Each action asks what it needs in a dialog, calls one Desk method, and tells the app the store
changed. State-dependent changes pass the version the agent saw, so a change made meanwhile by
someone else is refused with a readable Conflict instead of being silently overwritten.

The dialogs (and the text area, select and option list they use) are imported on first use: the
queue is on screen before they are needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from casedesk.core import lifecycle
from casedesk.core.errors import InvalidInput
from casedesk.core.model import INTAKE_CHANNELS, Channel, Status
from casedesk.core.when import parse_when
from casedesk.store import CaseRow

if TYPE_CHECKING:
    from casedesk.app import CasedeskApp

HEARD_CHANNELS = [*INTAKE_CHANNELS, Channel.IN_PERSON]


class CaseActions:
    """Mixin for screens that have a case in hand (`target()`)."""

    app: CasedeskApp

    def target(self) -> CaseRow | None:
        raise NotImplementedError

    def _target_or_warn(self) -> CaseRow | None:
        row = self.target()
        if row is None:
            self.app.notify("no case selected", severity="warning")
        return row

    def _changed(self, message: str) -> None:
        self.app.store_changed()
        self.app.notify(message, timeout=4)

    # -- telling and logging --------------------------------------------------------------

    def action_tell(self, kind: str | None = None) -> None:
        if (row := self._target_or_warn()) is None:
            return
        self._open_compose(row.case.id, kind)

    def _open_compose(self, case_id: int, kind: str | None = None) -> None:
        from casedesk.screens.compose import ComposeScreen

        self.app.push_screen(ComposeScreen(case_id, kind))

    def action_note(self) -> None:
        from casedesk.screens.dialogs import Field, FormDialog

        if (row := self._target_or_warn()) is None:
            return
        case_id = row.case.id

        def submit(values: dict[str, str]) -> None:
            self.app.desk.note(case_id, values["text"])
            self._changed(f"note added to #{case_id}")

        self.app.push_screen(
            FormDialog(f"Internal note on #{case_id}", [Field("text", "Note", "text")], submit)
        )

    def action_heard(self) -> None:
        from casedesk.screens.dialogs import Field, FormDialog

        if (row := self._target_or_warn()) is None:
            return
        case_id = row.case.id

        def submit(values: dict[str, str]) -> None:
            self.app.desk.heard(case_id, values["text"], Channel(values["channel"]))
            self._changed(f"logged what the customer said on #{case_id}")

        fields = [
            Field("text", "What the customer said", "text"),
            Field(
                "channel",
                "How they got in touch",
                "choice",
                Channel.PHONE.value,
                choices=[(c.value, c.value) for c in HEARD_CHANNELS],
            ),
        ]
        title = f"The customer of #{case_id} said something"
        self.app.push_screen(FormDialog(title, fields, submit))

    # -- ownership and status -------------------------------------------------------------

    def action_assign(self) -> None:
        from casedesk.screens.dialogs import PickerDialog

        if (row := self._target_or_warn()) is None:
            return
        me = self.app.desk.actor
        others = [a for a in self.app.desk.store.agents() if a != me]
        choices: list[tuple[Any, str]] = [(me, f"me ({me})")]
        choices += [(agent, agent) for agent in others]
        choices.append(("", "nobody (unassign)"))
        case_id, version = row.case.id, row.case.version

        def chosen(owner: Any) -> None:
            if owner is None:
                return
            if self.app.attempt(
                lambda: self.app.desk.assign(case_id, owner or None, expected_version=version)
            ):
                self._changed(f"#{case_id} assigned to {owner or 'nobody'}")

        self.app.push_screen(
            PickerDialog(f"Assign #{case_id} to", choices, row.case.owner or ""), chosen
        )

    def action_status(self) -> None:
        from casedesk.screens.dialogs import PickerDialog

        if (row := self._target_or_warn()) is None:
            return
        case_id, version = row.case.id, row.case.version
        choices = [(s, s.value) for s in lifecycle.SETTABLE]

        def chosen(status: Status | None) -> None:
            if status is None:
                return
            if self.app.attempt(
                lambda: self.app.desk.set_status(case_id, status, expected_version=version)
            ):
                self._changed(f"#{case_id} is now {status}")

        self.app.push_screen(
            PickerDialog(f"Status of #{case_id}", choices, row.case.status), chosen
        )

    # -- resolving and closing ------------------------------------------------------------

    def action_resolve(self) -> None:
        from casedesk.screens.dialogs import ConfirmDialog, Field, FormDialog

        if (row := self._target_or_warn()) is None:
            return
        case_id, version = row.case.id, row.case.version
        if not self.app.attempt(lambda: lifecycle.check_resolve(row.case)):
            return

        def submit(values: dict[str, str]) -> bool:
            self.app.desk.resolve(case_id, values["summary"], expected_version=version)
            self.app.store_changed()
            return True

        def offer_tell(resolved: bool | None) -> None:
            if not resolved:
                return
            self.app.notify(f"#{case_id} resolved; the customer has not been told yet")
            self.app.push_screen(
                ConfirmDialog(
                    f"Tell the customer of #{case_id} now?",
                    "Resolved is not closed: the case nags until they have been told.",
                ),
                # This case, by id: on the queue the refresh after resolving may have moved the
                # cursor to another case.
                lambda yes: self._open_compose(case_id, "resolved") if yes else None,
            )

        self.app.push_screen(
            FormDialog(
                f"Resolve #{case_id}",
                [Field("summary", "What fixed it (the customer will read this)", "text")],
                submit,
            ),
            offer_tell,
        )

    def action_close_case(self) -> None:
        from casedesk.screens.dialogs import ConfirmDialog

        if (row := self._target_or_warn()) is None:
            return
        case_id, version = row.case.id, row.case.version
        if not self.app.attempt(lambda: lifecycle.check_close(row.case, None)):
            return

        def confirmed(yes: bool | None) -> None:
            if yes and self.app.attempt(
                lambda: self.app.desk.close_case(case_id, expected_version=version)
            ):
                self._changed(f"#{case_id} closed")

        self.app.push_screen(
            ConfirmDialog(f"Close #{case_id}?", "It leaves the queue; reopen brings it back."),
            confirmed,
        )

    def action_close_override(self) -> None:
        from casedesk.screens.dialogs import Field, FormDialog

        if (row := self._target_or_warn()) is None:
            return
        case_id, version = row.case.id, row.case.version

        def submit(values: dict[str, str]) -> None:
            reason = values["reason"]
            if not reason.strip():
                raise InvalidInput("closing without telling the customer needs a reason")
            self.app.desk.close_case(case_id, reason, expected_version=version)
            self._changed(f"#{case_id} closed (override recorded)")

        self.app.push_screen(
            FormDialog(
                f"Close #{case_id} without telling the customer",
                [Field("reason", "Why (recorded on the case)", "line")],
                submit,
                note="This is recorded in the timeline.",
            )
        )

    def action_reopen(self) -> None:
        from casedesk.screens.dialogs import Field, FormDialog

        if (row := self._target_or_warn()) is None:
            return
        case_id, version = row.case.id, row.case.version
        if not self.app.attempt(lambda: lifecycle.check_reopen(row.case)):
            return

        def submit(values: dict[str, str]) -> None:
            self.app.desk.reopen(case_id, values["reason"], expected_version=version)
            self._changed(f"#{case_id} reopened")

        self.app.push_screen(
            FormDialog(f"Reopen #{case_id}", [Field("reason", "Why (optional)")], submit)
        )

    # -- the customer and the problem (screens from casedesk.screens.customer / .problem) -----

    def action_customer(self) -> None:
        if (row := self._target_or_warn()) is None:
            return
        from casedesk.screens.customer import CustomerScreen

        self.app.push_screen(CustomerScreen(row.customer.id))

    def action_link(self) -> None:
        if (row := self._target_or_warn()) is None:
            return
        from casedesk.screens.link import LinkPicker

        case_id = row.case.id

        def linked(problem_id: int | None) -> None:
            if problem_id is not None:
                self._changed(f"#{case_id} linked to problem P{problem_id}")

        self.app.push_screen(LinkPicker(case_id), linked)

    def action_problem(self) -> None:
        if (row := self._target_or_warn()) is None:
            return
        if row.case.problem_id is None:
            self.app.notify(f"#{row.case.id} is not linked to a problem; l links it")
            return
        from casedesk.screens.problem import ProblemScreen

        self.app.push_screen(ProblemScreen(row.case.problem_id))

    # -- snoozing -------------------------------------------------------------------------

    def action_snooze(self) -> None:
        if (row := self._target_or_warn()) is None:
            return
        ask_snooze(self.app, row.case.id)


def ask_snooze(app: CasedeskApp, case_id: int, then: Callable[[], None] | None = None) -> None:
    """Snooze the nag on `case_id` (asks until when, and why); `then` runs once it is snoozed."""
    from casedesk.screens.dialogs import Field, FormDialog

    def submit(values: dict[str, str]) -> bool:
        until = parse_when(values["until"], app.desk.now())
        app.desk.snooze(case_id, until, values["reason"])
        app.store_changed()
        app.notify(f"#{case_id} snoozed", timeout=4)
        return True

    fields = [
        Field("until", "Until when", placeholder="+2d, tomorrow 9:00, fri, 2026-12-01"),
        Field("reason", "Why", placeholder="customer on holiday until Monday"),
    ]
    app.push_screen(
        FormDialog(f"Snooze the nag on #{case_id}", fields, submit),
        lambda done: then() if done and then is not None else None,
    )
