"""The typer application that every verb module registers on."""

from __future__ import annotations

from typing import Any

import typer

SETTINGS: dict[str, Any] = {
    "name": "casedesk",
    "help": "A keyboard-driven case console: every customer problem owned, tracked and told.\n\n"
    "Run without a command to open the console.",
    "no_args_is_help": False,
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}

app = typer.Typer(**SETTINGS)
