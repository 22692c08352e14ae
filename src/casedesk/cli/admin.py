"""Looking after the store: init --shared, check, restore, export."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from casedesk import paths
from casedesk import safe_files as files
from casedesk.cli.app import app
from casedesk.cli.common import AsOption, DbOption, JsonOption, open_desk, print_json, say
from casedesk.core.errors import InvalidInput, Refused, StoreError
from casedesk.core.model import CaseState, Due
from casedesk.core.rules import next_update_due
from casedesk.core.wording import counted
from casedesk.store import Store
from casedesk.store.shared import init_shared

if TYPE_CHECKING:
    from casedesk.desk.desk import Desk


@app.command()
def init(
    shared: Annotated[
        Path,
        typer.Option(
            help="Create a store every member of GROUP can use: "
            "a file path, or a folder for casedesk.db."
        ),
    ],
    group: Annotated[str, typer.Option(help="The Unix group of the agents.")],
) -> None:
    """Set up a store shared by several agents on this host (over SSH)."""
    path = init_shared(shared, group)
    say(
        f"casedesk: shared store ready at {path} for group {group}.\n"
        "Point every agent at it, either in their shell profile (or /etc/profile.d/casedesk.sh):\n"
        f"    export CASEDESK_DB={shlex.quote(str(path))}\n"
        f"or for everyone on this host, in {paths.site_config_file()}:\n"
        f"    [store]\n    path = {json.dumps(str(path), ensure_ascii=False)}\n"
        f"Agents need to be in group {group}: sudo usermod -aG {shlex.quote(group)} NAME "
        "(then log in again)."
    )


@app.command()
def check(
    repair: Annotated[
        bool,
        typer.Option(
            help="Rebuild every case row that differs from a replay of its events and put back "
            "the event log's triggers (never on a damaged file)."
        ),
    ] = False,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Verify the file (integrity check), the event log's append-only triggers, and that every
    case equals a replay of its events. Exits 1 when anything is wrong."""
    with open_desk(db, as_, existing=True) as desk:
        report = desk.check(repair=repair)
    if json_:
        print_json(
            {
                "clean": report.clean,
                "integrity": report.integrity,
                "problems": report.problems,
                "cases": report.cases,
                "events": report.events,
                "repaired": report.repaired,
                "repaired_triggers": report.repaired_triggers,
            }
        )
    else:
        for line in report.integrity:
            say(f"integrity: {line}")
        for line in report.problems:
            say(line)
        verdict = (
            "clean"
            if report.clean
            else counted(len(report.problems) + len(report.integrity), "problem")
        )
        if repair and report.repaired:
            verdict += f", {counted(report.repaired, 'case')} rebuilt from their events"
        if repair and report.repaired_triggers:
            kind = "trigger" if len(report.repaired_triggers) == 1 else "triggers"
            verdict += f", {kind} {', '.join(report.repaired_triggers)} put back"
        say(
            f"casedesk: checked {counted(report.cases, 'case')} and "
            f"{counted(report.events, 'event')}: {verdict}"
        )
        if report.integrity:
            say(
                "casedesk: the file is damaged"
                + (": nothing was repaired (writing on damage spreads it)" if repair else "")
                + f"; restore the latest good backup (`{paths.command('restore FILE')}`), or "
                "save what can be read with `sqlite3 STORE .recover`"
            )
    if not report.clean and not (repair and not report.integrity):
        raise SystemExit(1)


@app.command()
def export(
    output: Annotated[
        Path | None, typer.Argument(help="The file to write (default: stdout).", show_default=False)
    ] = None,
    format_: Annotated[
        str, typer.Option("--format", help="jsonl: one JSON object a line.")
    ] = "jsonl",
    force: Annotated[
        bool, typer.Option(help="Replace OUTPUT if it exists (never through a symlink).")
    ] = False,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Write the whole store (every event, every customer, ids kept) as JSON Lines."""
    if format_ != "jsonl":
        raise InvalidInput(f"unknown export format {format_!r}; use jsonl")
    if output and output.exists() and not output.is_symlink() and not force:
        raise InvalidInput(f"{output} exists; use --force to replace it")
    from casedesk.store.portable import export_to  # sqlite-utils: only for this verb

    with open_desk(db, as_, existing=True) as desk, desk.store.snapshot():
        try:
            if output is None:
                count = export_to(desk.store, sys.stdout)
            else:
                mode, group = files.copy_mode(desk.store.path)
                with files.written(output, mode=mode, group=group, replace=force, text=True) as out:
                    count = export_to(desk.store, out)
        except StoreError as exc:
            raise StoreError(
                f"{exc}; "
                + (f"nothing was written to {output}" if output else "the lines above are partial")
            ) from None
    say(f"casedesk: exported {count} lines" + (f" to {output}" if output else ""))


def import_jsonl(source: Path, db: str | None, actor: str | None) -> dict[str, int]:
    """`casedesk import --format jsonl FILE` into an empty store; returns rows per table.

    The report figures are folded once at the end, with the rest of the bulk work, so the
    first report on the new store does not have to (progress bars on a terminal)."""
    from casedesk.store.portable import import_lines  # sqlite-utils: only for this verb

    with open_desk(db, actor) as desk, _ImportProgress(source) as bars:

        def due_for(state: CaseState) -> Due | None:
            return next_update_due(state, desk.policy)

        if str(source) == "-":
            counts = import_lines(desk.store, bars.reading(sys.stdin), due_for, bars.update)
        else:
            try:
                with source.open(encoding="utf-8") as lines:
                    counts = import_lines(desk.store, bars.reading(lines), due_for, bars.update)
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidInput(f"cannot read {source}: {exc}") from None
        _fold_report_figures(desk, bars)
    return counts


def _fold_report_figures(desk: Desk, bars: _ImportProgress) -> None:
    """Bring the report steps up to the imported events (what the next report would do)."""
    from casedesk.store.reports import update_steps

    update_steps(desk.store, desk.policy, partial(bars.update, "report"))


_PHASES = {
    "read": "reading the export",
    "indexes": "building indexes",
    "report": "folding report figures",
}


class _ImportProgress:
    """Bars on stderr for a long import: the file read (by its size), the indexes built and
    the report figures folded. Nothing is drawn when stderr is not a terminal."""

    def __init__(self, source: Path) -> None:
        self.size: int | None = None
        if str(source) != "-":
            with suppress(OSError):
                self.size = source.stat().st_size
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _ImportProgress:
        if sys.stderr.isatty():
            from rich.progress import BarColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

            from casedesk.cli.output import console

            self.progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                "[progress.percentage]{task.percentage:>3.0f}%",
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console(stderr=True),
                transient=True,
            )
            self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def update(self, phase: str, done: int, total: int | None) -> None:
        if self.progress is None:
            return
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(_PHASES[phase], total=total)
        self.progress.update(self.tasks[phase], completed=done, total=total)

    def reading(self, lines: Iterable[str]) -> Iterator[str]:
        """The lines, advancing the reading bar every few thousand of them."""
        if self.progress is None:
            yield from lines
            return
        read = 0
        for number, line in enumerate(lines, 1):
            read += len(line)  # characters: close enough to bytes for a bar
            if number % 5000 == 0:
                self.update("read", read, self.size)
            yield line
        self.update("read", self.size or read, self.size or read)


@app.command()
def restore(
    backup_file: Annotated[Path, typer.Argument(help="A backup made by `casedesk backup`.")],
    force: Annotated[
        bool, typer.Option(help="Restore even over a store with newer changes.")
    ] = False,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """Put a backup back in place; the current store is kept beside it first."""
    if not backup_file.exists():
        raise InvalidInput(f"no backup at {backup_file}")
    with Store.open(backup_file) as source:
        problems = source.integrity_problems()
        if problems:
            raise StoreError(f"{backup_file} is damaged ({problems[0]}); not restoring it")
        source_latest = source.latest_event_at() or ""
        with open_desk(db, as_) as desk:
            if backup_file.samefile(desk.store.path):
                raise InvalidInput(f"{backup_file} is the store itself; nothing to restore")
            current_latest = desk.store.latest_event_at() or ""
            if current_latest > source_latest and not force:
                raise Refused(
                    f"{desk.store.path} has changes after this backup (latest {current_latest}, "
                    f"backup's latest {source_latest or 'none'}); use --force to restore anyway"
                )
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = desk.store.path.with_name(f"{desk.store.path.stem}.before-restore-{stamp}.db")
            kept = desk.store.backup(kept, unique=True)
            source.conn.backup(desk.store.conn)
    say(f"casedesk: restored {backup_file}; the previous store is kept at {kept}")
