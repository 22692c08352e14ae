"""The read verbs without typer: `casedesk list|show|search|customer show ...`.

Parsed with the options table (`cli/options.py`) and run by the same functions as the typer
commands (`cli/reads.py`). Loading typer and building a command cost more than these verbs'
queries; on a plain SQLite store nothing of typer or rich is imported at all (`cli/json_reads.py`,
`cli/human_reads.py`). `--help` and any arguments
the table's parser does not take as they are go to typer, whose help and errors are the only
ones, so the two ways cannot disagree.
"""

from __future__ import annotations

from casedesk.cli.options import VERBS, NotForUs, parse


def main(args: list[str]) -> bool:
    """Run a read verb; False, having done nothing, when typer should handle `args`."""
    verb = VERBS.get(tuple(args[:1])) or VERBS.get(tuple(args[:2]))
    if verb is None:
        return False
    try:
        values = parse(verb, args[len(verb.path) :])
    except NotForUs:
        return False
    if values.get("json_"):
        from casedesk.cli.json_reads import run
    else:
        from casedesk.cli.human_reads import run
    if run(verb.run, values):
        return True
    from casedesk.cli import reads

    getattr(reads, verb.run)(**values)  # a user's mistake: one line, by the entry point
    return True
