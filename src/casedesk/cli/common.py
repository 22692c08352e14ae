"""What every CLI verb shares: the --db/--as/--json options, opening the desk, output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from casedesk import paths
from casedesk.core.identity import current_agent
from casedesk.core.safetext import printable
from casedesk.desk.desk import Desk

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Store file (default: $CASEDESK_DB, else the data dir).", show_default=False
    ),
]
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this agent (default: $CASEDESK_AGENT, else your login).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
CaseId = Annotated[int, typer.Argument(help="The case id (as shown by `list`).", min=1)]


def console(stderr: bool = False) -> Console:
    """Rich output that never interprets customer text: callers pass rich Text, not markup."""
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


@contextmanager
def open_desk(db: Path | None, actor: str | None) -> Iterator[Desk]:
    desk = Desk.open(paths.db_path(db), current_agent(actor))
    try:
        yield desk
    finally:
        desk.close()


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def say(message: str) -> None:
    """A one-line confirmation on stderr, so stdout stays clean for pipes (customer text in it
    is made printable)."""
    sys.stderr.write(printable(message) + "\n")
