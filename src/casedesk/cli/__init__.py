"""casedesk's command line. Each module registers its verbs on `app`."""

from __future__ import annotations

import sys

from casedesk.cli import (  # noqa: F401  (registers the verbs)
    admin,
    cases,
    mail,
    report,
    stores,
    work,
)
from casedesk.cli.app import app
from casedesk.errors import CasedeskError
from casedesk.safetext import printable


def run(args: list[str]) -> None:
    """Run the CLI; a user's mistake is one line on stderr and exit 1, never a traceback."""
    try:
        app(args=args, prog_name="casedesk")
    except CasedeskError as exc:
        sys.stderr.write(f"casedesk: {printable(str(exc))}\n")
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
