"""Cases merged into another: one conversation, one case, with an append-only log.

The merged case keeps its events (and ends with "merged into #N"); the case it joined records
"merged from #M" and shows the merged case's events in its timeline.
"""

from __future__ import annotations

from collections.abc import Callable

from casedesk.core.model import Event, EventKind


def merged_from(events: list[Event]) -> list[int]:
    """The cases merged into the case of `events`, in the order they joined it."""
    return [int(e.data["from"]) for e in events if e.kind is EventKind.MERGED_FROM]


def timeline(events: list[Event], events_of: Callable[[int], list[Event]]) -> list[Event]:
    """A case's events and those of every case merged into it (and into those), in time order;
    a merged case's own "merged into" line is left out, as the joined case says "merged from"."""
    merged = merged_from(events)
    if not merged:
        return events
    shown = list(events)
    while merged:
        other = events_of(merged.pop(0))
        merged += merged_from(other)
        shown += [e for e in other if e.kind is not EventKind.MERGED_INTO]
    return sorted(shown, key=lambda e: (e.at, e.id or 0))
