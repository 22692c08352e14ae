"""`casedesk` with no command: the console on a store, for one agent."""

from __future__ import annotations

from pathlib import Path


def run_console(db: Path, agent: str) -> None:
    """Open the console; returns when the agent quits."""
    from casedesk.app import CasedeskApp

    CasedeskApp(db, agent).run()
