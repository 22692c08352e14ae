"""A store file as an older casedesk left it, for the migration tests: the schema up to a given
version, with one customer, one case and its created event written in SQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from casedesk.store import schema


def store_at(path: Path, version: int) -> sqlite3.Connection:
    """The store at `path` migrated to `version` only, holding case #1 ("Laptop battery
    swollen", whose created event says "the battery is bulging"); the connection stays open."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, target=version)
    conn.executescript("""
        INSERT INTO customers(id, name, email, created_at)
            VALUES (1, 'Ann', 'ann@example.com', '2026-01-01T00:00:00+00:00');
        INSERT INTO cases(id, title, customer_id, owner, status, priority, urgency, channel,
                          created_at, updated_at, version)
            VALUES (1, 'Laptop battery swollen', 1, 'bob', 'open', 'high', 'normal', 'email',
                    '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 1);
        INSERT INTO events(case_id, at, actor, kind, channel, text, data)
            VALUES (1, '2026-01-01T00:00:00+00:00', 'bob', 'created', 'email',
                    'the battery is bulging', '{"title": "Laptop battery swollen", "customer_id": 1,
                    "priority": "high", "owner": "bob"}');
    """)
    return conn
