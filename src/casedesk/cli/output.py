"""Output and store access every verb shares, without typer (the read verbs' fast path uses it)
and without rich until something is printed with it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from casedesk.core.safetext import json_text, printable

TYPE_CHECKING = False  # not `typing`'s: the read verbs' JSON path loads this module
if TYPE_CHECKING:
    from typing import Any

    from rich.console import Console

    from casedesk.core.policy import Policy
    from casedesk.desk.desk import Desk
    from casedesk.store import Store


def console(stderr: bool = False) -> Console:
    """Rich output that never interprets customer text: callers pass rich Text, not markup."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output is read by scripts and pagers, not squeezed into an 80-column guess.
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=False,
        width=width,
        no_color=bool(os.environ.get("NO_COLOR")) or None,
    )


def print_json(value: Any) -> None:
    sys.stdout.write(json_text(value, indent=2) + "\n")


def say(message: str) -> None:
    """A one-line confirmation on stderr, so stdout stays clean for pipes (customer text in it
    is made printable)."""
    sys.stderr.write(printable(message) + "\n")


@contextmanager
def open_desk(db: str | None, actor: str | None, *, existing: bool = False) -> Iterator[Desk]:
    """The desk on the store; `existing` for verbs that only read: no store there is an error,
    not a new empty store."""
    from casedesk import paths
    from casedesk.core.identity import current_agent
    from casedesk.desk.desk import Desk

    location = paths.db_path(db)
    missing = paths.missing_store(location) if existing else None
    if missing:
        from casedesk.core.errors import StoreError

        raise StoreError(missing)
    desk = Desk.open(location, current_agent(actor))
    try:
        yield desk
    finally:
        desk.close()


class Reader:
    """What the read verbs need of a desk: the store and the time, without loading the desk's
    actions (the whole desk is opened only when a read needs it, e.g. a pending draft)."""

    def __init__(self, store: Store, actor: str) -> None:
        self.store = store
        self.actor = actor
        self._desk: Desk | None = None
        self._working: bool | None = None  # whether the policy has [hours]

    def now(self) -> datetime:
        from casedesk.core import clock

        return clock.now()

    @property
    def desk(self) -> Desk:
        if self._desk is None:
            from casedesk import paths
            from casedesk.core.policy import load_policy
            from casedesk.desk.desk import Desk

            policy = load_policy(paths.policy_file(self.store.path))
            self._desk = Desk(store=self.store, policy=policy, actor=self.actor)
            self._desk.use_kept_holidays()
        return self._desk

    @property
    def policy(self) -> Policy | None:
        """The policy when its targets count working time (`[hours]`), for saying how much of it
        is left; None otherwise, without reading policy.toml (the store's fingerprint of the
        policy says whether it has hours)."""
        if self._working is None:
            self._working = "hours=" in (self.store.meta("policy_fingerprint") or "")
        return self.desk.policy if self._working else None


@contextmanager
def open_reader(db: str | None, actor: str | None) -> Iterator[Reader]:
    """The store for reading. When the policy file changed since due times were last computed
    (or the store is new), the whole desk opens first and brings them up to date."""
    from casedesk import paths
    from casedesk.core.identity import current_agent
    from casedesk.store import Store

    path = paths.db_path(db)
    agent = current_agent(actor)
    missing = paths.missing_store(path)
    if missing:
        from casedesk.core.errors import StoreError

        raise StoreError(missing)
    store = Store.open(path, allow_read_only=True)
    try:
        # (A store this agent may only read is read as it is: its due times follow the policy
        # as the last writer saw it.)
        if not store.read_only and store.meta("policy_signature") != paths.file_signature(
            paths.policy_file(path)
        ):
            store.close()
            with open_desk(path, agent):
                pass
            store = Store.open(path)
        yield Reader(store, agent)
    finally:
        store.close()
