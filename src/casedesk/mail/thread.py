"""Which case a mail belongs to. Pure functions: the caller looks things up, these decide."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

DEFAULT_TAG_PREFIX = "#"

# Reply and forward prefixes in the languages mail clients commonly write them in.
_REPLY_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|rif|r|i|tr|enc|res|odp|pd|ynt)\s*(\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)


class Via(StrEnum):
    REFERENCE = "reference"  # In-Reply-To/References named a message we know
    REPLIED = "replied"  # a stored reply names this message: its parent came after it
    TAG = "tag"  # the subject carried [#123]
    NEW = "new"  # nothing matched: a new case


@dataclass(frozen=True, slots=True)
class Thread:
    case_id: int | None  # None: open a new case
    via: Via
    matched: str | None = None  # the Message-ID or tag that decided it
    merge: tuple[int, ...] = ()  # other cases holding the same conversation: join them


@lru_cache(maxsize=16)
def _tag_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(r"\[\s*" + re.escape(prefix) + r"\s*(\d{1,12})\s*\]", re.IGNORECASE)


def subject_tag(subject: str, prefix: str = DEFAULT_TAG_PREFIX) -> int | None:
    """The case number in a `[#123]` tag (the last one, as replies add to the end), or None."""
    found = _tag_pattern(prefix).findall(subject)
    return int(found[-1]) if found else None


def format_tag(case_id: int, prefix: str = DEFAULT_TAG_PREFIX) -> str:
    return f"[{prefix}{case_id}]"


def clean_title(subject: str, prefix: str = DEFAULT_TAG_PREFIX) -> str:
    """A case title from a subject: without Re:/Fwd: prefixes and our own tag."""
    title = _tag_pattern(prefix).sub("", subject)
    title = _REPLY_PREFIX.sub("", title)
    title = " ".join(title.split())
    return title or "(no subject)"


def choose_thread(
    thread_ids: Sequence[str],
    known: Mapping[str, int],
    tag: int | None,
    existing_cases: Collection[int],
    replied: Collection[int] = (),
) -> Thread:
    """References (both ways) first, then the subject tag, else a new case.

    `known` maps the Message-IDs casedesk has (received or sent) to their cases; `replied` are
    the cases of stored mail that names this message (replies that came first). A message
    linking several cases is one conversation: the oldest case takes it and the others are
    merged into it, whatever order the mail arrived in. A tag joins only a case that exists
    (a stranger's `[#999]` must not land on nothing).
    """
    cases = [known[m] for m in thread_ids if m in known]
    matched = next((m for m in thread_ids if m in known), None)
    linked = sorted({*cases, *replied})
    if linked:
        keep = linked[0]
        via = Via.REFERENCE if matched is not None else Via.REPLIED
        return Thread(keep, via, matched, tuple(c for c in linked if c != keep))
    if tag is not None and tag in existing_cases:
        return Thread(tag, Via.TAG, f"#{tag}")
    return Thread(None, Via.NEW)
