"""Problems: one fault reported by many customers. Pure helpers; the actions are on `Desk`
(which imports this module, never the other way round)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

from casedesk.core.errors import InvalidInput
from casedesk.paths import command

if TYPE_CHECKING:
    from casedesk.store.problems import Problem, SimilarCase

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8  # the words of a report that best say what it is about (title first)
# Words that say nothing about the fault; matching on them would make every case "similar".
STOPWORDS = frozenset(
    """
    about after again all also and any are back been before but can cannot cant could did
    didnt does doesnt dont for from get gets getting got had has have having hello help her
    here him his how its just like make may more most much need needs not now off once only
    our out over please really same see she should since some still than thank thanks that the
    their them then there these they this those today too very was way wed well were what when
    where which while who why will with wont work working would yes yesterday you your
    won isn aren wasn weren couldn didn doesn don hasn haven shouldn wouldn
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def parse_problem_id(text: str | int) -> int:
    """'4', 'P4' or 'p4' → 4."""
    raw = str(text).strip().lstrip("Pp#")
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput(f"{text!r} is not a problem id (e.g. P4 or 4)")
    return int(raw)


def problem_label(problem_id: int) -> str:
    return f"P{problem_id}"


_SUFFIXES = ("ings", "ing", "ers", "er", "ed", "es", "s")


def _rough_stem(word: str) -> str:
    """Enough stemming to see that 'charge', 'charger' and 'charging' are one term (the index
    stems properly with Porter; two of them would count as the two shared words)."""
    word = word.rstrip("e")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)].rstrip("e")
    return word


def key_terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """The distinctive words of a report, in order of appearance, one per stem."""
    terms: list[str] = []
    stems: set[str] = set()
    for word in _WORD.findall(text.lower()):
        if len(word) < 3 or word.isdigit() or word in STOPWORDS:
            continue
        stem = _rough_stem(word)
        if stem in stems:
            continue
        stems.add(stem)
        terms.append(word)
        if len(terms) == limit:
            break
    return terms


def similarity_query(text: str) -> str | None:
    """An FTS5 query matching text that shares at least two key terms with `text` (one if it
    has only one): a single shared common word is not a similar report."""
    terms = [f'"{t}"' for t in key_terms(text)]
    if not terms:
        return None
    if len(terms) == 1:
        return terms[0]
    return " OR ".join(f"({a} AND {b})" for a, b in combinations(terms, 2))


@dataclass(frozen=True, slots=True)
class Suggestions:
    """Similar open reports and problems for a case, and the one link to offer."""

    case_id: int
    cases: list[SimilarCase] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def suggested_problem(self) -> int | None:
        """The problem to link to: the best matching one, else the one most similar cases share."""
        if self.problems:
            return self.problems[0].id
        linked = [c.problem_id for c in self.cases if c.problem_id is not None]
        return max(set(linked), key=linked.count) if linked else None

    @property
    def empty(self) -> bool:
        return not self.cases and not self.problems

    def hint(self, title: str = "") -> str:
        """'3 similar open reports — link with: casedesk link 12 --problem P4'."""
        n = len(self.cases)
        reports = f"{n} similar open report{'s' if n != 1 else ''}"
        if n == 0 and self.problems:
            reports = "a matching problem"
        pid = self.suggested_problem
        if pid is not None:
            return f"{reports} — link with: {command(f'link {self.case_id} --problem P{pid}')}"
        ids = ", ".join(f"#{c.id}" for c in self.cases[:5])
        name = shlex.quote(title) if title else "…"  # pasted into a shell: customer text
        return (
            f"{reports} ({ids}) — make them one problem: {command(f'problem new {name}')}, "
            f"then {command(f'link {self.case_id} --problem P…')}"
        )


@dataclass(frozen=True, slots=True)
class ToldOutcome:
    case_id: int
    error: str | None = None

    @property
    def told(self) -> bool:
        return self.error is None
