"""Drafted customer updates for the compose screen, from casedesk's shared templates.

`casedesk.desk.templates` owns the wording (and the user's own templates file); this module only
picks the starting draft and renders another template when the agent cycles with ctrl+t.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from casedesk.core.model import TELL_CHANNELS, CaseState, Channel
from casedesk.desk import templates

if TYPE_CHECKING:
    from casedesk.desk.desk import Desk

KINDS = templates.STANDARD


def starting_draft(desk: Desk, case_id: int, kind: str | None = None) -> tuple[str, str]:
    """(template name, text): a pending sub-task draft, else the template that fits the case.

    `kind` asks for a named template instead (e.g. "resolved" right after resolving).
    """
    if kind is not None:
        return kind, render(desk, case_id, kind)
    draft = desk.draft_update(case_id)
    return draft.template, draft.text


def render(desk: Desk, case_id: int, kind: str) -> str:
    """The named template filled in for this case now."""
    return desk.render_template(case_id, kind)


def next_kind(kind: str) -> str:
    order = list(KINDS)
    return order[(order.index(kind) + 1) % len(order)] if kind in order else order[0]


def tell_channel(case: CaseState) -> Channel:
    """The channel to tell by: the one we last used, else the one they came in by (or email)."""
    preferred = case.told_channel or case.channel
    return preferred if preferred in TELL_CHANNELS else Channel.EMAIL
