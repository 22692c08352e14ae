"""The desk: every action an agent takes on a case, as one transaction each.

CLI and TUI both call these; they hold no rules of their own. An action loads the case, checks the
lifecycle, appends its events, folds them into the projection and stores the new due time.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casedesk import paths
from casedesk.core import clock, lifecycle, merge
from casedesk.core.describe import describe_event
from casedesk.core.errors import CasedeskError, Conflict, InvalidInput, Refused, StoreError
from casedesk.core.identity import agent_name
from casedesk.core.model import (
    INTAKE_CHANNELS,
    TELL_CHANNELS,
    CaseState,
    Channel,
    Customer,
    Event,
    EventKind,
    Presence,
    Priority,
    Status,
    Urgency,
)
from casedesk.core.policy import Policy, load_policy
from casedesk.core.projection import apply, replay
from casedesk.core.rules import humanize, next_update_due
from casedesk.core.safetext import one_line
from casedesk.desk.problems import Suggestions, ToldOutcome, similarity_query
from casedesk.store import CaseRow, Store

if TYPE_CHECKING:
    from casedesk.core.subtasks import Subtask
    from casedesk.desk.templates import Draft
    from casedesk.store.problems import CustomerNote, Problem, ProblemStore

SYSTEM_ACTOR = "casedesk"
HOLIDAYS_KEY = "hours_public_holidays"  # store meta: {"region": "GB/ENG", "years": {...}}
HOLIDAY_YEARS = 10  # public holidays kept for this many years either side of now

# How an update reaches the customer: Desk.tell, or mail.send.deliver_and_tell (which mails).
Sender = Callable[["Desk", int, str, Channel, "datetime | None"], object]
PRESENCE_TTL = timedelta(seconds=30)


_NAMED_ADDRESS = re.compile(r"^(?P<name>.*?)\s*<(?P<address>[^<>\s]+@[^<>\s]+)>\s*$")
_BARE_ADDRESS = re.compile(r"^[^<>\s@]+@[^<>\s@]+$")


def parse_customer(text: str) -> tuple[str, str | None]:
    """'Ann Smith <ann@example.com>', 'ann@example.com' or just 'Ann Smith'.

    The display name is kept as typed (it is untrusted text, shown literally); only the address
    has to be well formed.
    """
    text = text.strip()
    if not text:
        raise InvalidInput("a customer needs a name or an email address")
    named = _NAMED_ADDRESS.match(text)
    if named:
        address = named["address"]
        name = named["name"].strip().strip('"').strip()
        return (name or address.split("@")[0]), address
    if _BARE_ADDRESS.match(text):
        return text.split("@")[0], text
    if "@" in text or "<" in text:
        raise InvalidInput(f"cannot read {text!r} as 'Name <email@example.com>'")
    return text, None


@dataclass(frozen=True, slots=True)
class Recorded:
    """What an action appended: the case after it, and each new event with its id."""

    state: CaseState
    events: tuple[tuple[int, Event], ...]

    def id_of(self, kind: EventKind) -> int:
        """The id of the (first) event of `kind` the action appended."""
        return next(event_id for event_id, event in self.events if event.kind is kind)


@dataclass
class Desk:
    store: Store
    policy: Policy
    actor: str
    now: Callable[[], datetime] = field(default=clock.now)
    session: str = field(default_factory=lambda: uuid.uuid4().hex)

    # -- opening --------------------------------------------------------------------------

    def __post_init__(self) -> None:
        # Every write transaction also folds the events it wrote into the report steps, so
        # reports never have to replay the store.
        self.store.before_commit["report_steps"] = self._keep_report_steps

    def _keep_report_steps(self) -> None:
        from casedesk.store.reports import keep_steps

        keep_steps(self.store, self.policy, self.store.folded_from)

    @classmethod
    def open(cls, db: paths.StoreLocation, actor: str, policy_path: Path | None = None) -> Desk:
        """Open the store and make sure its stored due times follow the current policy."""
        store = Store.open(db)  # first: it says why a user cannot use the store's folder
        try:
            policy_path = policy_path or paths.policy_file(db)
            policy = load_policy(policy_path)
        except BaseException:
            store.close()
            raise
        desk = cls(store=store, policy=policy, actor=actor)
        try:
            desk.sync_policy(paths.file_signature(policy_path))
        except BaseException:
            store.close()
            raise
        return desk

    def close(self) -> None:
        self.store.close()

    def sync_policy(self, signature: str) -> None:
        cached = self.use_kept_holidays()
        if (
            self.store.meta("policy_fingerprint") == self.policy.fingerprint
            and self.store.meta("policy_signature") == signature
        ):
            return
        with self.store.transaction():
            if self.store.meta("policy_fingerprint") != self.policy.fingerprint:
                if not cached:
                    self._cache_holidays()
                self.recompute_due_times()
            self.store.set_meta("policy_fingerprint", self.policy.fingerprint)
            self.store.set_meta("policy_signature", signature)

    def use_kept_holidays(self) -> bool:
        """Give the policy's calendar the public holidays the store keeps (loading the
        `holidays` package costs half a second); False when none are kept for its region."""
        calendar, hours = self.policy.calendar, self.policy.hours
        if calendar is None or hours is None or hours.region is None:
            return True
        kept = json.loads(self.store.meta(HOLIDAYS_KEY) or "{}")
        if kept.get("region") != hours.region:
            return False
        calendar.know_public_holidays(
            {int(y): [date.fromisoformat(d) for d in ds] for y, ds in kept["years"].items()}
        )
        return True

    def _cache_holidays(self) -> None:
        """Fetch the public holidays of the years around now once, and keep them in the store
        (a wrong country or subdivision is found here, as a policy error)."""
        calendar, hours = self.policy.calendar, self.policy.hours
        if calendar is None or hours is None or hours.region is None:
            return
        year = self.now().year
        years = calendar.public_holidays(range(year - HOLIDAY_YEARS, year + HOLIDAY_YEARS + 1))
        kept = {str(y): sorted(d.isoformat() for d in ds) for y, ds in years.items()}
        self.store.set_meta(HOLIDAYS_KEY, json.dumps({"region": hours.region, "years": kept}))

    def recompute_due_times(self) -> int:
        """Every active case's due time under the current policy (after a policy change)."""
        with self.store.transaction():
            dues = [(s.id, next_update_due(s, self.policy)) for s in self.store.active_states()]
            self.store.set_due_many(dues)
        return len(dues)

    # -- the machinery every action shares ------------------------------------------------

    def _event(
        self,
        case_id: int,
        kind: EventKind,
        text: str = "",
        channel: Channel | None = None,
        actor: str | None = None,
        **data: object,
    ) -> Event:
        return Event(
            case_id=case_id,
            at=self.now(),
            actor=actor or self.actor,
            kind=kind,
            channel=channel,
            text=text,
            data={k: v for k, v in data.items() if v is not None},
        )

    def _fold(
        self, state: CaseState | None, events: list[Event], remember: bool = True
    ) -> Recorded:
        """THE way an event gets into the log: fold each into the projection, append it, and
        store the new state with its due time. Every action ends here, inside its transaction."""
        if not events:
            raise ValueError("an action records at least one event")
        new = state is None
        if state is not None:  # where this case's report steps resume (no replay)
            self.store.folded_from.setdefault(state.id, state)
        for event in events:
            state = apply(state, event)
        assert state is not None
        due = next_update_due(state, self.policy)
        if new:
            self.store.insert_case(state, due)
        ids = [self.store.append_event(event) for event in events]
        if not new:
            self.store.update_case(state, due)
        if remember:
            self.store.remember_agent(self.actor, self.now())
        return Recorded(state, tuple(zip(ids, events, strict=True)))

    def _record(
        self,
        case_id: int,
        build: Callable[[CaseState], list[Event]],
        expected_version: int | None = None,
        remember: bool = True,
    ) -> Recorded:
        with self.store.transaction(cases=(case_id,)):
            state = self.store.case(case_id)
            if expected_version is not None and state.version != expected_version:
                raise self._conflict(state)
            if state.merged_into is not None:
                raise Refused(
                    f"case #{case_id} was merged into #{state.merged_into}; "
                    f"work on #{state.merged_into}"
                )
            return self._fold(state, build(state), remember)

    def _change(
        self,
        case_id: int,
        build: Callable[[CaseState], list[Event]],
        expected_version: int | None = None,
    ) -> CaseState:
        return self._record(case_id, build, expected_version).state

    def append(self, case_id: int, events: list[Event]) -> Recorded:
        """Record events made elsewhere (mail that went out) through the same door."""
        return self._record(case_id, lambda _state: events)

    def check_unchanged(self, case_id: int, expected_version: int) -> CaseState:
        """The case as stored, or a Conflict saying who changed it since `expected_version`."""
        state = self.store.case(case_id)
        if state.version != expected_version:
            raise self._conflict(state)
        return state

    def _conflict(self, state: CaseState) -> Conflict:
        last = self.store.last_event(state.id)
        if last is None:
            return Conflict(f"case #{state.id} changed meanwhile; look again")
        ago = humanize(self.now() - last.at)
        return Conflict(
            f"case #{state.id} was changed by {last.actor} {ago} ago "
            f"({describe_event(last)}); look again"
        )

    # -- actions --------------------------------------------------------------------------

    def new_case(
        self,
        customer: str,
        title: str,
        body: str = "",
        priority: Priority = Priority.NORMAL,
        urgency: Urgency = Urgency.NORMAL,
        channel: Channel = Channel.EMAIL,
        owner: str | None = None,
    ) -> CaseState:
        name, email = parse_customer(customer)
        return self.open_case(name, email, title, body, priority, urgency, channel, owner).state

    def open_case(
        self,
        name: str,
        email: str | None,
        title: str,
        body: str = "",
        priority: Priority = Priority.NORMAL,
        urgency: Urgency = Urgency.NORMAL,
        channel: Channel = Channel.EMAIL,
        owner: str | None = None,
        *,
        actor: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Recorded:
        """A new case for the customer `name` <`email`>. `actor` and `details` are for mail
        intake: who recorded it (casedesk-mail) and the message's particulars on the event."""
        title = title.strip()
        if not title:
            raise InvalidInput("a case needs a title")
        owner = agent_name(owner) if owner is not None else None
        if channel not in INTAKE_CHANNELS:
            raise InvalidInput(f"a case cannot arrive by {channel}")
        now = self.now()
        with self.store.transaction(cases=()):
            who = self.store.find_or_create_customer(name, email, now)
            case_id = self.store.next_case_id()
            event = self._event(
                case_id,
                EventKind.CREATED,
                body,
                channel,
                actor,
                **{
                    **(details or {}),
                    "title": title,
                    "customer_id": who.id,
                    "priority": priority.value,
                    "urgency": urgency.value,
                    "owner": owner,
                },
            )
            recorded = self._fold(None, [event], remember=actor is None)
            if owner:
                self.store.remember_agent(owner, now)
        return recorded

    def note(self, case_id: int, text: str) -> CaseState:
        return self.add_note(case_id, text).state

    def add_note(
        self,
        case_id: int,
        text: str,
        channel: Channel = Channel.INTERNAL,
        *,
        actor: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Recorded:
        text = _required(text, "a note")
        return self._record(
            case_id,
            lambda s: [self._event(s.id, EventKind.NOTE, text, channel, actor, **(details or {}))],
            remember=actor is None,
        )

    def heard(self, case_id: int, text: str, channel: Channel = Channel.PHONE) -> CaseState:
        return self.hear(case_id, text, channel).state

    def hear(
        self,
        case_id: int,
        text: str,
        channel: Channel = Channel.PHONE,
        *,
        actor: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Recorded:
        """The customer said something (a call, a chat, a walk-in, a mail): a closed case
        reopens, one waiting for the customer is open again."""
        text = _required(text, "what the customer said")

        def build(state: CaseState) -> list[Event]:
            events = []
            if state.status is Status.CLOSED:
                events.append(
                    self._event(
                        state.id, EventKind.REOPENED, "customer got in touch", actor=SYSTEM_ACTOR
                    )
                )
            events.append(
                self._event(state.id, EventKind.INBOUND, text, channel, actor, **(details or {}))
            )
            if state.status is Status.WAITING_CUSTOMER:
                events.append(
                    self._event(
                        state.id,
                        EventKind.STATUS,
                        "customer replied",
                        actor=SYSTEM_ACTOR,
                        to=Status.OPEN.value,
                        **{"from": state.status.value},
                    )
                )
            return events

        return self._record(case_id, build, remember=actor is None)

    def check_tell(self, text: str, channel: Channel, promise: datetime | None) -> None:
        """Refuse an update that could not be recorded, before anything is sent."""
        _required(text, "what the customer was told")
        if channel not in TELL_CHANNELS:
            choices = ", ".join(c.value for c in TELL_CHANNELS)
            raise InvalidInput(f"cannot tell a customer by {channel}; use {choices}")
        if promise is not None:
            lifecycle.check_promise(promise, self.now())

    def tell(
        self,
        case_id: int,
        text: str,
        channel: Channel = Channel.EMAIL,
        promise: datetime | None = None,
        expected_version: int | None = None,
    ) -> CaseState:
        """Record that the customer was told `text` (the words, or a summary of a call).

        With `expected_version`, a case someone changed meanwhile (told them, perhaps) is a
        Conflict: the customer is never told twice by two agents working the same list."""
        self.check_tell(text, channel, promise)
        return self._change(
            case_id,
            lambda s: [
                self._event(
                    s.id,
                    EventKind.TOLD,
                    text,
                    channel,
                    promise=clock.to_text(promise) if promise else None,
                )
            ],
            expected_version,
        )

    def assign(
        self, case_id: int, owner: str | None, expected_version: int | None = None
    ) -> CaseState:
        owner = agent_name(owner) if owner else owner

        def build(state: CaseState) -> list[Event]:
            lifecycle.check_assign(state, owner)
            if owner:
                self.store.remember_agent(owner, self.now())  # inside _change's transaction
            return [self._event(state.id, EventKind.ASSIGNED, owner=owner, previous=state.owner)]

        return self._change(case_id, build, expected_version)

    def set_status(
        self, case_id: int, to: Status, expected_version: int | None = None
    ) -> CaseState:
        def build(state: CaseState) -> list[Event]:
            lifecycle.check_set_status(state, to)
            return [
                self._event(state.id, EventKind.STATUS, to=to.value, **{"from": state.status.value})
            ]

        return self._change(case_id, build, expected_version)

    def resolve(self, case_id: int, summary: str, expected_version: int | None = None) -> CaseState:
        summary = _required(summary, "a resolution summary")

        def build(state: CaseState) -> list[Event]:
            lifecycle.check_resolve(state)
            return [self._event(state.id, EventKind.RESOLVED, summary)]

        return self._change(case_id, build, expected_version)

    def close_case(
        self, case_id: int, override_reason: str | None = None, expected_version: int | None = None
    ) -> CaseState:
        def build(state: CaseState) -> list[Event]:
            lifecycle.check_close(state, override_reason)
            told = state.resolution_told
            reason = override_reason.strip() if override_reason and not told else None
            return [self._event(state.id, EventKind.CLOSED, reason or "", override_reason=reason)]

        return self._change(case_id, build, expected_version)

    def reopen(
        self, case_id: int, reason: str = "", expected_version: int | None = None
    ) -> CaseState:
        def build(state: CaseState) -> list[Event]:
            lifecycle.check_reopen(state)
            return [self._event(state.id, EventKind.REOPENED, reason.strip())]

        return self._change(case_id, build, expected_version)

    def snooze(self, case_id: int, until: datetime, reason: str) -> CaseState:
        reason = _required(reason, "a reason for the snooze")

        def build(state: CaseState) -> list[Event]:
            lifecycle.check_snooze(state, until, self.now())
            return [self._event(state.id, EventKind.SNOOZED, reason, until=clock.to_text(until))]

        return self._change(case_id, build)

    # -- sub-tasks, drafted updates, problems, customers, check-ins ------------------------

    def add_subtask(
        self, case_id: int, title: str, assignee: str | None = None, team: str | None = None
    ) -> CaseState:
        """A piece of the work for another agent or team; the case keeps its one owner."""
        from casedesk.core import subtasks

        title = title.strip()

        def build(state: CaseState) -> list[Event]:
            if assignee:
                self.store.remember_agent(assignee, self.now())  # inside _change's transaction
            subtasks.check_add(state, title)
            total = state.subtasks_total + 1
            words = subtasks.added_words(title, team, state.subtasks_done, total)
            return [
                self._event(
                    state.id,
                    EventKind.SUBTASK_ADDED,
                    title,
                    Channel.INTERNAL,
                    number=total,
                    assignee=assignee or None,
                    team=team or None,
                    progress=words,
                )
            ]

        return self._change(case_id, build)

    def finish_subtask(self, case_id: int, number: int, note: str = "") -> CaseState:
        """Mark sub-task `number` done. Never resolves the case: its owner tells the customer."""
        from casedesk.core import subtasks

        def build(state: CaseState) -> list[Event]:
            found = subtasks.check_done(
                state, subtasks.subtasks_of(self.store.events(state.id)), number
            )
            done = state.subtasks_done + 1
            words = subtasks.done_words(found.title, note, done, state.subtasks_total)
            return [
                self._event(
                    state.id,
                    EventKind.SUBTASK_DONE,
                    note.strip(),
                    Channel.INTERNAL,
                    number=number,
                    title=found.title,
                    progress=words,
                )
            ]

        return self._change(case_id, build)

    def subtasks(self, case_id: int) -> list[Subtask]:
        from casedesk.core.subtasks import subtasks_of

        return subtasks_of(self.events(case_id))

    def template_values(
        self, case_id: int, progress: str | None = None, problem_summary: str | None = None
    ) -> dict[str, str]:
        """Every placeholder's value for this case now: the one place they are gathered."""
        from casedesk.desk import templates

        row = self.case_row(case_id)
        if problem_summary is None:
            problem_summary = self._problem_summary(row.case.problem_id)
        return templates.values_for(
            row,
            self.events(case_id),
            self.actor,
            templates.next_update_words(row.case, self.policy, self.now()),
            problem_summary,
            progress,
        )

    def _problem_summary(self, problem_id: int | None) -> str:
        """What fixed the case's problem, once the problem is resolved (else "")."""
        from casedesk.store.problems import ProblemNotFound

        if problem_id is None:
            return ""
        try:
            problem = self._problems.problem(problem_id)
        except ProblemNotFound:
            return ""
        return one_line(problem.summary or "") if problem.resolved else ""

    def render_template(self, case_id: int, name: str) -> str:
        """The named update template filled in for this case now."""
        from casedesk.desk import templates

        loaded = templates.load_templates()
        if name not in loaded:
            raise InvalidInput(f"no template {name!r}; there are: {', '.join(loaded)}")
        return loaded[name].render(self.template_values(case_id))

    def current_draft(self, case_id: int) -> Draft | None:
        """The customer update a sub-task change drafted and nobody has sent yet (or None)."""
        from casedesk.desk import templates

        row = self.case_row(case_id)
        if not row.case.status.is_active:
            return None
        pending = templates.latest_progress(self.events(case_id), unsent=True)
        if pending is None:
            return None
        words, event = pending
        name = templates.template_for(row.case)
        if name not in (templates.PROGRESS, templates.WAITING_THIRD_PARTY):
            name = templates.PROGRESS
        loaded = templates.load_templates()
        values = self.template_values(case_id, progress=words, problem_summary="")
        return templates.Draft(case_id, name, loaded[name].render(values), True, event.at)

    def draft_update(self, case_id: int) -> Draft:
        """The update to start from: a pending sub-task draft, else the template that fits."""
        from casedesk.desk import templates

        pending = self.current_draft(case_id)
        if pending is not None:
            return pending
        name, progress = templates.pick(self.case_row(case_id), self.events(case_id))
        text = templates.load_templates()[name].render(self.template_values(case_id, progress))
        return templates.Draft(case_id, name, text, False)

    def new_problem(self, title: str, description: str = "") -> Problem:
        title = _required(title, "a problem title").strip()
        with self.store.transaction():
            pid = self._problems.add_problem(title, description.strip(), self.now(), self.actor)
            self.store.remember_agent(self.actor, self.now())
        return self._problems.problem(pid)

    def problem(self, problem_id: int) -> Problem:
        return self._problems.problem(problem_id)

    def problems(self, include_resolved: bool = True) -> list[Problem]:
        return self._problems.problems(include_resolved)

    def problem_cases(self, problem_id: int, include_closed: bool = True) -> list[int]:
        """Ids of the cases linked to the problem (without closed ones unless asked)."""
        self._problems.problem(problem_id)
        if include_closed:
            return self._problems.linked_case_ids(problem_id)
        statuses = [s for s in Status if s is not Status.CLOSED]
        rows = self.store.list_cases(statuses=statuses, problem_id=problem_id, limit=None)
        return sorted(row.case.id for row in rows)

    def link_problem(self, case_id: int, problem_id: int) -> CaseState:
        """Link the case to a problem: one more report of the same fault (moves it if linked)."""
        problem = self._problems.problem(problem_id)

        def build(state: CaseState) -> list[Event]:
            if state.problem_id == problem_id:
                raise Refused(f"case #{state.id} is already linked to problem P{problem_id}")
            return [
                self._event(
                    state.id,
                    EventKind.LINKED,
                    problem.title,
                    problem=problem_id,
                    previous=state.problem_id,
                )
            ]

        return self._change(case_id, build)

    def unlink_problem(self, case_id: int) -> CaseState:
        def build(state: CaseState) -> list[Event]:
            if state.problem_id is None:
                raise Refused(f"case #{state.id} is not linked to a problem")
            return [self._event(state.id, EventKind.UNLINKED, previous=state.problem_id)]

        return self._change(case_id, build)

    def resolve_problem(self, problem_id: int, summary: str) -> list[int]:
        """Resolve the problem and every linked case still being worked on, in one transaction:
        each then has "resolved — customer not told" due. Returns the cases resolved."""
        summary = _required(summary, "a resolution summary").strip()
        resolved: list[int] = []
        with self.store.transaction():
            problem = self._problems.problem(problem_id)
            if problem.resolved:
                raise Refused(f"problem P{problem_id} is already resolved")
            self._problems.mark_resolved(problem_id, self.now(), self.actor, summary)
            for case_id in self._problems.linked_case_ids(problem_id):
                if not self.store.case(case_id).status.is_active:
                    continue
                self._change(
                    case_id,
                    lambda s: [self._event(s.id, EventKind.RESOLVED, summary, problem=problem_id)],
                )
                resolved.append(case_id)
        return resolved

    def tell_problem(
        self,
        problem_id: int,
        text: str,
        channel: Channel = Channel.EMAIL,
        send: Sender | None = None,
    ) -> list[ToldOutcome]:
        """Tell every customer affected by the problem: one told event (and one mail, when the
        channel is email and `send` mails) per linked case that is not closed. Placeholders in
        `text` ({first_name}, {case_id}…) are filled in per case. A case that fails does not
        stop the others; each outcome says what happened."""
        from casedesk.desk.templates import fill, placeholders_in

        text = _required(text, "what the customers were told")
        placeholders_in(text, "the update")  # an unknown placeholder: refuse before telling anyone
        send = send or (lambda d, cid, words, ch, promise: d.tell(cid, words, ch, promise))
        problem = self.problem(problem_id)
        summary = (problem.summary or "") if problem.resolved else ""
        outcomes: list[ToldOutcome] = []
        for case_id in self.problem_cases(problem_id, include_closed=False):
            values = self.template_values(case_id, problem_summary=summary)
            try:
                send(self, case_id, fill(text, values), channel, None)
            except CasedeskError as exc:
                outcomes.append(ToldOutcome(case_id, str(exc)))
            else:
                outcomes.append(ToldOutcome(case_id))
        return outcomes

    def similar(self, case_id: int, limit: int = 10) -> Suggestions:
        """Open cases and unresolved problems whose text is like this case's (FTS5, bm25)."""
        state = self.store.case(case_id)
        query = similarity_query(f"{state.title} {state.body}")
        if query is None:
            return Suggestions(case_id)
        cases = [
            c
            for c in self._problems.similar_cases(query, case_id, limit)
            if c.problem_id is None or c.problem_id != state.problem_id
        ]
        problems = [p for p in self._problems.similar_problems(query) if p.id != state.problem_id]
        return Suggestions(case_id, cases, problems)

    def dismiss_check_in(self, case_id: int, reason: str = "") -> CaseState:
        """No "is it still working?" update is needed on this case."""
        from casedesk.core.model import DueReason
        from casedesk.core.rules import due_candidates

        def build(state: CaseState) -> list[Event]:
            if not any(d.reason is DueReason.CHECK_IN for d in due_candidates(state, self.policy)):
                raise Refused(f"case #{state.id} has no check-in due")
            return [self._event(state.id, EventKind.CHECK_IN_DISMISSED, reason.strip())]

        return self._change(case_id, build)

    def note_customer(self, key: str, text: str) -> CustomerNote:
        """A note about the customer (not about one case), kept on their record."""
        text = _required(text, "a note").strip()
        with self.store.transaction():
            who = self.store.merged_target(self.store.find_customer(key))
            note_id = self._problems.add_customer_note(who.id, self.now(), self.actor, text)
        return next(n for n in self._problems.customer_note_rows([who.id]) if n.id == note_id)

    def merge_customers(self, keep: str, duplicate: str) -> list[int]:
        """Merge the duplicate customer into `keep`: its cases move (an event on each, so the
        history shows it), its record stays, marked merged. Returns the cases moved."""
        moved: list[int] = []
        with self.store.transaction():
            into = self.store.find_customer(keep)
            dup = self.store.find_customer(duplicate)
            if into.id == dup.id:
                raise InvalidInput("a customer cannot be merged into themselves")
            for who, role in ((dup, "duplicate"), (into, "kept")):
                target = self._problems.merged_into(who.id)
                if target is not None:
                    raise Refused(
                        f"customer #{who.id} was already merged into #{target}; "
                        f"name #{target} as the {role} customer instead"
                    )
            self._problems.record_merge(dup.id, into.id, self.now(), self.actor)
            rows = self.store.list_cases(customer_id=dup.id, statuses=None, limit=None)
            for case_id in sorted(row.case.id for row in rows):
                self._change(
                    case_id,
                    lambda s: [
                        self._event(
                            s.id,
                            EventKind.CUSTOMER_MOVED,
                            f"customer #{dup.id} merged into #{into.id}",
                            customer_id=into.id,
                            previous=dup.id,
                        )
                    ],
                )
                self._problems.reindex_case_customer(case_id, into)
                moved.append(case_id)
        return moved

    def merge_cases(
        self, keep: int, duplicate: int, reason: str = "", *, actor: str | None = None
    ) -> Recorded:
        """One conversation in two cases becomes one: `duplicate` is closed as merged into
        `keep` (an event on each, so both timelines say so); `keep` takes over its mail, its
        unsent drafts, and its later word from the customer or to them. The log stays
        append-only: the duplicate's events remain its own and show on `keep`'s timeline."""
        from casedesk.store.mail import MailStore

        reason = reason.strip()
        with self.store.transaction(cases=(keep, duplicate)):
            kept, dup = self.store.case(keep), self.store.case(duplicate)
            lifecycle.check_merge(kept, dup)
            self._fold(
                dup,
                [self._event(dup.id, EventKind.MERGED_INTO, reason, actor=actor, into=kept.id)],
                remember=actor is None,
            )
            events = []
            if dup.status.is_active and not kept.status.is_active:
                events.append(
                    self._event(
                        kept.id, EventKind.REOPENED, f"#{dup.id} is still open", actor=actor
                    )
                )
            elif (
                kept.status is Status.WAITING_CUSTOMER
                and dup.inbound_at is not None
                and kept.waiting_since is not None
                and dup.inbound_at > kept.waiting_since
            ):
                events.append(
                    self._event(
                        kept.id,
                        EventKind.STATUS,
                        f"customer replied (on #{dup.id})",
                        actor=actor,
                        to=Status.OPEN.value,
                        **{"from": kept.status.value},
                    )
                )
            if kept.owner is None and dup.owner is not None:
                events.append(
                    self._event(kept.id, EventKind.ASSIGNED, actor=actor, owner=dup.owner)
                )
            events.append(
                self._event(
                    kept.id,
                    EventKind.MERGED_FROM,
                    reason,
                    actor=actor,
                    **{"from": dup.id},
                    **_conversation(dup),
                )
            )
            recorded = self._fold(kept, events, remember=actor is None)
            MailStore(self.store).move_messages(dup.id, kept.id)
        return recorded

    def survivor(self, case_id: int) -> int:
        """The case a merged case's conversation now lives on (itself if not merged)."""
        into = self.store.case(case_id).merged_into
        return case_id if into is None else self.survivor(into)

    def timeline(self, case_id: int) -> list[Event]:
        """What the case's screen shows: its events and those of the cases merged into it."""
        return merge.timeline(self.events(case_id), self.store.events)

    @property
    def _problems(self) -> ProblemStore:
        from casedesk.store.problems import ProblemStore

        return ProblemStore(self.store)

    # -- presence: who else is here ------------------------------------------------------

    def announce(
        self, case_id: int, activity: str = "viewing", ttl: timedelta = PRESENCE_TTL
    ) -> None:
        """Tell other agents this one has the case open ("viewing") or is "composing" to its
        customer. Call again within `ttl` (a heartbeat) or the mark expires by itself."""
        if activity not in ("viewing", "composing"):
            raise ValueError(activity)
        now = self.now()
        with self.store.transaction(cases=()):  # a mark beside the case, not a change of it
            state = self.store.case(case_id)
            # One mark per activity, so a console's case screen and compose screen on the
            # same case do not overwrite each other; none of them warns about the others.
            self.store.set_presence(
                self.actor,
                f"{self.session}/{activity}",
                case_id,
                state.customer_id,
                activity,
                now + ttl,
            )
            self.store.purge_presence(before=now - ttl)

    def leave(self, case_id: int | None = None, activity: str | None = None) -> None:
        """Take this session's marks away (of one case, of one activity) before they expire."""
        session = f"{self.session}/{activity}" if activity else self.session
        with self.store.transaction(cases=()):
            self.store.clear_presence(session, case_id)

    def others_here(self, case_id: int) -> list[Presence]:
        state = self.store.case(case_id)
        return self.store.presence_near(case_id, state.customer_id, self.now(), self.session)

    def collision_warning(self, case_id: int) -> str | None:
        """'bob is writing to this customer (on #14)', 'bob has this case open', or None."""
        others = self.others_here(case_id)
        if not others:
            return None
        words = []
        for other in others:
            if other.activity == "composing":
                where = "" if other.same_case else f" (on #{other.case_id})"
                words.append(f"{other.agent} is writing to this customer{where}")
            elif other.same_case:
                words.append(f"{other.agent} has this case open")
        return "; ".join(dict.fromkeys(words)) or None

    # -- reading --------------------------------------------------------------------------

    def case_row(self, case_id: int) -> CaseRow:
        return self.store.case_row(case_id)

    def events(self, case_id: int) -> list[Event]:
        self.store.case(case_id)  # unknown id → CaseNotFound, not an empty history
        return self.store.events(case_id)

    def customer(self, customer_id: int) -> Customer:
        return self.store.customer(customer_id)

    def check(
        self, repair: bool = False, progress: Callable[[int], None] | None = None
    ) -> CheckReport:
        """Is the file sound, are the event log's triggers in place, and does every case row
        equal the replay of its events? A damaged file is reported, never repaired: repair
        writes, and writing on damage spreads it."""
        report = CheckReport(integrity=self.store.integrity_problems())
        if report.integrity:
            repair = False
        try:
            self._check_cases(report, repair, progress)
        except StoreError as exc:
            report.integrity.append(
                f"reading stopped after {report.cases} cases and {report.events} events: {exc}"
            )
        return report

    def _check_cases(
        self, report: CheckReport, repair: bool, progress: Callable[[int], None] | None
    ) -> None:
        with self.store.transaction() if repair else self.store.snapshot():
            for name, problem in self.store.trigger_problems().items():
                report.problems.append(
                    f"trigger {name} on events {problem}"
                    + (
                        ": the event log could be rewritten"
                        if name != "events_fts_add"
                        else ": new events are not searchable"
                    )
                )
                if repair:
                    self.store.restore_triggers([name])
                    report.repaired_triggers.append(name)
            for stored, stored_due, events in self.store.histories():
                report.cases += 1
                report.events += len(events)
                if progress and report.cases % 1000 == 0:
                    progress(report.cases)
                if not events:
                    report.problems.append(f"case #{stored.id if stored else '?'} has no events")
                    continue
                try:
                    rebuilt = replay(events)
                except (ValueError, KeyError) as exc:
                    report.problems.append(
                        f"case #{events[0].case_id}: events do not replay ({exc})"
                    )
                    continue
                due = next_update_due(rebuilt, self.policy)
                if stored is None:
                    report.problems.append(f"case #{rebuilt.id} has events but no case row")
                elif stored != rebuilt or stored_due != due:
                    fields = [
                        name
                        for name in _STATE_FIELD_NAMES
                        if getattr(stored, name) != getattr(rebuilt, name)
                    ]
                    if stored_due != due:
                        fields.append("due time")
                    report.problems.append(
                        f"case #{rebuilt.id}: {', '.join(fields)} in the case row "
                        "differ from its events"
                    )
                else:
                    continue
                if repair:
                    self.store.replace_projection(rebuilt, due)
                    report.repaired += 1

    def replayed(self, case_id: int) -> CaseState:
        """The case rebuilt from its events alone, for integrity checks."""
        return replay(self.store.events(case_id))


_STATE_FIELD_NAMES = [f.name for f in fields(CaseState)]


@dataclass
class CheckReport:
    integrity: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cases: int = 0
    events: int = 0
    repaired: int = 0
    repaired_triggers: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.integrity and not self.problems


def _conversation(case: CaseState) -> dict[str, object]:
    """Where a merged case's conversation stood, for the case that takes it over."""
    return {
        "inbound_at": clock.to_text(case.inbound_at) if case.inbound_at else None,
        "inbound_channel": case.inbound_channel.value if case.inbound_channel else None,
        "inbound_text": case.inbound_text,
        "told_at": clock.to_text(case.told_at) if case.told_at else None,
        "told_channel": case.told_channel.value if case.told_channel else None,
        "told_by": case.told_by,
        "told_text": case.told_text,
        "responded_at": clock.to_text(case.responded_at) if case.responded_at else None,
    }


def _required(text: str, what: str) -> str:
    if not text or not text.strip():
        raise InvalidInput(f"{what} cannot be empty")
    return text
