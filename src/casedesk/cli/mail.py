"""Mail verbs: import, fetch, quarantine list/show/retry, drafts."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from casedesk.cli.app import app
from casedesk.cli.common import AsOption, DbOption, JsonOption, console, open_desk, print_json, say
from casedesk.core.clock import to_local_text
from casedesk.core.errors import InvalidInput
from casedesk.core.safetext import one_line, printable
from casedesk.core.wording import counted

# Import formats that are not mail (e.g. a store's jsonl export) register a handler here:
# name → handler(paths, db, as_, json_). Mail formats come from casedesk.mail.sources.FORMATS.
OTHER_IMPORTERS: dict[str, Callable[[list[Path], Path | None, str | None, bool], None]] = {}


def _import_jsonl(paths: list[Path], db: str | None, as_: str | None, json_: bool) -> None:
    """`import --format jsonl FILE`: a store's export (casedesk export), into an empty store."""
    from casedesk.cli.admin import import_jsonl

    if len(paths) != 1:
        raise InvalidInput("--format jsonl takes one file (or - for stdin)")
    counts = import_jsonl(paths[0], db, as_)
    if json_:
        print_json(counts)
    else:
        say("casedesk: imported " + ", ".join(f"{n} {table}" for table, n in counts.items()))


OTHER_IMPORTERS["jsonl"] = _import_jsonl

IntervalOption = Annotated[
    float,
    typer.Option(help="With --watch: seconds between looks at the folder (0.1 to 86400)."),
]

_PROGRESS_FROM = 20  # fewer messages than this finish before a bar is worth drawing


def _format_names() -> list[str]:
    from casedesk.mail.sources import FORMATS

    return ["auto", *FORMATS, *OTHER_IMPORTERS]


def _check_format(value: str) -> str:
    if value not in _format_names():
        raise typer.BadParameter(f"use one of {', '.join(_format_names())}")
    return value


@app.command("import")
def import_(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Maildir folders, mbox files, .eml files, folders of them; - is stdin "
            "(one message, or an mbox when it starts with a From_ line)."
        ),
    ],
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            help="auto (mail, by content), maildir, mbox, eml; jsonl: a `casedesk export`.",
            callback=_check_format,
        ),
    ] = "auto",
    db: DbOption = None,
    as_: AsOption = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Keep watching one Maildir: take each message delivered into new/ (moved to "
            "cur/ once stored) until SIGTERM or ctrl+c.",
        ),
    ] = False,
    interval: IntervalOption = 1.0,
    json_: JsonOption = False,
) -> None:
    """Take mail in: each message opens a case or joins its thread; bad mail is quarantined.

    With --format jsonl it loads a `casedesk export` into an empty store instead.
    """
    if watch:
        if len(paths) != 1 or format_ not in ("auto", "maildir"):
            raise InvalidInput("--watch takes one Maildir folder")
        _watch(db, as_, paths[0].expanduser(), interval)
        return
    if format_ in OTHER_IMPORTERS:
        OTHER_IMPORTERS[format_](paths, db, as_, json_)
        return
    from casedesk.mail import intake, sources
    from casedesk.mail.settings import load_mail_settings

    settings = load_mail_settings()
    work, skipped = sources.plan(paths, format_)
    with open_desk(db, as_) as desk:
        messages = sources.oldest_first(work)
        if sys.stderr.isatty() and not json_:
            summary = _with_progress(desk, messages, sources.count(work), settings)
        else:
            summary = intake.take_all(desk, messages, settings)
    for path in skipped:
        say(f"skipped {printable(str(path))}: not mail (no .eml/.mbox name, no mbox From line)")
    _report(summary, json_)


def _with_progress(desk, messages, total, settings):  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from casedesk.mail import intake

    if total < _PROGRESS_FROM:
        return intake.take_all(desk, messages, settings)
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console(stderr=True), transient=True) as progress:
        task = progress.add_task("importing", total=total)
        return intake.take_all(desk, messages, settings, on_each=lambda _: progress.advance(task))


def _report(summary, json_: bool) -> None:  # type: ignore[no-untyped-def]
    if json_:
        print_json(summary.as_json())
        return
    for taken in summary.quarantined:
        say(
            f"quarantined #{taken.quarantine_id} {one_line(taken.origin, 60)}: "
            f"{one_line(taken.reason or '', 100)}"
        )
    say(summary.line())


@app.command()
def fetch(
    db: DbOption = None,
    as_: AsOption = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Stay connected and take new mail as it arrives (IMAP IDLE, else a poll every "
            "--interval), reconnecting after outages, until SIGTERM or ctrl+c.",
        ),
    ] = False,
    interval: Annotated[
        float | None,
        typer.Option(
            help="With --watch: seconds between looks when the server has no IDLE, and "
            "between heartbeats, 0.1 to 86400 (default: [imap] interval, else 60).",
            show_default=False,
        ),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Take the unseen mail from the [imap] mailbox in config.toml, and mark it seen."""
    from casedesk.mail.imap import fetch_new
    from casedesk.mail.settings import load_mail_settings

    settings = load_mail_settings()
    if watch:
        _watch(db, as_, None, interval or settings.imap_interval)
        return
    with open_desk(db, as_) as desk:
        summary = fetch_new(desk, settings)
    _report(summary, json_)


def _watch(db: Path | None, as_: str | None, maildir: Path | None, interval: float) -> None:
    """Run one watcher in the foreground: a line per message, outages said once, exit 0."""
    from casedesk.mail import watch
    from casedesk.mail.settings import check_interval, load_mail_settings

    check_interval(interval)
    settings = load_mail_settings()
    if maildir is not None:
        watch.maildir_parts(maildir)  # not a Maildir → one clear line before anything starts

    def each(taken) -> None:  # type: ignore[no-untyped-def]
        case = f" #{taken.case_id}" if taken.case_id is not None else ""
        ack = f" ({taken.acknowledgement})" if taken.acknowledgement else ""
        say(f"{taken.outcome.value}{case}: {one_line(taken.origin, 80)}{ack}")

    with open_desk(db, as_) as desk:
        source = f"maildir:{maildir}" if maildir is not None else _imap_source(settings)
        watcher = watch.Watcher(desk, settings, source, source, interval, report=say, on_each=each)
        say(f"watching {printable(source)} (ctrl+c or SIGTERM to stop)")
        with watch.stop_on_signals(watcher.stop):
            if maildir is not None:
                watch.watch_maildir(watcher, maildir)
            else:
                watch.watch_imap(watcher)
    say("stopped watching")


def _imap_source(settings) -> str:  # type: ignore[no-untyped-def]
    from casedesk.config import ConfigError

    if settings.imap is None:
        raise ConfigError("config.toml has no [imap] table; set host, user, password_command")
    return f"imap://{settings.imap.user}@{settings.imap.host}/{settings.imap_folder}"


quarantine_app = typer.Typer(
    help="Mail that could not be taken in, kept verbatim with the reason.",
    no_args_is_help=True,
)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    all_: Annotated[bool, typer.Option("--all", help="Also those taken in since.")] = False,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Quarantined messages: id, when, size, where from, why."""
    from casedesk.store.mail import MailStore

    with open_desk(db, as_) as desk:
        rows = MailStore(desk.store).quarantined(include_released=all_)
    if json_:
        print_json(
            [
                {
                    "id": r.id,
                    "taken_at": to_local_text(r.taken_at),
                    "released_at": to_local_text(r.released_at) if r.released_at else None,
                    "size": r.size,
                    "origin": r.origin,
                    "reason": r.reason,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        console().print("nothing in quarantine")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "taken", "size", "from", "reason"):
        table.add_column(column, overflow="fold" if column == "reason" else "ellipsis")
    for r in rows:
        table.add_row(
            str(r.id),
            f"{r.taken_at.astimezone():%Y-%m-%d %H:%M}" + (" (taken in)" if r.released_at else ""),
            f"{r.size:,}",
            Text(one_line(r.origin, 50)),
            Text(one_line(r.reason)),
        )
    console().print(table)


@quarantine_app.command("show")
def quarantine_show(
    quarantine_id: Annotated[int, typer.Argument(help="The id from `quarantine list`.")],
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="Write the message's exact bytes to stdout (on a terminal, control characters "
            "are shown escaped: redirect or pipe it for the bytes).",
        ),
    ] = False,
    db: DbOption = None,
    as_: AsOption = None,
) -> None:
    """One quarantined message: why it is there, and its text (or its exact bytes with --raw)."""
    from casedesk.store.mail import MailStore

    with open_desk(db, as_) as desk:
        found = MailStore(desk.store).quarantined_one(quarantine_id)
    if found is None:
        raise InvalidInput(f"no quarantined message #{quarantine_id}")
    row, content = found
    if raw and not sys.stdout.isatty():
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    if raw:  # the bytes could retitle, clear or reprogram the terminal: the source, escaped
        from casedesk.paths import command

        sys.stdout.write(printable(content.decode("utf-8", "backslashreplace")))
        sys.stdout.flush()
        say(
            "casedesk: control characters shown escaped on a terminal; for the exact bytes, "
            f"redirect: {command(f'quarantine show {quarantine_id} --raw')} > message.eml"
        )
        return
    out = console()
    out.print(Text(f"#{row.id} from {printable(row.origin)}, {row.size:,} bytes"))
    out.print(Text(f"reason: {printable(row.reason)}"))
    out.print(Text("—" * 40, style="dim"))
    out.print(Text(printable(content[:20_000].decode("utf-8", "replace"))))
    if len(content) > 20_000:
        out.print(f"… {len(content) - 20_000:,} more bytes (use --raw)", style="dim")


@quarantine_app.command("retry")
def quarantine_retry(
    quarantine_ids: Annotated[
        list[int] | None, typer.Argument(help="Ids to try again (default: all).")
    ] = None,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Try quarantined messages again; those now readable are taken in."""
    from casedesk.mail import intake
    from casedesk.mail.settings import load_mail_settings
    from casedesk.store.mail import MailStore

    settings = load_mail_settings()
    summary = intake.Summary()
    with open_desk(db, as_) as desk:
        ids = quarantine_ids or [r.id for r in MailStore(desk.store).quarantined()]
        for quarantine_id in ids:
            summary.add(intake.retry(desk, quarantine_id, settings))
    _report(summary, json_)


@app.command()
def drafts(
    send: Annotated[
        int | None,
        typer.Option("--send", help="Send this draft now (recorded as told once accepted)."),
    ] = None,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Updates that failed to send, kept so nothing typed is lost; --send ID tries again."""
    from casedesk.store.mail import MailStore

    if send is not None:
        from casedesk.mail.send import send_draft

        with open_desk(db, as_) as desk:
            state = send_draft(desk, send)
        say(f"#{state.id}: draft {send} sent and recorded as told")
        return
    with open_desk(db, as_) as desk:
        rows = MailStore(desk.store).drafts()
    if json_:
        print_json(
            [
                {
                    "id": d.id,
                    "case": d.case_id,
                    "by": d.actor,
                    "at": to_local_text(d.created_at),
                    "text": d.text,
                    "error": d.error,
                }
                for d in rows
            ]
        )
        return
    if not rows:
        console().print("no unsent drafts")
        return
    out = console()
    for d in rows:
        out.print(
            Text(
                f"draft {d.id} for #{d.case_id} by {d.actor} "
                f"{d.created_at.astimezone():%Y-%m-%d %H:%M}: {one_line(d.error or '', 80)}"
            )
        )
        out.print(Text(printable(d.text)))


@app.command()
def attachments(
    case_id: Annotated[int, typer.Argument(help="The case id.", min=1)],
    save: Annotated[
        Path | None,
        typer.Option(
            help="Write every attachment of the case into this folder.", show_default=False
        ),
    ] = None,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """The files customers attached to a case's mail; --save DIR writes them out."""
    from casedesk.store.mail import MailStore

    with open_desk(db, as_) as desk:
        desk.store.case(case_id)  # unknown id → "no case #N"
        mail = MailStore(desk.store)
        rows = mail.attachments(case_id)
        if save is not None:
            from casedesk.mail.attachments import save_new, saving_folder

            saving_folder(save)
            for row in rows:
                target = save_new(save, row.filename, mail.attachment_content(row.id) or b"")
                say(f"saved {printable(str(target))}")
    if json_:
        print_json(
            [
                {"id": r.id, "name": r.filename, "type": r.content_type, "size": r.size,
                 "sha256": r.sha256}
                for r in rows
            ]
        )  # fmt: skip
        return
    if save is None:
        if not rows:
            console().print(f"#{case_id} has no attachments")
        for r in rows:
            console().print(
                Text(f"{r.id:>5}  {r.size:>10,}  {r.content_type:<28} {one_line(r.filename)}")
            )


@app.command()
def digest(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the mails that would go; send nothing.")
    ] = False,
    db: DbOption = None,
    as_: AsOption = None,
    json_: JsonOption = False,
) -> None:
    """Mail each agent in config.toml's [agents] their overdue cases, for cron each morning.

    Unassigned overdue cases go to everyone, or to [mail] triage when it is set. Agents with
    nothing overdue get nothing; agents with no address are named on stderr and skipped.
    """
    from casedesk.mail import digest as digests
    from casedesk.mail.send import deliver
    from casedesk.mail.settings import load_mail_settings

    settings = load_mail_settings()
    addresses, triage = digests.agent_addresses(), digests.triage_address()
    with open_desk(db, as_) as desk:
        now, store_path = desk.now(), desk.store.path
        plan, missing = digests.plan(desk.store, now, addresses, triage)
    for agent in missing:
        say(f"{agent} has overdue cases but no address in [agents] of config.toml: skipped")
    if not dry_run and plan and not settings.can_send:
        raise InvalidInput("config.toml has no [smtp] server or [mail] outbox to send the digest")
    results = []
    for one in plan:
        message = digests.compose(one, now, settings)
        if dry_run and not json_:
            sys.stdout.write(f"To: {message['To']}\nSubject: {message['Subject']}\n\n")
            sys.stdout.write(printable(message.get_content()) + "\n")
        sent_via = None if dry_run else deliver(message, settings, store_path)
        if sent_via is not None and not json_:
            say(f"digest for {one.agent}: {counted(len(one.rows), 'case')}, sent to {one.address}")
        results.append(
            {
                "agent": one.agent,
                "to": one.address,
                "cases": [row.case.id for row in one.rows],
                "sent_via": sent_via,
            }
        )
    if json_:
        print_json({"digests": results, "skipped_without_address": missing})
    elif not plan:
        say("nothing overdue: no digest sent")
