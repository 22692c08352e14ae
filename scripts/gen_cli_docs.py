"""Write docs/cli.md from the commands' own --help, so the reference cannot drift.

python scripts/gen_cli_docs.py          # rewrite docs/cli.md
python scripts/gen_cli_docs.py --check  # exit 1 if docs/cli.md is out of date
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stderr, redirect_stdout, suppress
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
HEADER = """# casedesk command reference

Generated from each command's `--help` by `scripts/gen_cli_docs.py`; a test fails when this file
and the commands disagree, so edit the help texts, then run the script.

Every command takes `--db PATH` (else `$CASEDESK_DB`, else the data dir) and `--as NAME` (else
`$CASEDESK_AGENT`, else your login). Exit codes: 0 success, 1 refused action or unknown id or a
store problem (one line on stderr), 2 usage error.
"""


def _help(args: list[str]) -> str:
    from casedesk.entry import main

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()), suppress(SystemExit):
        main([*args, "--help"])
    return out.getvalue().rstrip()


def _commands() -> list[list[str]]:
    import typer.main

    from casedesk.cli import full_app

    app = full_app()
    found: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if getattr(sub, "hidden", False):
                continue
            if getattr(sub, "commands", None):
                walk(sub, [*prefix, name])
            else:
                found.append([*prefix, name])

    walk(typer.main.get_command(app), [])
    return found


def render() -> str:
    os.environ["COLUMNS"] = "100"
    os.environ.setdefault("CASEDESK_AGENT", "agent")
    parts = [HEADER, "## casedesk\n", f"```text\n{_help([])}\n```\n"]
    for command in _commands():
        name = " ".join(command)
        parts.append(f"## casedesk {name}\n")
        parts.append(f"```text\n{_help(command)}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run python scripts/gen_cli_docs.py", file=sys.stderr)
            raise SystemExit(1)
    else:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}")
