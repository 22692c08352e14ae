"""Every key the console answers to, in one place.

Screens take their BINDINGS from here, so the footer, the `?` help and the command palette are all
generated from the same list and a key is changed once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.binding import Binding, BindingType

# Acting on a case: the same keys on the case screen and on the queue's selected row.
CASE_ACTIONS: list[BindingType] = [
    Binding("t", "tell", "Tell"),
    Binding("n", "note", "Note"),
    Binding("h", "heard", "Heard"),
    Binding("a", "assign", "Assign"),
    Binding("s", "status", "Status"),
    Binding("r", "resolve", "Resolve"),
    Binding("c", "close_case", "Close"),
    Binding("z", "snooze", "Snooze"),
    Binding("o", "reopen", "Reopen", show=False),
    Binding("C", "close_override", "Close without telling", show=False, key_display="C"),
    Binding("u", "customer", "Customer", show=False),
    Binding("l", "link", "Link to a problem", show=False),
    Binding("p", "problem", "Its problem", show=False),
]

# (action, what it does) for the command palette, in the order of CASE_ACTIONS.
CASE_ACTION_TITLES: dict[str, str] = {
    "tell": "Tell the customer (compose an update)",
    "note": "Add an internal note",
    "heard": "Log what the customer said (call, chat…)",
    "assign": "Assign the case",
    "status": "Set the status",
    "resolve": "Resolve the case",
    "close_case": "Close the case",
    "snooze": "Snooze the nag",
    "reopen": "Reopen the case",
    "close_override": "Close without telling the customer (recorded reason)",
    "customer": "Show the customer and all their cases",
    "link": "Link the case to a problem (one more report of it)",
    "problem": "Open the problem the case is linked to",
}

APP: list[BindingType] = [
    Binding("q", "quit", "Quit"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("N", "new_case", "New case", key_display="N"),
]

QUEUE: list[BindingType] = [
    *CASE_ACTIONS,
    Binding("T", "catch_up", "Catch up", key_display="T"),
    Binding("slash", "search", "Search", key_display="/"),
    Binding("v", "next_view", "View"),
    Binding("S", "next_sort", "Sort", key_display="S"),
    Binding("0", "view('mine+unassigned')", "Mine and unassigned", show=False),
    Binding("1", "view('mine')", "Mine", show=False),
    Binding("2", "view('all')", "All", show=False),
    Binding("3", "view('unassigned')", "Unassigned", show=False),
    Binding("4", "view('overdue')", "Overdue", show=False),
    Binding("5", "view('waiting')", "Waiting", show=False),
    Binding("6", "view('resolved-not-told')", "Resolved, not told", show=False),
    Binding("7", "view('closed')", "Closed", show=False),
    Binding("escape", "clear_search", "Clear search", show=False),
    Binding("i", "stats", "Stats", show=False),
]

# Moving through a list, the same in the queue and in a case's timeline.
_MOVE: list[BindingType] = [
    Binding("up,k", "cursor_up", "Up", show=False),
    Binding("down,j", "cursor_down", "Down", show=False),
    Binding("home,g", "first", "First", show=False),
    Binding("end,G", "last", "Last", show=False),
    Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
    Binding("pagedown,ctrl+f,space", "page_down", "Page down", show=False),
]

CASE_LIST: list[BindingType] = [Binding("enter", "open", "Open"), *_MOVE]

TIMELINE: list[BindingType] = [*_MOVE, Binding("enter,x", "toggle", "Fold/unfold", show=False)]

CASE: list[BindingType] = [
    *CASE_ACTIONS,
    Binding("escape", "back", "Back"),
    Binding("x", "toggle_fold", "Fold/unfold", show=False),
    Binding("e", "expand_all", "Unfold all", show=False),
    Binding("plus", "add_subtask", "Add a sub-task", key_display="+", show=False),
    Binding("minus", "finish_subtask", "Sub-task done", key_display="-", show=False),
    Binding("d", "save_attachment", "Save an attachment", show=False),
]

COMPOSE: list[BindingType] = [
    Binding("ctrl+s", "send", "Send / record", priority=True),
    Binding("escape", "cancel", "Cancel"),
    Binding("ctrl+t", "next_template", "Template"),
]

# The catch-up round: one overdue case after another. The draft is not focused at first, so
# single letters act on the case; `e` edits the draft and `esc` leaves the editor again.
ROUND: list[BindingType] = [
    Binding("ctrl+s", "send", "Send / record, next", priority=True),
    Binding("ctrl+n", "skip", "Skip", priority=True),
    Binding("z", "snooze", "Snooze, next"),
    Binding("a", "take", "Take it"),
    Binding("e", "edit", "Edit draft"),
    Binding("p", "promise", "Promise by", show=False),
    Binding("c", "next_channel", "Channel", show=False),
    Binding("ctrl+t", "next_template", "Template", show=False),
    Binding("escape", "end", "End round"),
]

FORM: list[BindingType] = [
    Binding("ctrl+s", "submit", "Save", priority=True),
    Binding("escape", "cancel", "Cancel"),
]

CONFIRM: list[BindingType] = [
    Binding("y", "answer(True)", "Yes"),
    Binding("n,escape", "answer(False)", "No"),
]

PICKER: list[BindingType] = [
    Binding("escape", "cancel", "Cancel"),
]

HELP: list[BindingType] = [
    Binding("escape,q,question_mark", "dismiss", "Close"),
]


def after_typed_keys(screen: Any, action: Callable[[], None]) -> None:
    """Run `action` (a priority binding's: ctrl+s) once the focused widget has taken every key
    typed before it.

    The app runs a priority binding the moment it reads the key, but the keys read just before
    it were only passed on to the focused widget's own queue: read now, the text would lack the
    end of what a fast typist (or a paste) put in ("Cleaned the scanner g"). A callback queued
    behind those keys runs after them."""
    focused = screen.app.focused
    if focused is None:
        action()
    else:
        focused.call_later(action)
