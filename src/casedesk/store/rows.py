"""The statements that read cases, events, customers and search hits, returning stored rows.

`Store` (`store/store.py`) builds the domain model from these rows; the read verbs' JSON path
(`cli/rows_json.py`) serializes them as they are, without loading the model. Standard library
only at import (no `typing`, `pathlib` or `dataclasses`): that path runs at the start-up floor.
"""

from __future__ import annotations

import sqlite3

from casedesk.core.clock import to_text
from casedesk.core.errors import CaseNotFound, CustomerNotFound, InvalidInput

TYPE_CHECKING = False  # not `typing`'s: the JSON read path must not load it
if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from typing import Any

    from casedesk.core.search import ParsedQuery

_LARGEST = 2**63 - 1  # SQLite's largest integer, and PostgreSQL's (bigint)

# A case as lists and the queue show it: its state (every column of `cases`), its customer and
# its problem.
CASE_SELECT = """
    SELECT cases.*, customers.id AS cu_id, customers.name AS cu_name, customers.email AS cu_email,
           problems.title AS pr_title,
           (SELECT count(*) FROM cases AS linked WHERE linked.problem_id = cases.problem_id)
               AS pr_affected
    FROM cases JOIN customers ON customers.id = cases.customer_id
    LEFT JOIN problems ON problems.id = cases.problem_id
"""


# Search hits grouped into cases (`Rows.search`). The event index keeps no token counts
# (schema 11), so bm25 takes every event as equally long. A word missing from an event (an OR
# query) in a store whose events average exactly 3 words makes its score 0/0: NULL, read as
# no match at all.
SEARCH_SQL = """
    SELECT case_id, min(rank) AS best, source, ref FROM (
        SELECT * FROM (
            SELECT rowid AS case_id, rank, 'case' AS source, rowid AS ref
            FROM cases_fts WHERE cases_fts MATCH :q ORDER BY rank, rowid DESC LIMIT :pool
        )
        UNION ALL
        SELECT events.case_id, hits.score, 'event', hits.rowid FROM (
            SELECT rowid, coalesce(rank, 0.0) AS score FROM events_fts
            WHERE events_fts MATCH :q ORDER BY score, rowid DESC LIMIT :pool
        ) AS hits JOIN events ON events.id = hits.rowid
    ) GROUP BY case_id ORDER BY best, case_id DESC LIMIT :limit
"""


def too_large(params: Sequence[Any] | dict[str, Any]) -> str:
    """The user typed a number the store cannot hold (an id, a limit): say which."""
    values = params.values() if isinstance(params, dict) else params
    big = next((v for v in values if isinstance(v, int) and abs(v) > _LARGEST), None)
    return f"{big if big is not None else 'a number'} is too large (at most {_LARGEST})"


class Rows:
    """Reads of a store's connection, as stored rows (`sqlite3.Row` or the PostgreSQL `Row`)."""

    engine = "sqlite"
    # What a read may fail with that the whole CLI path (the Store) should answer instead.
    unhandled: tuple[type[Exception], ...] = (sqlite3.Error,)
    # Several statuses: the unary + steers SQLite to the due_at index (see `_filters`).
    _MANY_STATUSES = "+cases.status"

    def __init__(self, path: Any, conn: Any) -> None:
        self.path = path
        self.conn = conn

    def close(self) -> None:
        self.conn.close()

    def _execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                from casedesk.core.errors import Interrupted

                raise Interrupted("stopped before it finished") from None
            if "locked" in str(exc) or "readonly" in str(exc) or "disk" in str(exc):
                raise self._store_error(exc) from None
            raise
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.IntegrityError):
                raise
            raise self._store_error(exc) from None
        except OverflowError:
            raise InvalidInput(too_large(params)) from None

    def _store_error(self, exc: sqlite3.Error) -> Exception:
        from casedesk.core.errors import StoreError
        from casedesk.store.connection import describe_sqlite_error

        return StoreError(describe_sqlite_error(self.path, exc))

    def schema_current(self) -> bool:
        """Whether the store is at this casedesk's schema (the Store migrates it when not)."""
        from casedesk.store import schema

        return schema.version(self.conn) == schema.LATEST

    def meta(self, key: str) -> str | None:
        row = self._execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def due_times_follow(self, policy_signature: str) -> bool:
        """Whether the stored due times follow the policy file of this signature as it is, in
        calendar time (a policy with `[hours]` counts working time left at each read)."""
        return self.meta("policy_signature") == policy_signature and "hours=" not in (
            self.meta("policy_fingerprint") or ""
        )

    # -- customers ------------------------------------------------------------------------

    def customer_row(self, customer_id: int) -> Any:
        row = self._execute(
            "SELECT id, name, email FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        if row is None:
            raise CustomerNotFound(f"#{customer_id}")
        return row

    def find_customer_row(self, key: str) -> Any:
        """A customer by id (`12` or `#12`) or email address."""
        stripped = key.strip().lstrip("#")
        if stripped.isdigit():
            return self.customer_row(int(stripped))
        row = self._execute(
            "SELECT id, name, email FROM customers WHERE email = ?", (key.strip(),)
        ).fetchone()
        if row is None:
            raise CustomerNotFound(key)
        return row

    def merged_into_id(self, customer_id: int) -> int | None:
        row = self._execute(
            "SELECT into_id FROM customer_merges WHERE merged_id = ?", (customer_id,)
        ).fetchone()
        return row[0] if row else None

    def merged_ids(self, into_id: int) -> list[int]:
        """The customers merged directly into this one."""
        return [
            row[0]
            for row in self._execute(
                "SELECT merged_id FROM customer_merges WHERE into_id = ? ORDER BY merged_id",
                (into_id,),
            )
        ]

    def customer_notes(self, customer_id: int) -> str:
        row = self._execute("SELECT notes FROM customers WHERE id = ?", (customer_id,)).fetchone()
        return row[0] if row else ""

    def note_rows(self, customer_ids: Sequence[int]) -> list[Any]:
        marks = ", ".join("?" for _ in customer_ids) or "NULL"
        return self._execute(
            f"SELECT * FROM customer_notes WHERE customer_id IN ({marks}) ORDER BY at, id",
            list(customer_ids),
        ).fetchall()

    # -- cases and events -----------------------------------------------------------------

    def case_state_row(self, case_id: int) -> Any:
        row = self._execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise CaseNotFound(case_id)
        return row

    def case_select_row(self, case_id: int) -> Any:
        """One case as `CASE_SELECT` reads it."""
        row = self._execute(CASE_SELECT + " WHERE cases.id = ?", (case_id,)).fetchone()
        if row is None:
            raise CaseNotFound(case_id)
        return row

    def event_rows(self, case_id: int, limit: int | None = None) -> list[Any]:
        """A case's history, oldest first (the newest `limit` events when limited)."""
        if limit is None:
            return self._execute(
                "SELECT * FROM events WHERE case_id = ? ORDER BY id", (case_id,)
            ).fetchall()
        return self._execute(
            "SELECT * FROM (SELECT * FROM events WHERE case_id = ? ORDER BY id DESC LIMIT ?)"
            " AS newest ORDER BY id",
            (case_id, limit),
        ).fetchall()

    def case_rows(
        self,
        *,
        statuses: Sequence[str] | None = None,
        owner: str | None = None,
        unassigned: bool = False,
        due_before: datetime | None = None,
        customer_id: int | None = None,
        ids: Sequence[int] | None = None,
        limit: int | None = 100,
        offset: int = 0,
        problem_id: int | None = None,
        closed_when_due: bool = False,
    ) -> list[Any]:
        """Cases (`CASE_SELECT` rows) in queue order: most overdue first, then by due time,
        undated last.

        `closed_when_due` adds closed cases that still have something due (a check-in).
        Dated and undated cases are read as two runs, so the first walks the due-time index in
        order instead of sorting every match (a 100k store: 1 ms rather than 150 ms)."""
        where, params = self._filters(
            statuses, owner, unassigned, due_before, customer_id, ids, problem_id, closed_when_due
        )
        dated = (
            CASE_SELECT + where + " AND cases.due_at IS NOT NULL ORDER BY cases.due_at, cases.id"
        )
        undated = CASE_SELECT + where + " AND cases.due_at IS NULL ORDER BY cases.id"
        if limit is None:
            found = self._execute(dated, params).fetchall()
            found += self._execute(undated, params).fetchall()
            return found[offset:]
        found = self._execute(dated + " LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
        if len(found) < limit and due_before is None:
            dated_total = (
                offset + len(found)
                if found
                else self._execute(
                    "SELECT count(*) FROM cases" + where + " AND cases.due_at IS NOT NULL", params
                ).fetchone()[0]
            )
            found += self._execute(
                undated + " LIMIT ? OFFSET ?",
                [*params, limit - len(found), max(offset - dated_total, 0)],
            ).fetchall()
        return found

    def count_cases(
        self,
        *,
        statuses: Sequence[str] | None = None,
        owner: str | None = None,
        unassigned: bool = False,
        due_before: datetime | None = None,
        customer_id: int | None = None,
        problem_id: int | None = None,
        closed_when_due: bool = False,
    ) -> int:
        where, params = self._filters(
            statuses, owner, unassigned, due_before, customer_id, None, problem_id, closed_when_due,
            counting=True,
        )  # fmt: skip
        return self._execute("SELECT count(*) FROM cases" + where, params).fetchone()[0]

    @classmethod
    def _filters(
        cls,
        statuses: Sequence[str] | None,
        owner: str | None,
        unassigned: bool,
        due_before: datetime | None,
        customer_id: int | None,
        ids: Sequence[int] | None,
        problem_id: int | None = None,
        closed_when_due: bool = False,
        counting: bool = False,
    ) -> tuple[str, list[Any]]:
        """A WHERE clause (never empty, so callers can add AND …) and its parameters.
        Statuses are their values (a `Status` is one)."""
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        if statuses:
            # For one status the (status, due_at) index gives the queue order; for several it
            # would need a sort of every match, so the unary + steers SQLite to due_at's index.
            # A count needs no order: (status, due_at) then covers it, without reading each case
            # row (`list --overdue`'s "… N more" on a 100k store: 15 ms rather than 350 ms).
            column = "cases.status" if len(statuses) == 1 or counting else cls._MANY_STATUSES
            status = f"{column} IN ({', '.join('?' for _ in statuses)})"
            if closed_when_due:
                status = f"({status} OR (cases.status = 'closed' AND cases.due_at IS NOT NULL))"
            clauses.append(status)
            params += [str(s) for s in statuses]
        if owner is not None:
            clauses.append("cases.owner = ?")
            params.append(owner)
        if unassigned:
            clauses.append("cases.owner IS NULL")
        if due_before is not None:
            clauses.append("cases.due_at <= ?")
            params.append(to_text(due_before))
        if customer_id is not None:
            clauses.append("cases.customer_id = ?")
            params.append(customer_id)
        if ids is not None:
            clauses.append(f"cases.id IN ({', '.join('?' for _ in ids) or 'NULL'})")
            params += list(ids)
        if problem_id is not None:
            clauses.append("cases.problem_id = ?")
            params.append(problem_id)
        return " WHERE " + " AND ".join(clauses), params

    # -- search ---------------------------------------------------------------------------

    def search(
        self, query: str, limit: int = 50, *, snippets: bool = True
    ) -> list[tuple[int, str]]:
        """Case ids matching an FTS5 query, best first and the newest case first among equal
        matches, each with a snippet of what matched ("" when `snippets` is off).

        Only the best few hundred hits of each index are grouped into cases (the newest among
        equals): grouping every match of a common word over millions of events cost ~0.5 s for
        the same first page. Snippets are built in Python from a bounded prefix of the
        best-matching text of each case (`core.search`): SQLite's snippet() over one huge mail
        took minutes."""
        from casedesk.core.search import parse_query

        parsed = parse_query(query)
        params = {"q": query, "limit": limit, "pool": max(limit * 10, 200)}
        return self._with_snippets(self._searching(query, SEARCH_SQL, params), parsed, snippets)

    def _with_snippets(
        self, rows: Sequence[Any], parsed: ParsedQuery, snippets: bool
    ) -> list[tuple[int, str]]:
        """(case id, snippet) for search hits that say which case or event matched best
        (`source`, `ref`); the snippet comes from a bounded piece of that text."""
        if not snippets:
            return [(row["case_id"], "") for row in rows]
        from casedesk.core.search import snippet

        texts = self._matched_texts(
            [row["ref"] for row in rows if row["source"] == "case"],
            [row["ref"] for row in rows if row["source"] == "event"],
        )
        return [
            (row["case_id"], snippet(texts.get((row["source"], row["ref"]), ""), parsed))
            for row in rows
        ]

    def _searching(self, query: str, sql: str, params: dict[str, Any]) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                from casedesk.core.errors import Interrupted

                raise Interrupted(f"the search for {query!r} was stopped") from None
            if "locked" not in str(exc) and "busy" not in str(exc):
                from casedesk.core.errors import SearchSyntaxError

                raise SearchSyntaxError(
                    f"cannot search for {query!r}: {exc}. Put phrases in double quotes, "
                    "e.g. '\"battery swap\"'"
                ) from None
            raise self._store_error(exc) from None

    def _matched_texts(
        self, case_ids: Sequence[int], event_ids: Sequence[int]
    ) -> dict[tuple[str, int], str]:
        """The first SNIPPET_CHARS of each matched case's title and customer, or event's text."""
        from casedesk.core.search import SNIPPET_CHARS

        texts: dict[tuple[str, int], str] = {}
        if case_ids:
            for row in self._execute(
                "SELECT cases.id, substr(cases.title, 1, :n) || ' · ' || "
                "substr(customers.name || ' ' || coalesce(customers.email, ''), 1, :n) "
                "FROM cases JOIN customers ON customers.id = cases.customer_id "
                f"WHERE cases.id IN ({', '.join(str(int(i)) for i in case_ids)})",
                {"n": SNIPPET_CHARS},
            ):
                texts["case", row[0]] = row[1]
        if event_ids:
            for row in self._execute(
                "SELECT id, substr(text, 1, :n) FROM events "
                f"WHERE id IN ({', '.join(str(int(i)) for i in event_ids)})",
                {"n": SNIPPET_CHARS},
            ):
                texts["event", row[0]] = row[1]
        return texts
