"""A realistic demo store: customers, cases in every state, some overdue, long histories.

Histories are folded through the same projection and rules as live actions, so the demo store is
exactly what casedesk would have written; only the inserting is done in bulk for speed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from casedesk.core import clock
from casedesk.core.identity import current_agent
from casedesk.core.model import (
    CaseState,
    Channel,
    Due,
    Event,
    EventKind,
    Priority,
    Status,
    Urgency,
)
from casedesk.core.policy import DEFAULT_POLICY, Policy
from casedesk.core.reports import fold_rows
from casedesk.core.rules import next_update_due
from casedesk.store import Store
from casedesk.store import reports as report_steps

FIRST = [
    "Ann",
    "Ben",
    "Carla",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kemal",
    "Lena",
    "Marta",
    "Nils",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Xavier",
    "Yusuf",
    "Zoe",
    "Aiko",
    "Bruno",
    "Chloé",
    "Dario",
    "Eszter",
    "Farah",
]
LAST = [
    "Smith",
    "Okafor",
    "Nguyen",
    "Müller",
    "García",
    "Kowalski",
    "Rossi",
    "Haddad",
    "Larsen",
    "Silva",
    "Tanaka",
    "Novak",
    "Byrne",
    "Costa",
    "Dubois",
    "Ek",
    "Fischer",
    "Horvat",
    "Ivanova",
    "Jensen",
    "Kaur",
    "Lopez",
    "Moreau",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Quist",
    "Reyes",
]
ORGS = [
    "bakery-bloom",
    "northwind",
    "greenleaf-law",
    "harbour-dental",
    "kiln-studio",
    "orbit-cafe",
    "pinecrest",
    "riverside-vets",
    "summit-physio",
    "tidewater",
    "urban-bikes",
    "vista-realty",
]

PROBLEMS = [
    (
        "Laptop won't charge",
        "My laptop stopped charging this morning. The charger light is on but "
        "the battery stays at 3%. I have a client presentation on Thursday.",
    ),
    (
        "Printer shows offline",
        "The office printer says 'offline' on every computer since the "
        "power cut. We restarted it twice. Invoices are piling up.",
    ),
    (
        "Outlook not syncing",
        "My Outlook stopped getting new mail yesterday afternoon. Webmail "
        "works fine. Calendar invites are missing too.",
    ),
    (
        "VPN drops every few minutes",
        "Working from home, the VPN disconnects every 5-10 minutes "
        "and I lose my remote desktop session each time.",
    ),
    (
        "Forgot password, locked out",
        "I got locked out after too many tries. I need to get into the "
        "accounts system before the payroll run today.",
    ),
    (
        "Wi-Fi very slow in back office",
        "The Wi-Fi in the back office is crawling, video calls freeze. The front desk is fine.",
    ),
    (
        "Backup failed warning",
        "Got an email that last night's backup FAILED. Third time this week. Is our data safe?",
    ),
    (
        "Screen flickers",
        "My second monitor flickers and goes black every few minutes, worse in the afternoon.",
    ),
    (
        "Pop-up says computer infected",
        "A window popped up saying my computer is infected and to "
        "call a number. I did not click anything. Is this real?",
    ),
    (
        "New starter needs accounts",
        "We have a new receptionist starting Monday. She needs email, "
        "the booking system and a laptop.",
    ),
    (
        "Shared drive disappeared",
        "The S: drive is gone from my computer. All our client files are "
        "there. Others in the office can still see it.",
    ),
    (
        "Website shows error 500",
        "Our booking website shows 'Error 500' since this morning. "
        "Customers are phoning to ask if we are closed.",
    ),
    (
        "Domain renewal notice",
        "We got a letter saying our domain expires in 10 days. Is that a "
        "scam or do we need to pay?",
    ),
    (
        "Teams microphone not working",
        "Nobody can hear me in Teams calls. The mic works in other apps. Tried another headset.",
    ),
    (
        "Card reader declines everything",
        "The card terminal at the till declines every card since "
        "the update last night. Cash only for now.",
    ),
    (
        "Phone won't get work email",
        "Set up my new phone but work email asks for a password again and again.",
    ),
    (
        "Keyboard keys sticking",
        "Spilled a little coffee on the keyboard, now E and R stick. Can it "
        "be fixed or do I need a new one?",
    ),
    (
        "Scanner saves blank pages",
        "The scanner makes PDFs but every page is blank. Worked last month.",
    ),
]
REPLIES = [
    "Thanks for letting us know — I have taken this on and will look at it today.",
    "I've ordered a replacement battery; it should arrive Thursday and I'll fit it the same day.",
    "We found the cause: a failed update. I'm rolling it back tonight after closing time.",
    "Still working on it. The supplier has the part on back-order; next update by Friday.",
    "Could you send a photo of the error message? That will tell us which fix to try.",
    "I've reset your account; please try logging in again and let me know if it works.",
    "The technician will be on site tomorrow morning between 9 and 11.",
    "Quick update: the vendor confirmed it's a known fault and a patch is due this week.",
]
FOLLOW_UPS = [
    "Any news? I need it working by Monday.",
    "Tried restarting like you said, still the same.",
    "Here is the photo of the error you asked for.",
    "It worked for an hour and now it's broken again.",
    "Thanks! Yes, that's fine, tomorrow morning works.",
    "Sorry to chase — is there an update? My boss is asking.",
]
NOTES = [
    "Checked warranty: covered until next March.",
    "Part number 45N0451 ordered from the supplier, order ref PO-2231.",
    "Same symptom as last month on their other machine — check the power supply.",
    "Called the vendor, ticket VN-88412 opened on their side.",
    "Customer prefers phone calls after 14:00.",
    "Remote session: event log full of disk errors. Drive is failing.",
]
RESOLUTIONS = [
    "Replaced the battery; charging normally again.",
    "Rolled back the faulty update and paused updates until the fix is out.",
    "Replaced the failing drive and restored from last good backup.",
    "Reconfigured the access point channel; speeds back to normal.",
    "Reset the account and set up the authenticator app.",
]
# Untrusted text as it arrives in the wild: must be shown literally, never as styling or escapes.
HOSTILE = (
    "Please help [bold red]ASAP[/] — the screen shows \x1b[31mERROR 0x80070057\x1b[0m "
    "and beeps\x07 non-stop."
)


NATURAL_EVENTS = 11.0  # events per case the default demo histories come to
# A made-up case: its state, history, due time, and report steps (before its events have ids).
DemoCase = tuple[CaseState, list[Event], Due | None, list[tuple[Any, ...]]]


@dataclass
class _Plan:
    """What happens to one demo case, step by step."""

    rng: random.Random
    agents: list[str]
    case_id: int
    now: datetime
    at: datetime
    events: list[Event]
    pace: float = 1.0  # < 1 packs more events into the same time (bigger stores)

    def step(self, minimum: float = 0.1, maximum: float = 30.0) -> datetime | None:
        """Move time forward by a random number of hours; None once past now."""
        self.at += timedelta(hours=self.rng.uniform(minimum, maximum) * self.pace)
        return self.at if self.at < self.now else None

    def add(
        self,
        kind: EventKind,
        actor: str,
        text: str = "",
        channel: Channel | None = None,
        **data: object,
    ) -> None:
        self.events.append(
            Event(
                case_id=self.case_id,
                at=self.at.replace(microsecond=0),
                actor=actor,
                kind=kind,
                channel=channel,
                text=text,
                data=data,
            )
        )


def _history(plan: _Plan, title: str, body: str, customer_id: int, length: int) -> None:
    rng, agent = plan.rng, plan.rng.choice(plan.agents)
    owner = agent if rng.random() < 0.8 else None
    priority = rng.choices(list(Priority), weights=[2, 6, 3, 1])[0]
    urgency = rng.choices(list(Urgency), weights=[2, 6, 3, 1])[0]
    channel = rng.choice(
        [Channel.EMAIL, Channel.EMAIL, Channel.PHONE, Channel.CHAT, Channel.WALK_IN]
    )
    plan.add(
        EventKind.CREATED,
        agent,
        body,
        channel,
        title=title,
        customer_id=customer_id,
        priority=priority.value,
        urgency=urgency.value,
        owner=owner,
    )
    if rng.random() < 0.12 or plan.step(0.2, 3) is None:
        return  # still waiting for a first response
    told_channels = [Channel.EMAIL, Channel.PHONE, Channel.CHAT]
    plan.add(EventKind.TOLD, agent, REPLIES[0], rng.choice(told_channels))
    for _ in range(length):
        if plan.step() is None:
            return
        roll = rng.random()
        if roll < 0.3:
            plan.add(EventKind.INBOUND, "customer", rng.choice(FOLLOW_UPS), Channel.EMAIL)
        elif roll < 0.6:
            promise = None
            if rng.random() < 0.2:
                promise = clock.to_text(plan.at + timedelta(hours=rng.choice([4, 24, 48])))
            plan.add(
                EventKind.TOLD,
                agent,
                rng.choice(REPLIES),
                rng.choice(told_channels),
                **({"promise": promise} if promise else {}),
            )
        else:
            plan.add(EventKind.NOTE, agent, rng.choice(NOTES), Channel.INTERNAL)
    ending = rng.random()
    if ending < 0.15 and plan.step(1, 20):
        plan.add(
            EventKind.STATUS,
            agent,
            "",
            to=Status.WAITING_CUSTOMER.value,
            **{"from": Status.OPEN.value},
        )
    elif ending < 0.25 and plan.step(1, 20):
        plan.add(
            EventKind.STATUS,
            agent,
            "",
            to=Status.WAITING_THIRD_PARTY.value,
            **{"from": Status.OPEN.value},
        )
    elif ending < 0.32 and plan.step(1, 20):
        until = plan.at + timedelta(days=rng.choice([1, 2, 5]))
        plan.add(
            EventKind.SNOOZED,
            agent,
            "customer on holiday until next week",
            until=clock.to_text(until),
        )
    elif ending < 0.75 and plan.step(1, 30):
        plan.add(EventKind.RESOLVED, agent, rng.choice(RESOLUTIONS))
        if rng.random() < 0.75 and plan.step(0.2, 4):
            plan.add(
                EventKind.TOLD,
                agent,
                "Good news: it's fixed. " + rng.choice(RESOLUTIONS),
                rng.choice(told_channels),
            )
            if rng.random() < 0.7 and plan.step(12, 72):
                plan.add(EventKind.CLOSED, agent)


def build_demo(
    path: Path,
    cases: int = 300,
    seed: int = 7,
    policy: Policy = DEFAULT_POLICY,
    progress: bool = False,
    events: int | None = None,
) -> Path:
    """Write a fresh demo store with `cases` cases to `path` (replacing a previous demo).

    `events` asks for about that many events in all (longer, busier histories); by default a
    case has about eleven.
    """
    per_case = max((events or cases * NATURAL_EVENTS) / cases, 3.0)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    now = clock.now()
    me = current_agent()
    agents = sorted({me, "ann", "bob", "chris", "dana"})
    customers: list[tuple[int, str, str]] = []
    for index in range(max(cases // 3, 1)):
        first, last, org = rng.choice(FIRST), rng.choice(LAST), rng.choice(ORGS)
        email = f"{first.lower()}.{last.lower().replace(chr(39), '')}.{index}@{org}.example"
        customers.append((index + 1, f"{first} {last}", email))

    store = Store.open(path)
    report = _progress_reporter(cases) if progress else None
    try:
        batch: list[DemoCase] = []
        with store.transaction():
            store.bulk_customers(customers, now - timedelta(days=400))
            for agent in agents:
                store.remember_agent(agent, now - timedelta(days=400))
            # The report steps as a desk keeps them at every write, folded as each case is
            # made (its events are at hand) and indexed once at the end: the first report is
            # then as fast as any later one.
            report_steps.start_bulk(store)
            for case_id in range(1, cases + 1):
                batch.append(_demo_case(rng, case_id, now, agents, customers, policy, per_case))
                if len(batch) >= 2000 or case_id == cases:
                    ids = store.bulk_cases([made[:3] for made in batch])
                    report_steps.add_bulk(store, (s for made in batch for s in made[3]), ids)
                    batch.clear()
                    if report:
                        report(case_id)
            report_steps.finish_bulk(store, policy)
    finally:
        store.close()
    return path


def _demo_case(
    rng: random.Random,
    case_id: int,
    now: datetime,
    agents: list[str],
    customers: list[tuple[int, str, str]],
    policy: Policy,
    per_case: float = 11.0,
) -> DemoCase:
    long_case = case_id == 1 or case_id % 5000 == 0
    age_days = 120 if long_case else rng.expovariate(1 / 12)
    start = now - timedelta(days=min(age_days, 365), hours=rng.uniform(0, 24))
    pace = min(1.0, NATURAL_EVENTS / per_case)
    plan = _Plan(rng, agents, case_id, now, start, [], pace)
    title, body = rng.choice(PROBLEMS)
    if case_id % 97 == 5:
        body = HOSTILE
    customer_id = rng.choice(customers)[0]
    ratio = per_case / NATURAL_EVENTS
    mean = 18 * ratio * (1.15 if ratio > 1 else 1)  # longer histories are cut short more often
    length = 498 if long_case else min(int(rng.expovariate(1 / mean)), int(mean * 7))
    if long_case:
        # A long-running case (~500 events) for the benchmarks: written into the far future,
        # then squeezed into the time the case has really been open.
        while len(plan.events) < 500:
            plan.events.clear()
            far = _Plan(rng, agents, case_id, now + timedelta(days=3650), start, plan.events)
            _history(far, title, body, customer_id, length)
        _squeeze(plan.events, start, now)
    else:
        _history(plan, title, body, customer_id, length)
        _keep_up(plan, agents)
    steps, state = fold_rows(plan.events, policy)
    return state, plan.events, next_update_due(state, policy), steps


def _keep_up(plan: _Plan, agents: list[str]) -> None:
    """Most customers of a working shop heard from us lately; the rest make the nag worth it."""
    last = plan.events[-1]
    if last.kind is EventKind.CLOSED or plan.rng.random() < 0.25:
        return
    recent = plan.now - timedelta(hours=plan.rng.uniform(0.5, 40))
    if recent <= last.at:
        return
    plan.at = recent
    text = "Good news: it's fixed." if last.kind is EventKind.RESOLVED else plan.rng.choice(REPLIES)
    plan.add(EventKind.TOLD, last.actor if last.actor in agents else agents[0], text, Channel.EMAIL)


def _squeeze(events: list[Event], start: datetime, now: datetime) -> None:
    """Fit a long history into [start, now) keeping its order."""
    span = (now - start) / (len(events) + 1)
    for index, event in enumerate(events):
        at = (start + span * (index + 1)).replace(microsecond=0)
        events[index] = Event(
            case_id=event.case_id,
            at=at,
            actor=event.actor,
            kind=event.kind,
            channel=event.channel,
            text=event.text,
            data=_retime(event, at),
        )


def _retime(event: Event, at: datetime) -> dict[str, object]:
    data = dict(event.data)
    for key in ("promise", "until"):
        if key in data:
            data[key] = clock.to_text(at + timedelta(days=1))
    return data


def _progress_reporter(total: int, what: str = "building demo") -> Callable[[int], None]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(what, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
    bar.start()
    task = bar.add_task("cases", total=total)

    def report(done: int) -> None:
        bar.update(task, completed=done)
        if done >= total:
            bar.stop()

    return report
