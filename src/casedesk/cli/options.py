"""The read verbs' arguments and options, in one table that drives both ways of running them.

`casedesk list/show/search/customer show` run through a small parser of their own
(`cli/fast.py`): loading typer and building its command costs more than the verb's query. The
typer commands for the same verbs are built from this same table (`common.table_command`), so
`--help`, the accepted options and their meaning cannot drift apart; the fast parser hands
`--help` and anything it does not accept outright to typer, whose help and errors are the one
wording. Standard library only: the fast path imports this.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing`'s (nor `dataclasses`): the fast path loads this module
if TYPE_CHECKING:
    from typing import Any


class Param:
    """One argument or option of a verb, as typer declares it and the fast parser reads it."""

    __slots__ = (
        "argument",
        "default",
        "flags",
        "help",
        "minimum",
        "multiple",
        "name",
        "show_default",
        "type",
    )

    def __init__(
        self,
        name: str,  # the Python parameter name
        help: str,
        type: str = "str",  # str, int, path, bool, or status (a Status value)
        flags: tuple[str, ...] = (),  # the option's names; () for a positional argument
        default: Any = None,
        minimum: int | None = None,
        multiple: bool = False,  # repeatable; collects a list (None when not given); for a
        # positional argument: every word left, joined by spaces
        show_default: bool = True,
        argument: bool = False,  # a positional argument (always required)
    ) -> None:
        self.name = name
        self.help = help
        self.type = type
        self.flags = flags
        self.default = default
        self.minimum = minimum
        self.multiple = multiple
        self.show_default = show_default
        self.argument = argument

    @property
    def is_option(self) -> bool:
        return not self.argument

    @property
    def names(self) -> tuple[str, ...]:
        """The option's names; a bool without explicit names is `--x/--no-x`, as typer makes it."""
        if self.flags:
            return self.flags
        dashed = "--" + self.name.rstrip("_").replace("_", "-")
        return (dashed, "--no-" + dashed[2:]) if self.type == "bool" else (dashed,)


class Verb:
    __slots__ = ("help", "params", "path", "run")

    def __init__(
        self,
        path: tuple[str, ...],  # ("list",) or ("customer", "show")
        help: str,  # the docstring typer shows
        params: tuple[Param, ...],
        run: str,  # the function in `cli/reads.py` that does the work, called with the params
    ) -> None:
        self.path = path
        self.help = help
        self.params = params
        self.run = run


# A string, not a path: a Path would fold postgresql://host/db into postgresql:/host/db.
DB = Param(
    "db",
    "Store file or postgresql:// URL (default: $CASEDESK_DB, else the data dir).",
    flags=("--db",),
    show_default=False,
)
AS = Param(
    "as_",
    "Act as this agent (default: $CASEDESK_AGENT, else your login).",
    flags=("--as",),
    show_default=False,
)
JSON = Param("json_", "Print JSON for scripts.", type="bool", flags=("--json",), default=False)
COMMON = (DB, AS, JSON)

LIST = Verb(
    ("list",),
    "Cases in queue order: most overdue first, then by due time.",
    (
        Param(
            "status",
            "Only these statuses (repeatable). Default: all but closed (closed ones "
            "still show while a check-in is due).",
            type="status",
            multiple=True,
        ),
        Param("owner", "Only this agent's cases."),
        Param("unassigned", "Only cases nobody owns.", type="bool", default=False),
        Param("overdue", "Only cases overdue for an update.", type="bool", default=False),
        Param(
            "problem",
            "Only cases linked to this problem (P4).",
            flags=("--problem",),
            show_default=False,
        ),
        Param("limit", "At most this many (0: all).", type="int", default=100, minimum=0),
        *COMMON,
    ),
    "list_cases",
)
SHOW = Verb(
    ("show",),
    "A case: owner, status, what the customer last heard, what is due, its whole timeline.",
    (
        Param("case_id", "The case id (as shown by `list`).", type="int", minimum=1, argument=True),
        Param("full", "Unfold quoted earlier mail in the timeline.", type="bool", default=False),
        *COMMON,
    ),
    "show_case",
)
SEARCH = Verb(
    ("search",),
    "Find cases by title, customer, and every message and note on them.",
    (
        Param(
            "query",
            'Words to find (SQLite FTS5 syntax: "a phrase", prefix*, OR, NOT; no column '
            "filters; at most 32 words and 8 prefixes). Only the first 64 KiB characters of "
            "each message are searched.",
            argument=True,
            multiple=True,
        ),
        Param("limit", "At most this many cases.", type="int", default=50, minimum=1),
        *COMMON,
    ),
    "search_cases",
)
CUSTOMER_SHOW = Verb(
    ("customer", "show"),
    "A customer's contact details, notes, and every case they have had with its last heard.",
    (Param("key", "The customer's email address or id.", argument=True), *COMMON),
    "show_customer",
)

VERBS = {verb.path: verb for verb in (LIST, SHOW, SEARCH, CUSTOMER_SHOW)}


class NotForUs(Exception):
    """The fast parser does not take these arguments as they are: typer should (its help, its
    error message)."""


def parse(verb: Verb, args: list[str]) -> dict[str, Any]:
    """The verb's keyword arguments from `args` (after the verb's words), as typer would pass
    them; NotForUs for --help, anything unknown, malformed or out of range."""
    options = {name: param for param in verb.params if param.is_option for name in param.names}
    positional = [param for param in verb.params if not param.is_option]
    values: dict[str, Any] = {
        p.name: (None if p.multiple else p.default) for p in verb.params if p.is_option
    }
    given: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg.startswith("-"):
            name, equals, value = arg.partition("=")
            param = options.get(name)
            if param is None:
                raise NotForUs(arg)  # --help, --, a negative number, an unknown option
            if param.type == "bool":
                if equals:
                    raise NotForUs(arg)
                values[param.name] = not name.startswith("--no-") or name in param.flags
                continue
            if not equals:
                value = next(rest, None)  # type: ignore[assignment]
                if value is None:
                    raise NotForUs(arg)
            converted = _convert(param, value)
            if param.multiple:
                values[param.name] = [*(values[param.name] or []), converted]
            else:
                values[param.name] = converted
        else:
            given.append(arg)
    if positional and positional[-1].multiple and len(given) > len(positional):
        given[len(positional) - 1 :] = [" ".join(given[len(positional) - 1 :])]
    if len(given) != len(positional):
        raise NotForUs("arguments")
    for param, value in zip(positional, given, strict=True):
        values[param.name] = _convert(param, value)
    return values


def _convert(param: Param, value: str) -> Any:
    if value == "" or (value.startswith("-") and param.type != "str"):
        raise NotForUs(value)
    if param.type == "int":
        if not value.isdigit():
            raise NotForUs(value)
        number = int(value)
        if param.minimum is not None and number < param.minimum:
            raise NotForUs(value)
        return number
    if param.type == "path":
        from pathlib import Path

        return Path(value)
    if param.type == "status":
        from casedesk.core.kinds import Status

        if value not in {s.value for s in Status}:
            raise NotForUs(value)
        return Status(value)
    return value
