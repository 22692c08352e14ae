"""`casedesk` with no command: the console on a store, for one agent."""

from __future__ import annotations

import sys
from pathlib import Path

from casedesk.config import tui_settings


def run_console(db: Path, agent: str) -> None:
    """Open the console; returns when the agent quits."""
    settings = tui_settings()
    from casedesk.app import CasedeskApp

    app = CasedeskApp(db, agent, settings=settings)
    app.run()
    if app.desk_failed is not None:
        raise app.desk_failed


def console_main() -> bool:
    """The fast path for `casedesk [--db PATH] [--as NAME]` in a terminal (the entry point has
    taken the options already).

    It opens the console without loading the CLI (typer and every verb: ~0.25 s of start-up).
    Returns False, having done nothing, without a terminal: the CLI then says that the console
    needs one.
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    from casedesk import paths
    from casedesk.core.identity import current_agent

    run_console(paths.db_path(), current_agent())
    return True
