"""The store's schema, as numbered migrations. `PRAGMA user_version` says which have run."""

from __future__ import annotations

import sqlite3

# Each entry moves the schema from version N to N+1. Never edit a released migration: add one.
MIGRATIONS: list[str] = [
    # 1: customers, cases (the projection), events (the truth).
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE customers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT COLLATE NOCASE UNIQUE,
        created_at TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        owner TEXT,
        status TEXT NOT NULL,
        priority TEXT NOT NULL,
        urgency TEXT NOT NULL,
        channel TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        told_at TEXT, told_channel TEXT, told_by TEXT, told_text TEXT,
        inbound_at TEXT, inbound_channel TEXT, inbound_text TEXT,
        waiting_since TEXT,
        promise_at TEXT,
        resolved_at TEXT, resolution_summary TEXT, resolution_told_at TEXT,
        close_override TEXT,
        snooze_until TEXT, snooze_reason TEXT,
        due_at TEXT, due_reason TEXT, due_since TEXT, due_detail TEXT
    );
    CREATE INDEX cases_due ON cases(due_at);
    CREATE INDEX cases_owner_due ON cases(owner, due_at);
    CREATE INDEX cases_status_due ON cases(status, due_at);
    CREATE INDEX cases_customer ON cases(customer_id);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        channel TEXT,
        text TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_case ON events(case_id, id);
    CREATE TRIGGER events_never_change BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;
    CREATE TRIGGER events_never_go BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;
    """,
    # 2: full-text search over every event and each case's title and customer; known agents.
    """
    CREATE VIRTUAL TABLE events_fts USING fts5(
        text, content='events', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER events_fts_add AFTER INSERT ON events
        BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.id, new.text); END;
    INSERT INTO events_fts(events_fts) VALUES ('rebuild');
    CREATE VIRTUAL TABLE cases_fts USING fts5(
        title, customer, tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER cases_fts_add AFTER INSERT ON cases BEGIN
        INSERT INTO cases_fts(rowid, title, customer)
        SELECT new.id, new.title, name || ' ' || coalesce(email, '')
        FROM customers WHERE id = new.customer_id;
    END;
    INSERT INTO cases_fts(rowid, title, customer)
        SELECT cases.id, cases.title, customers.name || ' ' || coalesce(customers.email, '')
        FROM cases JOIN customers ON customers.id = cases.customer_id;
    CREATE TABLE agents (name TEXT PRIMARY KEY, first_seen TEXT NOT NULL);
    INSERT OR IGNORE INTO agents(name, first_seen)
        SELECT actor, min(at) FROM events WHERE actor NOT LIKE 'casedesk%' GROUP BY actor;
    INSERT OR IGNORE INTO agents(name, first_seen)
        SELECT owner, min(created_at) FROM cases WHERE owner IS NOT NULL GROUP BY owner;
    """,
    # 3: mail: every message taken in or sent (for threading and idempotency), attachments,
    # a quarantine for mail that cannot be read, and drafts of updates that failed to send.
    """
    CREATE TABLE mail_messages (
        id INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        direction TEXT NOT NULL,
        outcome TEXT NOT NULL,
        case_id INTEGER REFERENCES cases(id),
        event_id INTEGER REFERENCES events(id),
        from_address TEXT,
        subject TEXT NOT NULL DEFAULT '',
        refs TEXT NOT NULL DEFAULT '',
        taken_at TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT '',
        raw BLOB
    );
    CREATE INDEX mail_messages_case ON mail_messages(case_id, direction, id);
    CREATE TABLE mail_blobs (sha256 TEXT PRIMARY KEY, content BLOB NOT NULL);
    CREATE TABLE mail_attachments (
        id INTEGER PRIMARY KEY,
        message INTEGER NOT NULL REFERENCES mail_messages(id),
        filename TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL REFERENCES mail_blobs(sha256)
    );
    CREATE INDEX mail_attachments_message ON mail_attachments(message);
    CREATE TABLE mail_quarantine (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        reason TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT '',
        taken_at TEXT NOT NULL,
        released_at TEXT,
        raw BLOB NOT NULL
    );
    CREATE TABLE mail_drafts (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id),
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        text TEXT NOT NULL,
        promise TEXT,
        error TEXT,
        sent_at TEXT
    );
    CREATE INDEX mail_drafts_case ON mail_drafts(case_id, id);
    """,
    # 4: presence: who has which case open or is writing to its customer, for collision warnings.
    """
    CREATE TABLE presence (
        agent TEXT NOT NULL,
        session TEXT NOT NULL,
        case_id INTEGER NOT NULL REFERENCES cases(id),
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        activity TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (session, case_id)
    );
    CREATE INDEX presence_case ON presence(case_id, expires_at);
    CREATE INDEX presence_customer ON presence(customer_id, expires_at);
    """,
    # 5: sub-task counts, problem links and check-ins on the case projection; problems; similar-
    # text search (porter stemming) over cases and problems; customer notes and merges.
    """
    ALTER TABLE cases ADD COLUMN problem_id INTEGER;
    ALTER TABLE cases ADD COLUMN subtasks_total INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE cases ADD COLUMN subtasks_done INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE cases ADD COLUMN check_in_ended_at TEXT;
    CREATE INDEX cases_problem ON cases(problem_id) WHERE problem_id IS NOT NULL;
    CREATE TABLE problems (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        resolved_at TEXT,
        resolved_by TEXT,
        summary TEXT
    );
    CREATE VIRTUAL TABLE problems_fts USING fts5(
        title, description, content='problems', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER problems_fts_add AFTER INSERT ON problems BEGIN
        INSERT INTO problems_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END;
    CREATE TRIGGER problems_fts_change AFTER UPDATE OF title, description ON problems BEGIN
        INSERT INTO problems_fts(problems_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO problems_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END;
    CREATE VIRTUAL TABLE similar_fts USING fts5(
        title, body, content='cases', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER similar_fts_add AFTER INSERT ON cases BEGIN
        INSERT INTO similar_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END;
    INSERT INTO similar_fts(similar_fts) VALUES ('rebuild');
    CREATE TABLE customer_notes (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX customer_notes_customer ON customer_notes(customer_id, id);
    CREATE TABLE customer_merges (
        merged_id INTEGER PRIMARY KEY REFERENCES customers(id),
        into_id INTEGER NOT NULL REFERENCES customers(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL
    );
    """,
    # 6: unattended mail. Watchers beat here so the console can tell that intake stopped; the
    # outbox holds automatic mail (acknowledgements) until the server takes it; a case knows
    # when a person first answered, since an acknowledgement is not the first response.
    """
    CREATE TABLE mail_watchers (
        name TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        beat_at TEXT NOT NULL,
        interval REAL NOT NULL,
        stopped_at TEXT,
        problem TEXT
    );
    CREATE INDEX mail_messages_taken ON mail_messages(direction, taken_at);
    CREATE TABLE mail_outbox (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id),
        purpose TEXT NOT NULL,
        to_address TEXT COLLATE NOCASE NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at TEXT NOT NULL,
        error TEXT,
        sent_at TEXT
    );
    CREATE INDEX mail_outbox_pending ON mail_outbox(sent_at, next_try_at);
    CREATE INDEX mail_outbox_to ON mail_outbox(to_address, created_at);
    ALTER TABLE cases ADD COLUMN responded_at TEXT;
    UPDATE cases SET responded_at = (
        SELECT min(at) FROM events WHERE events.case_id = cases.id AND events.kind = 'told'
    ) WHERE told_at IS NOT NULL;
    """,
    # 7: search indexes at most the first 64 KiB characters of each event (core.search
    # INDEXED_CHARS), in a contentless index: snippets are built outside SQLite from a bounded
    # piece of the text, since FTS5's snippet() over one huge mail took minutes.
    """
    DROP TRIGGER events_fts_add;
    DROP TABLE events_fts;
    CREATE VIRTUAL TABLE events_fts USING fts5(
        text, content='', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER events_fts_add AFTER INSERT ON events
        BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.id, substr(new.text, 1, 65536)); END;
    INSERT INTO events_fts(rowid, text) SELECT id, substr(text, 1, 65536) FROM events;
    """,
    # 8: the OS account that wrote each event, beside the agent it says it is (`actor`, which
    # --as and CASEDESK_AGENT choose freely). NULL for the events written before.
    """
    ALTER TABLE events ADD COLUMN os_user TEXT;
    """,
    # 9: threading in any order: which stored mail names which Message-ID (the reverse link), and
    # cases merged into another (one conversation, one case).
    """
    ALTER TABLE cases ADD COLUMN merged_into INTEGER;
    CREATE TABLE mail_refs (
        message INTEGER NOT NULL REFERENCES mail_messages(id),
        ref TEXT NOT NULL,
        PRIMARY KEY (message, ref)
    );
    CREATE INDEX mail_refs_ref ON mail_refs(ref);
    INSERT OR IGNORE INTO mail_refs(message, ref)
        WITH RECURSIVE split(message, ref, rest) AS (
            SELECT id, '', refs || ' ' FROM mail_messages WHERE refs != ''
            UNION ALL
            SELECT message, substr(rest, 1, instr(rest, ' ') - 1),
                   substr(rest, instr(rest, ' ') + 1)
            FROM split WHERE rest != ''
        )
        SELECT message, ref FROM split WHERE ref != '';
    """,
    # 10: nothing here (FTS5's unicode61 remove_diacritics 2 has always folded accents); on
    # PostgreSQL, search learns to fold them too.
    "",
    # 11: the event index keeps no per-event token counts (columnsize=0). Ranking read one
    # from a table of 1.9M rows for every hit: 5,400 hits of a common query cost ~20 ms of
    # its ~30. Without them bm25 sees no event as longer than another (as PostgreSQL's
    # ts_rank_cd never did): a long mail is not pushed below a short note for its length.
    """
    DROP TRIGGER events_fts_add;
    DROP TABLE events_fts;
    CREATE VIRTUAL TABLE events_fts USING fts5(
        text, content='', columnsize=0, tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER events_fts_add AFTER INSERT ON events
        BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.id, substr(new.text, 1, 65536)); END;
    INSERT INTO events_fts(rowid, text) SELECT id, substr(text, 1, 65536) FROM events;
    """,
]

LATEST = len(MIGRATIONS)

# The triggers on `events` as the latest migration leaves them: append-only (the log is the
# truth) and feeding the search index. `casedesk check` verifies each is there unchanged;
# `--repair` puts back any that was dropped or altered (a group member can, with sqlite3).
EVENT_TRIGGERS: dict[str, str] = {
    "events_never_change": "CREATE TRIGGER events_never_change BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are immutable'); END",
    "events_never_go": "CREATE TRIGGER events_never_go BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are immutable'); END",
    "events_fts_add": "CREATE TRIGGER events_fts_add AFTER INSERT ON events "
    "BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.id, substr(new.text, 1, 65536)); END",
}


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> int:
    """Run every migration the file has not had yet, each in its own transaction."""
    current = version(conn)
    while current < target:
        script = MIGRATIONS[current]
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            if version(conn) != current:
                conn.execute("ROLLBACK")
                current = version(conn)
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current += 1
    return current


def _statements(script: str) -> list[str]:
    """Split a script into statements (executescript would commit our transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete statement in migration: {buffer.strip()[:60]}")
    return statements
