"""One problem: the fault, its evidence (affected cases and customers), resolve and tell-all."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from casedesk.core.errors import CasedeskError
from casedesk.core.model import Channel
from casedesk.core.rules import humanize, relative
from casedesk.core.safetext import one_line
from casedesk.store import CaseRow
from casedesk.widgets.case_table import CaseTableActions

# Move these into keys.py (as keys.PROBLEM) when the screen is wired in.
PROBLEM_KEYS: list[BindingType] = [
    Binding("enter", "open_case", "Open case"),
    Binding("T", "tell_all", "Tell all", key_display="T"),
    Binding("R", "resolve_problem", "Resolve problem", key_display="R"),
    Binding("u", "unlink", "Unlink case"),
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
    Binding("escape", "back", "Back"),
]


def problem_header(problem: Any, now: Any) -> Text:
    """'Problem P1: Router drops Wi-Fi — open · 5 cases from 5 customers · …'."""
    head = Text(f"Problem P{problem.id}: ", style="bold").append(one_line(problem.title, 80))
    if problem.resolved:
        head.append(f"\nresolved {humanize(now - problem.resolved_at)} ago: ", style="green")
        head.append(one_line(problem.summary or "", 80))
    else:
        head.append("\nopen", style="yellow")
    first = f"{humanize(now - problem.first_report)} ago" if problem.first_report else "—"
    latest = f"{humanize(now - problem.latest_report)} ago" if problem.latest_report else "—"
    head.append(
        f"\n{problem.affected} case{'s' if problem.affected != 1 else ''} from "
        f"{problem.customers} customer{'s' if problem.customers != 1 else ''} · "
        f"{problem.open_cases} still being worked on · first report {first} · latest {latest}"
    )
    if problem.description:
        head.append("\n").append(one_line(problem.description, 120), style="dim")
    return head


class ProblemScreen(CaseTableActions, Screen[None]):
    """The problem with every affected case; T tells every affected customer in one action."""

    CSS_PATH = "problem.tcss"
    BINDINGS = PROBLEM_KEYS
    AUTO_FOCUS = "#affected"

    def __init__(self, problem_id: int) -> None:
        super().__init__()
        self.problem_id = problem_id
        self.rows: list[CaseRow] = []

    @property
    def desk(self) -> Any:
        return self.app.desk  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="problem-header")
        yield Static(id="affected-title")
        yield DataTable(id="affected", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("case", "status", "customer", "title", "next update")
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def reload(self) -> None:
        """Read the problem and its cases again (after an action, or another agent's)."""
        try:
            problem = self.desk.problem(self.problem_id)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error")
            return
        now = self.desk.now()
        self.problem = problem
        self.rows = self.desk.store.list_cases(
            problem_id=self.problem_id, statuses=None, limit=None
        )
        self.query_one("#problem-header", Static).update(problem_header(problem, now))
        title = Text("Affected cases", style="bold")
        title.append("   enter open · T tell all · R resolve · u unlink", style="dim")
        self.query_one("#affected-title", Static).update(title)
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            due = Text("—", style="dim")
            if row.due is not None:
                overdue = row.due.at <= now
                due = Text(relative(row.due.at, now), style="bold red" if overdue else "")
            table.add_row(
                f"#{row.case.id}",
                row.case.status.value,
                Text(one_line(row.customer.name, 24)),
                Text(one_line(row.case.title, 50)),
                due,
                key=str(row.case.id),
            )
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))

    def action_unlink(self) -> None:
        case_id = self.selected_case()
        if case_id is None:
            return
        try:
            self.desk.unlink_problem(case_id)
        except CasedeskError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"#{case_id} unlinked from P{self.problem_id}")
        self.reload()

    def action_resolve_problem(self) -> None:
        from casedesk.screens.dialogs import Field, FormDialog

        def submit(values: dict[str, str]) -> list[int]:
            return self.desk.resolve_problem(self.problem_id, values["summary"])

        def done(resolved: list[int] | None) -> None:
            if resolved is None:
                return
            self.notify(
                f"P{self.problem_id} resolved with {len(resolved)} case(s): "
                "press T to tell every customer"
            )
            self.reload()

        self.app.push_screen(
            FormDialog(
                f"Resolve problem P{self.problem_id}",
                [Field("summary", "What fixed it (the customers will read this)")],
                submit,
                note="Every linked case still being worked on is resolved with it.",
            ),
            done,
        )

    def action_tell_all(self) -> None:
        """Bulk tell: one update per affected customer, placeholders filled in per case."""
        from casedesk.screens.dialogs import Field, FormDialog

        open_cases = self.desk.problem_cases(self.problem_id, include_closed=False)
        if not open_cases:
            self.notify("no open case to tell on this problem", severity="warning")
            return
        choices = [(c.value, c.value) for c in (Channel.EMAIL, Channel.PHONE, Channel.CHAT)]

        def submit(values: dict[str, str]) -> list[Any]:
            return tell_everyone(self, values["text"], Channel(values["channel"]))

        def done(outcomes: list[Any] | None) -> None:
            if outcomes is None:
                return
            told = [o for o in outcomes if o.told]
            failed = [o for o in outcomes if not o.told]
            self.notify(f"told {len(told)} customer(s) of P{self.problem_id}")
            for o in failed:
                self.notify(f"#{o.case_id}: {o.error}", severity="error", timeout=10)
            self.reload()

        self.app.push_screen(
            FormDialog(
                f"Tell every customer of P{self.problem_id} ({len(open_cases)} case(s))",
                [
                    Field(
                        "text", "The update", kind="text", value=bulk_text(self.desk, self.problem)
                    ),
                    Field("channel", "How", kind="choice", value="email", choices=choices),
                ],
                submit,
                note="{first_name}, {case_id}, {title}… are filled in for each case.",
            ),
            done,
        )

    def action_back(self) -> None:
        self.dismiss(None)


def bulk_text(desk: Any, problem: Any) -> str:
    """The update to start from: the resolved template once fixed, else the progress one."""
    from casedesk.desk.templates import PROGRESS, RESOLVED, load_templates

    templates = load_templates()
    return templates[RESOLVED if problem.resolved else PROGRESS].text


def tell_everyone(screen: ProblemScreen, text: str, channel: Channel) -> list[Any]:
    """Tell each open linked case: by mail (when set up) through the mail module's hook."""
    notices: list[str] = []
    try:
        from casedesk.mail.send import deliver_and_tell
    except ImportError:  # pragma: no cover - mail is part of casedesk, but keep the screen alive
        deliver_and_tell = None

    def send(desk: Any, case_id: int, words: str, how: Channel, promise: Any) -> Any:
        if deliver_and_tell is None:
            return desk.tell(case_id, words, how, promise)
        return deliver_and_tell(desk, case_id, words, how, promise, notify=notices.append)

    outcomes = screen.desk.tell_problem(screen.problem_id, text, channel, send)
    for notice in dict.fromkeys(notices):
        screen.notify(notice.strip(), severity="warning", timeout=8)
    return outcomes
