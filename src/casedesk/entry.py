"""The `casedesk` console script. `nag` is dispatched before anything heavy is imported."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["nag"]:
        from casedesk.nag import main as nag

        raise SystemExit(nag(args[1:]))
    from casedesk.cli import run

    run(args)
