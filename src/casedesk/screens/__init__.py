"""The console's screens. Each has its stylesheet beside it (queue.py / queue.tcss...).

The app loads every stylesheet once at start (`STYLESHEETS`): a screen that brought its own
CSS_PATH would make Textual re-parse and re-apply the whole stylesheet the first time it opens,
which cost ~0.3 s when opening a case.
"""

from pathlib import Path

_HERE = Path(__file__).parent
STYLESHEETS = [
    _HERE / f"{name}.tcss" for name in ("queue", "case", "compose", "catchup", "dialogs", "help")
]
