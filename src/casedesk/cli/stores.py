"""Verbs about the store as a whole: the console, nag, search, customers, demo, backup."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from casedesk import paths
from casedesk.cli.app import app
from casedesk.cli.common import AsOption, DbOption, open_desk, say, table_command
from casedesk.cli.options import CUSTOMER_SHOW, SEARCH
from casedesk.core.errors import InvalidInput, StoreError
from casedesk.core.identity import current_agent


@app.callback(invoke_without_command=True)
def main(ctx: typer.Context, db: DbOption = None, as_: AsOption = None) -> None:
    """Run without a command to open the console on the store."""
    if ctx.invoked_subcommand is None:
        open_console(paths.db_path(db), current_agent(as_))


def open_console(db: Path, agent: str) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        say(
            f"casedesk: the console needs a terminal. The store is {db}; "
            "see `casedesk --help` for the commands."
        )
        return
    from casedesk.tui import run_console

    run_console(db, agent)


@app.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
def nag(ctx: typer.Context) -> None:
    """Overdue "tell the customer" reminders for a login script (silent when none)."""
    from casedesk.nag import main as nag_main

    raise SystemExit(nag_main(list(ctx.args)))


table_command(app, SEARCH, __name__)

customer_app = typer.Typer(help="Customers and all their cases.", no_args_is_help=True)
app.add_typer(customer_app, name="customer")


table_command(customer_app, CUSTOMER_SHOW, __name__)


@customer_app.command("note")
def customer_note(
    key: Annotated[str, typer.Argument(help="The customer's email address or id.")],
    text: Annotated[str, typer.Argument(help="The note (internal; about the customer).")],
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Keep a note about the customer (not one case): who they are, how to reach them."""
    with open_desk(db, as_) as desk:
        note = desk.note_customer(key, text)
        say(f"customer #{note.customer_id}: note added")


@customer_app.command("merge")
def customer_merge(
    keep: Annotated[str, typer.Argument(help="The customer to keep (email or id).")],
    duplicate: Annotated[str, typer.Argument(help="The duplicate to merge into it.")],
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Merge a duplicate customer into another: its cases move (recorded on each), history kept."""
    with open_desk(db, as_) as desk:
        into = desk.store.find_customer(keep)
        dup = desk.store.find_customer(duplicate)
        moved = desk.merge_customers(keep, duplicate)
        cases = f" (#{', #'.join(map(str, moved))})" if moved else ""
        say(f"customer #{dup.id} merged into #{into.id}: {len(moved)} case(s) moved{cases}")


@app.command()
def demo(
    db: Annotated[
        str | None,
        typer.Option(
            help="Where to build it (default: demo.db in the data dir, never your real store)."
        ),
    ] = None,
    cases: Annotated[int, typer.Option(help="How many cases.", min=1)] = 300,
    seed: Annotated[int, typer.Option(help="Random seed, for the same store every time.")] = 7,
    events: Annotated[
        int | None,
        typer.Option(
            help="About how many events in all (default: about 11 a case).", show_default=False
        ),
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="Build it again even if it exists.")] = False,
    open_: Annotated[
        bool,
        typer.Option(
            "--open/--no-open", help="Open the console on it afterwards (when in a terminal)."
        ),
    ] = True,
    as_: AsOption = None,
) -> None:
    """Build a realistic demo store (customers, cases in every state, some overdue) and open it."""
    from casedesk.desk.demo import build_demo

    path = paths.store_location(db) if db else paths.demo_db()
    if isinstance(path, paths.ServerStore):
        raise InvalidInput(
            "the demo is built in a SQLite file; to try it on PostgreSQL, move it there: "
            f"casedesk export --db demo.db | casedesk import --format jsonl --db '{path}' -"
        )
    real = paths.db_path(None)
    if isinstance(real, Path) and path.resolve() == real.resolve() and real.exists() and db is None:
        raise StoreError(f"refusing to build the demo over your store {real}")
    if rebuild or not path.exists() or cases != 300 or events:
        build_demo(path, cases=cases, seed=seed, progress=sys.stderr.isatty(), events=events)
        say(f"casedesk: demo store with {cases} cases at {path}")
    else:
        say(f"casedesk: using the demo store at {path} (--rebuild to make it again)")
    if open_:
        open_console(path, current_agent(as_))


@app.command()
def backup(
    destination: Annotated[Path, typer.Argument(help="The file to write the copy to.")],
    force: Annotated[
        bool, typer.Option(help="Replace DESTINATION if it exists (never through a symlink).")
    ] = False,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """A consistent copy of the store, taken online while others keep working."""
    if destination.exists() and not destination.is_symlink() and not force:
        raise InvalidInput(f"{destination} exists; use --force to replace it")
    with open_desk(db, as_, existing=True) as desk:
        if destination.exists() and destination.resolve() == desk.store.path.resolve():
            raise InvalidInput("cannot back a store up onto itself")
        desk.store.backup(destination, replace=force)
        counts = desk.store.counts()
    say(
        f"casedesk: backed up {counts['cases']} cases and {counts['events']} events to "
        f"{destination}"
    )
