"""Verbs about the store as a whole: the console, nag, search, customers, demo, backup."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from casedesk import paths
from casedesk.cli.app import app
from casedesk.cli.common import AsOption, DbOption, JsonOption, console, open_desk, print_json, say
from casedesk.cli.render import case_table, plain
from casedesk.cli.serialize import case_json, customer_json
from casedesk.core.clock import to_local_text
from casedesk.core.errors import InvalidInput, StoreError
from casedesk.core.identity import current_agent
from casedesk.core.model import Status
from casedesk.core.rules import humanize


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


@app.command()
def search(
    query: Annotated[
        str,
        typer.Argument(help='Words to find (SQLite FTS5 syntax: "a phrase", prefix*, OR, NOT).'),
    ],
    limit: Annotated[int, typer.Option(help="At most this many cases.", min=1)] = 50,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Find cases by title, customer, and every message and note on them."""
    with open_desk(db, as_) as desk:
        hits = desk.store.search(query, limit)
        rows = {
            row.case.id: row
            for row in desk.store.list_cases(ids=[i for i, _ in hits], statuses=None, limit=None)
        }
        now = desk.now()
        if json_:
            print_json(
                [{**case_json(rows[i], now), "match": snippet} for i, snippet in hits if i in rows]
            )
            return
        if not hits:
            console().print("no matches")
            return
        table = Table(box=None, pad_edge=False, header_style="bold")
        for name in ("id", "status", "customer", "title", "match"):
            table.add_column(name, overflow="ellipsis")
        for case_id, snippet in hits:
            row = rows[case_id]
            table.add_row(
                f"#{case_id}",
                row.case.status.value,
                plain(row.customer.name, 24),
                plain(row.case.title, 40),
                plain(snippet, 60),
            )
        console().print(table)


customer_app = typer.Typer(help="Customers and all their cases.", no_args_is_help=True)
app.add_typer(customer_app, name="customer")


@customer_app.command("show")
def customer_show(
    key: Annotated[str, typer.Argument(help="The customer's email address or id.")],
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """A customer's contact details, notes, and every case they have had with its last heard."""
    from casedesk.store.problems import ProblemStore

    with open_desk(db, as_) as desk:
        asked = desk.store.find_customer(key)
        who = desk.store.merged_target(asked)
        records = ProblemStore(desk.store)
        merged = records.merged_from(who.id)
        rows = desk.store.list_cases(customer_id=who.id, statuses=None, limit=None)
        notes = records.customer_note_rows([who.id, *(m.id for m in merged)])
        now = desk.now()
        if json_:
            print_json(
                {
                    **customer_json(who),
                    "notes": desk.store.customer_notes(who.id),
                    "note_log": [
                        {"at": to_local_text(n.at), "by": n.actor, "text": n.text} for n in notes
                    ],
                    "merged": [customer_json(m) for m in merged],
                    "cases": [case_json(row, now) for row in rows],
                }
            )
            return
        if asked.id != who.id:
            say(f"customer #{asked.id} was merged into #{who.id}")
        out = console()
        line = Text(f"Customer #{who.id}: ", style="bold").append(plain(who.name))
        if who.email:
            line.append(" <").append(plain(who.email)).append(">")
        out.print(line)
        open_count = sum(1 for r in rows if r.case.status is not Status.CLOSED)
        out.print(f"{len(rows)} cases, {open_count} not closed")
        for m in merged:
            out.print(Text(f"merged in: #{m.id} ", style="dim").append(plain(m.name)))
        legacy = desk.store.customer_notes(who.id)
        if legacy or notes:
            out.print(Text("Notes", style="bold"))
        if legacy:
            out.print(plain(legacy))
        for n in notes:
            out.print(Text(f"  {to_local_text(n.at)[:16]} {n.actor}: ").append(plain(n.text)))
        if rows:
            out.print(case_table(rows, now))
            heard = Table(box=None, pad_edge=False, header_style="bold")
            for name in ("id", "last heard from them", "last told"):
                heard.add_column(name, overflow="ellipsis")
            for row in rows:
                case = row.case
                inbound = (
                    Text(f"{humanize(now - case.inbound_at)} ago: ").append(
                        plain(case.inbound_text, 50)
                    )
                    if case.inbound_at
                    else Text("—")
                )
                told = (
                    Text(f"{humanize(now - case.told_at)} ago by ").append(plain(case.told_by))
                    if case.told_at
                    else Text("never", style="yellow")
                )
                heard.add_row(f"#{case.id}", inbound, told)
            out.print(heard)


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
        Path | None,
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

    path = (db or paths.demo_db()).expanduser()
    real = paths.db_path(None)
    if path.resolve() == real.resolve() and real.exists() and db is None:
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
    with open_desk(db, as_) as desk:
        if destination.exists() and destination.resolve() == desk.store.path.resolve():
            raise InvalidInput("cannot back a store up onto itself")
        desk.store.backup(destination, replace=force)
        counts = desk.store.counts()
    say(
        f"casedesk: backed up {counts['cases']} cases and {counts['events']} events to "
        f"{destination}"
    )
