"""`?`: every key the current screen answers to, generated from its bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from casedesk import keys

# Scrolling sideways and focus-cycling come with Textual's widgets; they are noise in the help.
_NOISE = ("scroll_left", "scroll_right", "page_left", "page_right", "focus_next", "focus_previous")


def bindings_of(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, what they do) for every active binding of `screen`, one line per action.

    The screen's own actions come first, then the app's, then the focused widget's moves.
    """
    app = screen.app
    seen: dict[tuple[int, str], tuple[list[str], str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.action in _NOISE or (binding.system and binding.action != "command_palette"):
            continue
        rank = 0 if active.node is screen else 1 if active.node is app else 2
        shown = binding.key_display or app.get_key_display(binding)
        entry = seen.setdefault((rank, binding.action), ([], binding.description or binding.action))
        if shown not in entry[0]:
            entry[0].append(shown)
    return [(" ".join(found), what) for _, (found, what) in sorted(seen.items(), key=_rank)]


def _rank(item: tuple[tuple[int, str], object]) -> int:
    return item[0][0]


class HelpScreen(ModalScreen[None]):
    BINDINGS = keys.HELP

    def __init__(self, title: str, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for shown, what in self.bindings:
            table.add_row(Text(shown), Text(what))
        with VerticalScroll(id="help"):
            yield Static(Text(f"Keys on the {self.title_text}", style="bold"))
            yield Static(table)
            yield Static(Text("ctrl+p opens the command palette · esc closes this", style="dim"))
