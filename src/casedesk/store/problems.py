"""Every SQL statement of problems, similar-report search, customer notes and customer merges."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from casedesk.core.clock import from_text, to_text
from casedesk.core.errors import CasedeskError, StoreError
from casedesk.core.model import Customer
from casedesk.store.connection import describe_sqlite_error
from casedesk.store.store import Store


class ProblemNotFound(CasedeskError):
    def __init__(self, problem_id: int) -> None:
        super().__init__(f"no problem P{problem_id}")
        self.problem_id = problem_id


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem record with the evidence: how many cases and customers it affects."""

    id: int
    title: str
    description: str
    created_at: datetime
    created_by: str
    resolved_at: datetime | None
    resolved_by: str | None
    summary: str | None
    affected: int  # linked cases, whatever their status
    open_cases: int  # linked cases not yet resolved or closed
    customers: int  # distinct customers among the linked cases
    first_report: datetime | None
    latest_report: datetime | None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


@dataclass(frozen=True, slots=True)
class SimilarCase:
    id: int
    title: str
    customer: str
    status: str
    problem_id: int | None


@dataclass(frozen=True, slots=True)
class CustomerNote:
    id: int
    customer_id: int
    at: datetime
    actor: str
    text: str


_PROBLEM_SELECT = """
    SELECT problems.*,
           count(cases.id) AS affected,
           coalesce(sum(CASE WHEN cases.status NOT IN ('resolved', 'closed') THEN 1 ELSE 0 END),
                    0) AS open_cases,
           count(DISTINCT cases.customer_id) AS customers,
           min(cases.created_at) AS first_report,
           max(cases.created_at) AS latest_report
    FROM problems LEFT JOIN cases ON cases.problem_id = problems.id
"""


def _time(value: str | None) -> datetime | None:
    return from_text(value) if value else None


def _problem(row: sqlite3.Row) -> Problem:
    return Problem(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        created_at=from_text(row["created_at"]),
        created_by=row["created_by"],
        resolved_at=_time(row["resolved_at"]),
        resolved_by=row["resolved_by"],
        summary=row["summary"],
        affected=row["affected"],
        open_cases=row["open_cases"],
        customers=row["customers"],
        first_report=_time(row["first_report"]),
        latest_report=_time(row["latest_report"]),
    )


class ProblemStore:
    """Problems and customer records, on the same connection (and transactions) as the Store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _execute(self, sql: str, params: Sequence[object] | dict[str, object] = ()):  # type: ignore[no-untyped-def]
        return self.store._execute(sql, params)

    # -- problems -------------------------------------------------------------------------

    def add_problem(self, title: str, description: str, at: datetime, actor: str) -> int:
        cursor = self._execute(
            "INSERT INTO problems(title, description, created_at, created_by) VALUES (?, ?, ?, ?)",
            (title, description, to_text(at), actor),
        )
        return int(cursor.lastrowid or 0)

    def problem(self, problem_id: int) -> Problem:
        row = self._execute(
            _PROBLEM_SELECT + " WHERE problems.id = ? GROUP BY problems.id", (problem_id,)
        ).fetchone()
        if row is None:
            raise ProblemNotFound(problem_id)
        return _problem(row)

    def problems(self, include_resolved: bool = True) -> list[Problem]:
        """Unresolved problems first, the most affected first."""
        where = "" if include_resolved else " WHERE problems.resolved_at IS NULL"
        rows = self._execute(
            _PROBLEM_SELECT + where + " GROUP BY problems.id "
            "ORDER BY problems.resolved_at IS NOT NULL, affected DESC, problems.id"
        ).fetchall()
        return [_problem(row) for row in rows]

    def linked_case_ids(self, problem_id: int) -> list[int]:
        return [
            row[0]
            for row in self._execute(
                "SELECT id FROM cases WHERE problem_id = ? ORDER BY id", (problem_id,)
            )
        ]

    def mark_resolved(self, problem_id: int, at: datetime, actor: str, summary: str) -> None:
        self._execute(
            "UPDATE problems SET resolved_at = ?, resolved_by = ?, summary = ? WHERE id = ?",
            (to_text(at), actor, summary, problem_id),
        )

    def mark_reopened(self, problem_id: int) -> None:
        self._execute(
            "UPDATE problems SET resolved_at = NULL, resolved_by = NULL WHERE id = ?",
            (problem_id,),
        )

    # -- similar reports (FTS5, porter-stemmed, bm25 with the title weighted up) -----------

    def similar_cases(self, query: str, exclude: int | None, limit: int = 10) -> list[SimilarCase]:
        """Open (not resolved or closed) cases whose title or story matches `query`."""
        sql = """
            SELECT cases.id, cases.title, customers.name AS customer, cases.status,
                   cases.problem_id
            FROM similar_fts
            JOIN cases ON cases.id = similar_fts.rowid
            JOIN customers ON customers.id = cases.customer_id
            WHERE similar_fts MATCH :q AND cases.id != :exclude
              AND cases.status NOT IN ('resolved', 'closed')
            ORDER BY bm25(similar_fts, 3.0, 1.0), cases.id DESC
            LIMIT :limit
        """
        if self.store.engine == "postgres":
            from casedesk.store.postgres import SIMILAR_CASES as sql
        rows = self._match(sql, {"q": query, "exclude": exclude or 0, "limit": limit})
        return [
            SimilarCase(r["id"], r["title"], r["customer"], r["status"], r["problem_id"])
            for r in rows
        ]

    def similar_problems(self, query: str, limit: int = 5) -> list[Problem]:
        """Unresolved problems whose title or description matches `query`, best first."""
        sql = (
            "SELECT problems.id FROM problems_fts JOIN problems "
            "ON problems.id = problems_fts.rowid WHERE problems_fts MATCH :q "
            "AND problems.resolved_at IS NULL "
            "ORDER BY bm25(problems_fts, 3.0, 1.0) LIMIT :limit"
        )
        if self.store.engine == "postgres":
            from casedesk.store.postgres import SIMILAR_PROBLEMS as sql
        ids = [row[0] for row in self._match(sql, {"q": query, "limit": limit})]
        return [self.problem(i) for i in ids]

    def _match(self, sql: str, params: dict[str, object]) -> list[sqlite3.Row]:
        if self.store.engine == "postgres":
            from casedesk.store.postgres import similar_rows

            return similar_rows(self.store, sql, params)
        try:
            return self.store.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(describe_sqlite_error(self.store.path, exc)) from None
            return []  # a query the tokens could not form: no suggestions, never an error

    # -- customers: notes and merges ------------------------------------------------------

    def add_customer_note(self, customer_id: int, at: datetime, actor: str, text: str) -> int:
        cursor = self._execute(
            "INSERT INTO customer_notes(customer_id, at, actor, text) VALUES (?, ?, ?, ?)",
            (customer_id, to_text(at), actor, text),
        )
        return int(cursor.lastrowid or 0)

    def customer_note_rows(self, customer_ids: Sequence[int]) -> list[CustomerNote]:
        return [
            CustomerNote(r["id"], r["customer_id"], from_text(r["at"]), r["actor"], r["text"])
            for r in self.store.note_rows(customer_ids)
        ]

    def record_merge(self, merged_id: int, into_id: int, at: datetime, actor: str) -> None:
        self._execute(
            "INSERT INTO customer_merges(merged_id, into_id, at, actor) VALUES (?, ?, ?, ?)",
            (merged_id, into_id, to_text(at), actor),
        )

    def merged_into(self, customer_id: int) -> int | None:
        return self.store.merged_into_id(customer_id)

    def merged_from(self, customer_id: int) -> list[Customer]:
        """Every duplicate merged into this customer (directly or through another)."""
        found: list[Customer] = []
        pending = [customer_id]
        while pending:
            for merged_id in self.store.merged_ids(pending.pop()):
                if all(c.id != merged_id for c in found) and merged_id != customer_id:
                    found.append(self.store.customer(merged_id))
                    pending.append(merged_id)
        return found

    def reindex_case_customer(self, case_id: int, customer: Customer) -> None:
        """Search finds a moved case by its new customer's name and address."""
        self._execute(
            "UPDATE cases_fts SET customer = ? WHERE rowid = ?",
            (f"{customer.name} {customer.email or ''}", case_id),
        )
