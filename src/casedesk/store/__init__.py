"""The store: every SQL statement casedesk runs, on a SQLite file or a PostgreSQL database."""

from __future__ import annotations

from casedesk.store.connection import SERVER_OPENER

TYPE_CHECKING = False  # not `typing`'s: the read verbs' JSON path loads this package
if TYPE_CHECKING:
    from typing import Any

    from casedesk.paths import ServerStore
    from casedesk.store.store import CaseRow, Store

__all__ = ["CaseRow", "Store"]


def __getattr__(name: str) -> Any:
    # Lazy, so `casedesk nag` on PostgreSQL can use store.postgres_nag without the Store.
    if name in __all__:
        from casedesk.store import store

        return getattr(store, name)
    raise AttributeError(name)


def _open_server(location: ServerStore) -> Store:
    from casedesk.store.postgres import PostgresStore

    return PostgresStore.open_server(location)


SERVER_OPENER.append(_open_server)
