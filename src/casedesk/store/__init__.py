"""The store: one SQLite file, every SQL statement casedesk runs."""

from casedesk.store.store import CaseRow, Store

__all__ = ["CaseRow", "Store"]
