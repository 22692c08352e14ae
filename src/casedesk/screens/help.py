"""`?`: every key the current screen answers to, generated from its bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from casedesk import keys


def bindings_of(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, what they do) for every active binding of `screen`, one line per action."""
    app = screen.app
    seen: dict[str, tuple[list[str], str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system and binding.action != "command_palette":
            continue
        shown = binding.key_display or app.get_key_display(binding)
        entry = seen.setdefault(binding.action, ([], binding.description or binding.action))
        if shown not in entry[0]:
            entry[0].append(shown)
        del key
    return [(" ".join(found), what) for found, what in seen.values()]


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
