"""What every CLI verb shares: the --db/--as/--json options, opening the desk, output, and the
typer commands built from the options table."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from casedesk.cli import reads
from casedesk.cli.options import AS, DB, JSON, Param, Verb
from casedesk.cli.output import console, open_desk, print_json, say

__all__ = ["console", "open_desk", "print_json", "say"]


def annotated(param: Param) -> Any:
    """The typer annotation of a parameter of the options table (`cli/options.py`)."""
    from casedesk.core.model import Status

    kind: Any = {"str": str, "int": int, "path": Path, "bool": bool, "status": Status}[param.type]
    if param.multiple:
        kind = list[kind]  # type: ignore[valid-type]
    if param.default is None and param.type != "bool":
        kind = kind | None
    extra: dict[str, Any] = {"help": param.help}
    if param.minimum is not None:
        extra["min"] = param.minimum
    if not param.show_default:
        extra["show_default"] = False
    if param.argument:
        return Annotated[kind, typer.Argument(**extra)]
    return Annotated[kind, typer.Option(*param.flags, **extra)]


def table_command(group: typer.Typer, verb: Verb, module: str) -> None:
    """Register a verb of the options table on `group`: typer reads the signature built here,
    and the work is the same function the fast path calls."""

    words = [p.name for p in verb.params if p.argument and p.multiple]

    def command(**values: Any) -> None:
        for name in words:  # `search battery charger light` is one query
            values[name] = " ".join(values[name])
        getattr(reads, verb.run)(**values)

    parameters = [
        inspect.Parameter(
            p.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if p.argument else p.default,
            annotation=annotated(p),
        )
        for p in verb.params
    ]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__doc__ = verb.help
    command.__name__ = verb.run
    command.__module__ = module  # where `casedesk --help` lists it
    group.command(verb.path[-1])(command)


DbOption = annotated(DB)
AsOption = annotated(AS)
JsonOption = annotated(JSON)
CaseId = Annotated[int, typer.Argument(help="The case id (as shown by `list`).", min=1)]
