"""The console's screens. Each has its stylesheet beside it (queue.py / queue.tcss...).

The app reads the queue's stylesheet at start and the others once the queue's first rows are
painted, before any other screen opens (`CasedeskApp.push_screen`): a screen that brought its
own CSS_PATH would make Textual re-parse and re-apply the whole stylesheet the first time it
opens, which cost ~0.3 s when opening a case. No rule in the later ones matches a widget of the
queue (a test checks), so adding them restyles nothing on screen.
"""

from pathlib import Path

_HERE = Path(__file__).parent
FIRST_STYLESHEETS = [_HERE / "queue.tcss"]
LATER_STYLESHEETS = [
    _HERE / f"{name}.tcss" for name in ("case", "compose", "catchup", "dialogs", "help")
]
