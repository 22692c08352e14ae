"""The `casedesk` console script. `nag`, the read verbs and the console skip loading the whole
CLI (typer)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["nag"]:
        from casedesk.nag import main as nag

        raise SystemExit(nag(args[1:]))
    if not args or args[0].startswith("--"):
        from casedesk.tui import console_main

        if console_main(args):  # `casedesk [--db PATH] [--as NAME]` in a terminal
            return
    from casedesk.cli.fast import main as fast

    if fast(args):  # list, show, search, customer show
        return
    from casedesk.cli import run

    run(args)
