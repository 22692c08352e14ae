"""Command palette providers: every casedesk action, and jumping to a case by id or text."""

from __future__ import annotations

import asyncio
import re
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from casedesk.core.errors import CasedeskError
from casedesk.core.safetext import one_line
from casedesk.keys import CASE_ACTION_TITLES
from casedesk.store.views import View

if TYPE_CHECKING:
    from casedesk.app import CasedeskApp

_CASE_ID = re.compile(r"^#?\s*(\d+)$")


class ActionCommands(Provider):
    """The case actions (on the open case or the selected row), views, new case, help."""

    def _commands(self) -> list[tuple[str, str, object]]:
        from casedesk.screens.actions import CaseActions
        from casedesk.screens.queue import QueueScreen

        screen = self.screen
        found: list[tuple[str, str, object]] = []
        if isinstance(screen, CaseActions):
            row = screen.target()
            if row is not None:
                for action, title in CASE_ACTION_TITLES.items():
                    found.append(
                        (f"#{row.case.id}: {title}", title, partial(screen.run_action, action))
                    )
        if isinstance(screen, QueueScreen):
            for view in View:
                found.append(
                    (
                        f"View: {view.value}",
                        "show only these cases in the queue",
                        partial(screen.run_action, f"view('{view.value}')"),
                    )
                )
            catch_up = partial(screen.run_action, "catch_up")
            found.append(
                (
                    "Catch-up round",
                    "tell every overdue customer of this view, one drafted update after another",
                    catch_up,
                )
            )
            stats = partial(screen.run_action, "stats")
            found.append(("Stats", "charts: overdue over time, first response, load", stats))
        app = self.app
        found.append(
            ("New case", "open a case for a customer", partial(app.run_action, "new_case"))
        )
        found.append(("Help: keys", "every key of this screen", partial(app.run_action, "help")))
        return found

    async def discover(self) -> Hits:
        for text, help_text, command in self._commands():
            yield DiscoveryHit(text, command, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, command in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)  # type: ignore[arg-type]


class CaseJumpCommands(Provider):
    """`123` or `#123` opens that case; words search titles, customers and messages."""

    async def search(self, query: str) -> Hits:
        app: CasedeskApp = self.app  # type: ignore[assignment]
        query = query.strip()
        if not query:
            return
        match = _CASE_ID.match(query)
        if match:
            case_id = int(match.group(1))
            try:
                row = await asyncio.to_thread(app.read, lambda s: s.case_row(case_id))
            except CasedeskError:
                return
            who = one_line(row.customer.name, 24)
            text = f"Open #{case_id}: {one_line(row.case.title, 50)} ({who})"
            yield Hit(1.0, Text(text), partial(app.open_case, case_id), text=text)
            return
        if len(query) < 3:
            return
        words = " ".join(f'"{w}"*' for w in re.findall(r"\w+", query))
        if not words:
            return
        try:
            hits = await asyncio.to_thread(app.search, words, 8)
        except CasedeskError:
            return
        if hits is None:
            return
        for rank, (case_id, snippet) in enumerate(hits):
            text = f"Open #{case_id}: {one_line(snippet, 70)}"
            yield Hit(0.9 - rank * 0.05, Text(text), partial(app.open_case, case_id), text=text)
