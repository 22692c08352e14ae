"""Customer-update templates: shipped defaults, the user's own, placeholders, the fitting draft.

No store and no Desk here: functions take values. `Desk.template_values` is the one place that
gathers a case's values.

Templates are checked when they load, so an unknown placeholder is one clear error naming the
file, the template and the placeholder, never a crash while sending. Filling one in cannot fail.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from casedesk import paths
from casedesk.core.errors import CasedeskError
from casedesk.core.model import CaseState, DueReason, Event, EventKind, Status
from casedesk.core.safetext import one_line
from casedesk.core.subtasks import progress_words
from casedesk.core.wording import format_when

if TYPE_CHECKING:
    from casedesk.core.policy import Policy
    from casedesk.store import CaseRow

PLACEHOLDERS: dict[str, str] = {
    "first_name": "the customer's first name",
    "case_id": "the case number",
    "title": "the case title",
    "status": "where the case stands, in words",
    "progress": "sub-task progress: 'the new battery has shipped — 2 of 3 steps done'",
    "next_update": "when the customer hears from us next: 'Thu 17:00'",
    "problem_summary": "what fixed it (the problem's or the case's resolution summary)",
    "agent": "the agent's name",
    "owner": "who looks after the case: 'Ann is looking after it.', or that we will assign it",
}

# The templates casedesk picks by the case's state; users may override them and add others.
ACKNOWLEDGEMENT = "acknowledgement"
PROGRESS = "progress"
WAITING_THIRD_PARTY = "waiting-third-party"
RESOLVED = "resolved"
CHECK_IN = "check-in"
STANDARD = (ACKNOWLEDGEMENT, PROGRESS, WAITING_THIRD_PARTY, RESOLVED, CHECK_IN)

_STATUS_WORDS = {
    Status.NEW: "received",
    Status.OPEN: "being worked on",
    Status.WAITING_CUSTOMER: "waiting for your reply",
    Status.WAITING_THIRD_PARTY: "waiting on a third party",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
}


class TemplateError(CasedeskError):
    """A template file is wrong: which file, which template, what."""


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    text: str
    description: str
    source: str  # "built-in" or the file it came from

    def render(self, values: dict[str, str]) -> str:
        return fill(self.text, values)


@dataclass(frozen=True, slots=True)
class Draft:
    """A customer update ready to send (or to edit first)."""

    case_id: int
    template: str
    text: str
    pending: bool  # drafted by a sub-task change and not sent yet
    at: datetime | None = None  # when the change that drafted it happened


def placeholders_in(text: str, where: str) -> list[str]:
    """The placeholders a template uses; any it cannot have is a TemplateError saying `where`."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{where}: {exc} (write {{{{ and }}}} for literal braces)") from None
    found: list[str] = []
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    for _, field_name, spec, conversion in parts:
        if field_name is None:
            continue
        if field_name not in PLACEHOLDERS:
            shown = f"{{{field_name}}}" if field_name else "{}"
            raise TemplateError(f"{where}: unknown placeholder {shown} (known: {known})")
        if spec or conversion:
            raise TemplateError(f"{where}: {{{field_name}}} takes no format or conversion")
        found.append(field_name)
    return found


def fill(text: str, values: dict[str, str]) -> str:
    """The text with its placeholders filled in (checked text only: see `placeholders_in`)."""
    out: list[str] = []
    for literal, field_name, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if field_name is not None:
            out.append(values.get(field_name, ""))
    return "".join(out)


def parse_templates(text: str, source: str) -> dict[str, Template]:
    """Templates from TOML: `[name]` tables with `text` (and an optional `description`)."""
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{source}: not valid TOML ({exc})") from None
    found: dict[str, Template] = {}
    for name, table in tables.items():
        where = f"{source}: template {name!r}"
        if not isinstance(table, dict):
            raise TemplateError(f'{where}: expected a table ([{name}] with text = "…")')
        unknown = set(table) - {"text", "description"}
        if unknown:
            raise TemplateError(f"{where}: unknown setting {sorted(unknown)[0]!r}")
        body = table.get("text")
        if not isinstance(body, str) or not body.strip():
            raise TemplateError(f"{where}: needs a text")
        description = table.get("description", "")
        if not isinstance(description, str):
            raise TemplateError(f"{where}: description must be text")
        placeholders_in(body, where)
        found[name] = Template(name, body.strip("\n"), description, source)
    return found


def user_templates_file() -> Path:
    return paths.config_dir() / "templates.toml"


def default_templates() -> dict[str, Template]:
    text = resources.files("casedesk.desk").joinpath("default_templates.toml").read_text("utf-8")
    return parse_templates(text, "built-in")


def load_templates(user_file: Path | None = None) -> dict[str, Template]:
    """The shipped templates with the user's own laid over them (same name: theirs wins)."""
    templates = default_templates()
    user_file = user_file or user_templates_file()
    if user_file.exists():
        try:
            text = user_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"cannot read {user_file}: {exc}") from None
        templates.update(parse_templates(text, str(user_file)))
    return templates


def template_for(case: CaseState, check_in_due: bool = False) -> str:
    """The standard template that fits what the customer most needs to hear now."""
    if case.status is Status.RESOLVED and not case.resolution_told:
        return RESOLVED
    if not case.status.is_active:
        return CHECK_IN if case.resolution_told and check_in_due else RESOLVED
    if case.told_at is None:
        return ACKNOWLEDGEMENT
    if case.status is Status.WAITING_THIRD_PARTY:
        return WAITING_THIRD_PARTY
    return PROGRESS


def latest_progress(events: list[Event], unsent: bool = False) -> tuple[str, Event] | None:
    """The words of the newest sub-task change, with its event; with `unsent`, only one that
    came after the customer was last told (a draft nobody has sent)."""
    for event in reversed(events):
        if unsent and event.kind is EventKind.TOLD:
            return None
        if event.kind in (EventKind.SUBTASK_ADDED, EventKind.SUBTASK_DONE):
            words = event.data.get("progress")
            if words:
                return str(words), event
    return None


def values_for(
    row: CaseRow,
    events: list[Event],
    agent: str,
    next_update: str,
    problem_summary: str = "",
    progress: str | None = None,
) -> dict[str, str]:
    """Every placeholder's value for this case."""
    case = row.case
    first = one_line(row.customer.name).split(" ")[0] or "there"
    if progress is None:
        latest = latest_progress(events)
        if latest is not None:
            progress = latest[0]
        elif case.subtasks_total:
            progress = progress_words(case.subtasks_done, case.subtasks_total)
        else:
            progress = "we are working on it"
    return {
        "first_name": first,
        "case_id": str(case.id),
        "title": one_line(case.title),
        "status": _STATUS_WORDS[case.status],
        "progress": progress,
        "next_update": next_update,
        "problem_summary": problem_summary
        or one_line(case.resolution_summary or "the problem has been fixed."),
        "agent": agent,
        "owner": (
            f"{one_line(case.owner)} is looking after it."
            if case.owner
            else "We will assign it to one of our team shortly."
        ),
    }


def pick(row: CaseRow, events: list[Event]) -> tuple[str, str | None]:
    """(template name, pending progress words or None): the update that fits the case now."""
    check_in_due = row.due is not None and row.due.reason is DueReason.CHECK_IN
    name = template_for(row.case, check_in_due)
    pending = latest_progress(events, unsent=True) if row.case.status.is_active else None
    if pending is not None and name == ACKNOWLEDGEMENT:
        name = PROGRESS
    return name, pending[0] if pending else None


def next_update_words(case: CaseState, policy: Policy, now: datetime) -> str:
    """After this update the periodic rule starts again from now (in working time with
    `[hours]`: the customer is told the moment the queue will say)."""
    interval = policy.periodic_for(case.priority, case.urgency)
    return format_when(policy.after(now, interval, case.priority), now)
