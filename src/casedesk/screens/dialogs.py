"""Small modal dialogs the actions share: confirm, pick one, fill in a short form.

A form runs its `submit` callback itself and stays open when the domain refuses, so what the
agent typed is never lost to an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from casedesk import keys
from casedesk.core.errors import CasedeskError


class ConfirmDialog(ModalScreen[bool]):
    """Yes or no, for what cannot be undone. `y` confirms; `n` or escape refuses."""

    BINDINGS = keys.CONFIRM

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question, style="bold"), classes="dialog-title")
            if self.detail:
                yield Static(Text(self.detail))
            yield Static(Text("y  yes      n / esc  no", style="dim"), classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class PickerDialog(ModalScreen[Any]):
    """Pick one of a few choices with arrows/j/k and enter, or its number key."""

    BINDINGS = keys.PICKER
    AUTO_FOCUS = "#choices"

    def __init__(self, title: str, choices: Sequence[tuple[Any, str]], current: Any = None):
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            options = []
            for index, (value, label) in enumerate(self.choices, 1):
                mark = " (now)" if value == self.current else ""
                prefix = f"{index}  " if index < 10 else "   "
                options.append(Option(Text(f"{prefix}{label}{mark}"), id=f"choice-{index - 1}"))
            yield OptionList(*options, id="choices")
            yield Static(Text("enter  choose      esc  cancel", style="dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        for index, (value, _) in enumerate(self.choices):
            if value == self.current:
                choices.highlighted = index
                break

    def on_key(self, event: Any) -> None:
        if event.character and event.character.isdigit() and event.character != "0":
            index = int(event.character) - 1
            if index < len(self.choices):
                event.stop()
                self.dismiss(self.choices[index][0])
        elif event.key in ("j", "k"):
            event.stop()
            choices = self.query_one(OptionList)
            (choices.action_cursor_down if event.key == "j" else choices.action_cursor_up)()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass
class Field:
    """One input of a form: a line, a multi-line text, or a choice."""

    name: str
    label: str
    kind: Literal["line", "text", "choice"] = "line"
    value: str = ""
    placeholder: str = ""
    choices: Sequence[tuple[str, str]] = field(default_factory=list)


class FormDialog(ModalScreen[Any]):
    """A few fields; ctrl+s submits (enter does too, from a one-line field), escape cancels."""

    BINDINGS = keys.FORM
    AUTO_FOCUS = "Input, TextArea, Select"

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        submit: Callable[[dict[str, str]], Any],
        note: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.submit = submit
        self.note = note
        self._submitting = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            if self.note:
                yield Static(Text(self.note, style="dim"))
            for spec in self.fields:
                yield Label(spec.label)
                if spec.kind == "text":
                    area = TextArea(spec.value, id=f"field-{spec.name}", soft_wrap=True)
                    area.show_line_numbers = False
                    yield area
                elif spec.kind == "choice":
                    yield Select(
                        [(Text(label), value) for value, label in spec.choices],
                        value=spec.value or spec.choices[0][0],
                        allow_blank=False,
                        id=f"field-{spec.name}",
                    )
                else:
                    yield Input(spec.value, placeholder=spec.placeholder, id=f"field-{spec.name}")
            yield Static(Text("ctrl+s  save      esc  cancel", style="dim"), classes="dialog-hint")

    def values(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for spec in self.fields:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, TextArea):
                found[spec.name] = widget.text
            elif isinstance(widget, Select):
                found[spec.name] = str(widget.value)
            elif isinstance(widget, Input):
                found[spec.name] = widget.value
        return found

    def action_submit(self) -> None:
        if not self._submitting:  # a second ctrl+s before the first was read: one is enough
            self._submitting = True
            keys.after_typed_keys(self, self._submit)

    def _submit(self) -> None:
        self._submitting = False
        try:
            result = self.submit(self.values())
        except CasedeskError as exc:
            self.app.bell()
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.dismiss(result)

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = [w for w in self.query("Input, TextArea, Select") if w.can_focus]
        if inputs and event.input is inputs[-1]:
            self.action_submit()
        else:
            self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)
