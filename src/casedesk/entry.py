"""The `casedesk` console script. `nag`, the read verbs and the console skip loading the whole
CLI (typer)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

ROOT_OPTIONS = ("--db", "--as")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        given, args = root_options(args)
    except ValueError as exc:
        sys.stderr.write(f"casedesk: {exc} (see `casedesk --help`)\n")
        raise SystemExit(2) from None
    from casedesk.core.errors import CasedeskError

    with for_this_run(given):
        try:
            _dispatch(args)
        except CasedeskError as exc:  # every path's user mistakes: one line, never a traceback
            from casedesk.core.safetext import printable

            sys.stderr.write(f"casedesk: {printable(str(exc))}\n")
            raise SystemExit(exc.exit_code) from None
        except OverflowError as exc:  # a number typed too large for SQLite (an id, a limit)
            sys.stderr.write(f"casedesk: a number given is too large ({exc})\n")
            raise SystemExit(1) from None
        except KeyboardInterrupt:
            raise SystemExit(130) from None


def _dispatch(args: list[str]) -> None:
    if args[:1] == ["nag"]:
        from casedesk.nag import main as nag

        raise SystemExit(nag(args[1:]))
    if not args:
        from casedesk.tui import console_main

        if console_main():  # `casedesk [--db PATH] [--as NAME]` in a terminal
            return
    from casedesk.cli.fast import main as fast

    if fast(args):  # list, show, search, customer show
        return
    from casedesk.cli import run

    run(args)


def root_options(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """`--db PATH` and `--as NAME` (also `--db=PATH`) given before the verb, and the arguments
    from the verb on. They apply to every verb, the nag and the console alike."""
    given: dict[str, str] = {}
    rest = list(args)
    while rest and rest[0].partition("=")[0] in ROOT_OPTIONS:
        name, equals, value = rest.pop(0).partition("=")
        if not equals:
            value = rest.pop(0) if rest else ""
        if not value:
            raise ValueError(f"{name} needs a value")
        if name[2:] in given:
            raise ValueError(f"{name} is given twice")
        given[name[2:]] = value
    return given, rest


@contextmanager
def for_this_run(given: dict[str, str]) -> Iterator[None]:
    """Make the root options the store and the agent of every lookup during this run."""
    from casedesk import paths
    from casedesk.core import identity

    saved = paths.given_db, identity.given_agent, paths.told_db, identity.told_agent
    paths.given_db, identity.given_agent = given.get("db"), given.get("as")
    paths.told_db = identity.told_agent = None
    try:
        yield
    finally:
        paths.given_db, identity.given_agent, paths.told_db, identity.told_agent = saved
