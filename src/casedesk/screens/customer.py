"""One customer: contact details, notes, every case with its status and last heard; merge."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from casedesk.core.errors import CasedeskError
from casedesk.core.rules import humanize, relative
from casedesk.core.safetext import one_line
from casedesk.store import CaseRow
from casedesk.widgets.case_table import CaseTableActions

# Move these into keys.py (as keys.CUSTOMER) when the screen is wired in.
CUSTOMER_KEYS: list[BindingType] = [
    Binding("enter", "open_case", "Open case"),
    Binding("n", "note", "Note"),
    Binding("M", "merge", "Merge duplicate", key_display="M"),
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
    Binding("escape", "back", "Back"),
]


class CustomerScreen(CaseTableActions, Screen[None]):
    """Everything about one customer; from a case, one key opens it (wire: `u` on the case)."""

    CSS_PATH = "customer.tcss"
    BINDINGS = CUSTOMER_KEYS
    AUTO_FOCUS = "#customer-cases"

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.rows: list[CaseRow] = []

    @property
    def desk(self) -> Any:
        return self.app.desk  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="customer-header")
        yield Static(id="customer-notes")
        yield DataTable(id="customer-cases", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(
            "case", "status", "title", "last heard from them", "last told", "next update"
        )
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def reload(self) -> None:
        from casedesk.store.problems import ProblemStore

        store = self.desk.store
        try:
            who = store.merged_target(store.customer(self.customer_id))
        except CasedeskError as exc:
            self.notify(str(exc), severity="error")
            return
        self.customer_id = who.id  # a merged duplicate shows the customer it went into
        records = ProblemStore(store)
        merged = records.merged_from(who.id)
        notes = records.customer_note_rows([who.id, *(m.id for m in merged)])
        self.rows = store.list_cases(customer_id=who.id, statuses=None, limit=None)
        now = self.desk.now()

        head = Text(f"Customer #{who.id}: ", style="bold").append(one_line(who.name, 60))
        if who.email:
            head.append(f" <{one_line(who.email, 60)}>")
        active = sum(1 for r in self.rows if r.case.status.is_active)
        head.append(f"\n{len(self.rows)} case(s), {active} being worked on")
        for m in merged:
            head.append(f"\nmerged in: #{m.id} {one_line(m.name, 40)}", style="dim")
            if m.email:
                head.append(f" <{one_line(m.email, 60)}>", style="dim")
        self.query_one("#customer-header", Static).update(head)

        text = Text("Notes", style="bold")
        text.append("   n add a note · M merge a duplicate into this customer", style="dim")
        legacy = store.customer_notes(who.id)
        if legacy:
            text.append("\n").append(one_line(legacy, 200))
        for note in notes:
            when = humanize(now - note.at)
            text.append(f"\n{when} ago, {one_line(note.actor, 20)}: ", style="dim")
            text.append(one_line(note.text, 200))
        if not legacy and not notes:
            text.append("\nno notes yet", style="dim")
        self.query_one("#customer-notes", Static).update(text)

        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            case = row.case
            heard = (
                Text(f"{humanize(now - case.inbound_at)} ago: ").append(
                    one_line(case.inbound_text or "", 40)
                )
                if case.inbound_at
                else Text("—", style="dim")
            )
            told = (
                Text(f"{humanize(now - case.told_at)} ago")
                if case.told_at
                else Text("never", style="yellow")
            )
            due = Text("—", style="dim")
            if row.due is not None:
                due = Text(relative(row.due.at, now), style="bold red" if row.due.at <= now else "")
            table.add_row(
                f"#{case.id}",
                case.status.value,
                Text(one_line(case.title, 40)),
                heard,
                told,
                due,
                key=str(case.id),
            )
        if self.rows:
            table.move_cursor(row=min(max(keep, 0), len(self.rows) - 1))

    def action_note(self) -> None:
        from casedesk.screens.dialogs import Field, FormDialog

        def submit(values: dict[str, str]) -> Any:
            return self.desk.note_customer(str(self.customer_id), values["text"])

        def done(note: Any) -> None:
            if note is not None:
                self.notify("note added")
                self.reload()

        self.app.push_screen(
            FormDialog("Note about this customer", [Field("text", "Note", kind="text")], submit),
            done,
        )

    def action_merge(self) -> None:
        from casedesk.screens.dialogs import Field, FormDialog

        def submit(values: dict[str, str]) -> list[int]:
            return self.desk.merge_customers(str(self.customer_id), values["duplicate"])

        def done(moved: list[int] | None) -> None:
            if moved is not None:
                self.notify(f"merged: {len(moved)} case(s) moved to this customer")
                self.reload()

        self.app.push_screen(
            FormDialog(
                "Merge a duplicate into this customer",
                [Field("duplicate", "The duplicate's email address or id", placeholder="#12")],
                submit,
                note="Its cases move here (recorded on each case); its record stays, marked.",
            ),
            done,
        )

    def action_back(self) -> None:
        self.dismiss(None)
