"""casedesk's command line. Each module registers its verbs on `app`.

Running one verb imports and builds only the module that defines it: importing every verb module
and letting typer build all ~35 commands cost ~0.2 s of each run. `full_app()` has them all,
for `casedesk --help`, usage errors and the generated reference.

Importing this package loads no typer: the read verbs' fast path (`cli/fast.py`) lives in it.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not `typing`'s: the read verbs' fast path loads this package
if TYPE_CHECKING:
    import typer

MODULES = ("cases", "stores", "work", "mail", "report", "admin")  # --help order

# The module that registers each top-level verb (a test checks this against the full app).
VERB_MODULES = {
    **dict.fromkeys(["init", "check", "export", "restore"], "admin"),
    **dict.fromkeys(
        [
            "new",
            "list",
            "show",
            "note",
            "heard",
            "tell",
            "assign",
            "status",
            "resolve",
            "close",
            "reopen",
            "snooze",
        ],
        "cases",
    ),
    **dict.fromkeys(["import", "fetch", "drafts", "attachments", "quarantine", "digest"], "mail"),
    "report": "report",
    **dict.fromkeys(["nag", "search", "demo", "backup", "customer"], "stores"),
    **dict.fromkeys(
        ["link", "unlink", "merge", "subtask", "draft", "problem", "template", "checkin"],
        "work",
    ),
}


def full_app() -> typer.Typer:
    """The application with every verb registered."""
    from casedesk.cli.app import app

    for module in MODULES:
        importlib.import_module(f"casedesk.cli.{module}")

    def order(callback: object) -> int:
        # --help lists verbs in registration order, which now depends on what was imported
        # first: keep it by module, then as each module declares them.
        return MODULES.index(str(getattr(callback, "__module__", "")).rsplit(".", 1)[-1])

    app.registered_commands.sort(key=lambda c: order(c.callback))
    app.registered_groups.sort(
        key=lambda g: order(g.typer_instance.registered_commands[0].callback)
    )
    return app


def _app_for(args: list[str]) -> typer.Typer:
    """Just the verb being run (with the root options), or the full app when in doubt."""
    import typer

    from casedesk.cli.app import SETTINGS, app

    verb = args[0] if args and not args[0].startswith("-") else None
    module = VERB_MODULES.get(verb or "")
    if module is None:
        return full_app()
    importlib.import_module(f"casedesk.cli.{module}")
    one = typer.Typer(**SETTINGS)
    one.registered_commands = [c for c in app.registered_commands if _name(c) == verb]
    one.registered_groups = [g for g in app.registered_groups if g.name == verb]
    if not one.registered_commands and not one.registered_groups:
        return full_app()

    @one.callback()
    def _root() -> None:
        """A group, so that `casedesk VERB` parses as it does in the full app."""

    return one


def _name(command: typer.models.CommandInfo) -> str:
    from typer.main import get_command_name

    return command.name or get_command_name(command.callback.__name__)  # type: ignore[union-attr]


def run(args: list[str]) -> None:
    """Run the CLI (a user's mistake becomes one line in the entry point, `casedesk.entry`)."""
    _app_for(args)(args=args, prog_name="casedesk")
