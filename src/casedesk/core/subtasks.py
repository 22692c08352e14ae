"""Sub-tasks: pieces of a case's work owned by other agents or teams. Pure, derived from events.

The case keeps its one owner: sub-tasks never resolve or close it. Each change is an event on the
case's timeline whose data carries the words of a drafted customer update ("the new battery has
shipped — 2 of 3 steps done"); sending that draft is the owner's choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from casedesk.core.errors import InvalidInput, Refused
from casedesk.core.model import CaseState, Event, EventKind, Status


@dataclass(frozen=True, slots=True)
class Subtask:
    number: int  # 1, 2, 3… in the order they were added: `subtask done ID N`
    title: str
    assignee: str | None
    team: str | None
    added_at: datetime
    added_by: str
    done_at: datetime | None = None
    done_by: str | None = None
    note: str = ""

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def who(self) -> str:
        """'parts (bob)', 'warranty', 'bob' or 'anyone'."""
        if self.team and self.assignee:
            return f"{self.team} ({self.assignee})"
        return self.team or self.assignee or "anyone"


def subtasks_of(events: Iterable[Event]) -> list[Subtask]:
    """The case's sub-tasks as its events leave them, in the order they were added."""
    found: dict[int, Subtask] = {}
    for event in events:
        if event.kind is EventKind.SUBTASK_ADDED:
            number = int(event.data["number"])
            found[number] = Subtask(
                number=number,
                title=event.text,
                assignee=event.data.get("assignee"),
                team=event.data.get("team"),
                added_at=event.at,
                added_by=event.actor,
            )
        elif event.kind is EventKind.SUBTASK_DONE:
            number = int(event.data["number"])
            if number in found:
                found[number] = replace(
                    found[number], done_at=event.at, done_by=event.actor, note=event.text
                )
    return [found[n] for n in sorted(found)]


def progress_words(done: int, total: int) -> str:
    """'2 of 3 steps done', 'all 3 steps done', '' when there are none."""
    if total == 0:
        return ""
    if done == total:
        return "the one step is done" if total == 1 else f"all {total} steps done"
    return f"{done} of {total} step{'s' if total != 1 else ''} done"


def added_words(title: str, team: str | None, done: int, total: int) -> str:
    """The drafted update when a piece of work is added."""
    who = f" ({team})" if team else ""
    return f"we have started on: {title}{who} — {progress_words(done, total)}"


def done_words(title: str, note: str, done: int, total: int) -> str:
    """The drafted update when a piece is finished: the note if there is one, else its title."""
    what = note.strip() or f"{title} is done"
    return f"{what} — {progress_words(done, total)}"


def check_add(case: CaseState, title: str) -> None:
    if not title.strip():
        raise InvalidInput("a sub-task needs a title")
    if case.status is Status.CLOSED:
        raise Refused(f"case #{case.id} is closed; reopen it first")


def check_done(case: CaseState, subtasks: list[Subtask], number: int) -> Subtask:
    """The sub-task `number`, if it can be finished now."""
    found = next((s for s in subtasks if s.number == number), None)
    if found is None:
        have = f"1–{len(subtasks)}" if subtasks else "none yet"
        raise InvalidInput(f"case #{case.id} has no sub-task {number} (it has {have})")
    if found.done:
        raise Refused(f"sub-task {number} of case #{case.id} is already done")
    if case.status is Status.CLOSED:
        raise Refused(f"case #{case.id} is closed; reopen it first")
    return found
