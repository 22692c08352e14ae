"""Every SQL statement of casedesk's mail: messages, attachments, quarantine and drafts."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from casedesk.core.clock import from_text, to_text
from casedesk.store.store import Store

Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    message_id: str
    direction: Direction
    outcome: str
    case_id: int | None
    event_id: int | None
    from_address: str | None
    subject: str
    refs: tuple[str, ...]
    taken_at: datetime
    origin: str


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    id: int
    message: int
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    id: int
    sha256: str
    reason: str
    origin: str
    taken_at: datetime
    released_at: datetime | None
    size: int


@dataclass(frozen=True, slots=True)
class DraftRow:
    id: int
    case_id: int
    actor: str
    created_at: datetime
    text: str
    promise: str | None
    error: str | None
    sent_at: datetime | None


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _message(r: sqlite3.Row) -> MessageRow:
    return MessageRow(
        id=r["id"],
        message_id=r["message_id"],
        direction=r["direction"],
        outcome=r["outcome"],
        case_id=r["case_id"],
        event_id=r["event_id"],
        from_address=r["from_address"],
        subject=r["subject"],
        refs=tuple(r["refs"].split()),
        taken_at=from_text(r["taken_at"]),
        origin=r["origin"],
    )


_MESSAGE_COLUMNS = (
    "id, message_id, direction, outcome, case_id, event_id, from_address, subject, refs, "
    "taken_at, origin"
)
_QUARANTINE_COLUMNS = "id, sha256, reason, origin, taken_at, released_at, length(raw) AS size"


def _quarantined(r: sqlite3.Row) -> QuarantineRow:
    released = r["released_at"]
    return QuarantineRow(
        id=r["id"],
        sha256=r["sha256"],
        reason=r["reason"],
        origin=r["origin"],
        taken_at=from_text(r["taken_at"]),
        released_at=from_text(released) if released else None,
        size=r["size"],
    )


def _draft(r: sqlite3.Row) -> DraftRow:
    sent = r["sent_at"]
    return DraftRow(
        id=r["id"],
        case_id=r["case_id"],
        actor=r["actor"],
        created_at=from_text(r["created_at"]),
        text=r["text"],
        promise=r["promise"],
        error=r["error"],
        sent_at=from_text(sent) if sent else None,
    )


class MailStore:
    """The mail tables of one store; writes run inside the caller's `store.transaction()`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        return self.store._execute(sql, params)

    # -- messages -------------------------------------------------------------------------

    def message(self, message_id: str) -> MessageRow | None:
        row = self._execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM mail_messages WHERE message_id = ?", (message_id,)
        ).fetchone()
        return _message(row) if row else None

    def cases_of(self, message_ids: Sequence[str]) -> dict[str, int]:
        """Which of these Message-IDs casedesk knows (received or sent), and their cases."""
        if not message_ids:
            return {}
        marks = ", ".join("?" for _ in message_ids)
        rows = self._execute(
            f"SELECT message_id, case_id FROM mail_messages "
            f"WHERE message_id IN ({marks}) AND case_id IS NOT NULL",
            list(message_ids),
        ).fetchall()
        return {row[0]: row[1] for row in rows}

    def case_exists(self, case_id: int) -> bool:
        return self._execute("SELECT 1 FROM cases WHERE id = ?", (case_id,)).fetchone() is not None

    def record_message(
        self,
        *,
        message_id: str,
        direction: Direction,
        outcome: str,
        case_id: int | None,
        event_id: int | None,
        from_address: str | None,
        subject: str,
        refs: Sequence[str],
        at: datetime,
        origin: str,
        raw: bytes | None,
    ) -> int:
        cursor = self._execute(
            "INSERT INTO mail_messages(message_id, direction, outcome, case_id, event_id, "
            "from_address, subject, refs, taken_at, origin, raw) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message_id,
                direction,
                outcome,
                case_id,
                event_id,
                from_address,
                subject,
                " ".join(refs),
                to_text(at),
                origin,
                raw,
            ),
        )
        row = int(cursor.lastrowid or 0)
        for ref in dict.fromkeys(refs):
            self._execute("INSERT INTO mail_refs(message, ref) VALUES (?, ?)", (row, ref))
        return row

    def cases_naming(self, message_id: str) -> set[int]:
        """The cases of stored mail whose References/In-Reply-To name `message_id`: replies
        (or our answers) that arrived before the message they answer."""
        rows = self._execute(
            "SELECT DISTINCT mail_messages.case_id FROM mail_refs "
            "JOIN mail_messages ON mail_messages.id = mail_refs.message "
            "WHERE mail_refs.ref = ? AND mail_messages.case_id IS NOT NULL",
            (message_id,),
        ).fetchall()
        return {row[0] for row in rows}

    def move_messages(self, from_case: int, to_case: int) -> None:
        """A merged case's mail (and its unsent drafts) now belong to the case it joined; its
        events stay its own."""
        self._execute(
            "UPDATE mail_messages SET case_id = ? WHERE case_id = ?", (to_case, from_case)
        )
        self._execute(
            "UPDATE mail_drafts SET case_id = ? WHERE case_id = ? AND sent_at IS NULL",
            (to_case, from_case),
        )

    def raw(self, message_id: str) -> bytes | None:
        row = self._execute(
            "SELECT raw FROM mail_messages WHERE message_id = ?", (message_id,)
        ).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def last_inbound(self, case_id: int) -> MessageRow | None:
        """The customer's latest mail on a case (what a reply answers)."""
        row = self._execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM mail_messages "
            "WHERE case_id = ? AND direction = 'in' AND event_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (case_id,),
        ).fetchone()
        return _message(row) if row else None

    def messages(self, case_id: int) -> list[MessageRow]:
        rows = self._execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM mail_messages WHERE case_id = ? ORDER BY id",
            (case_id,),
        ).fetchall()
        return [_message(row) for row in rows]

    # -- attachments ----------------------------------------------------------------------

    def add_attachment(
        self, message: int, filename: str, content_type: str, content: bytes
    ) -> AttachmentRow:
        digest = sha256(content)
        self._execute(
            "INSERT OR IGNORE INTO mail_blobs(sha256, content) VALUES (?, ?)", (digest, content)
        )
        cursor = self._execute(
            "INSERT INTO mail_attachments(message, filename, content_type, size, sha256) "
            "VALUES (?, ?, ?, ?, ?)",
            (message, filename, content_type, len(content), digest),
        )
        return AttachmentRow(
            int(cursor.lastrowid or 0), message, filename, content_type, len(content), digest
        )

    def attachments(self, case_id: int) -> list[AttachmentRow]:
        rows = self._execute(
            "SELECT a.id, a.message, a.filename, a.content_type, a.size, a.sha256 "
            "FROM mail_attachments a JOIN mail_messages m ON m.id = a.message "
            "WHERE m.case_id = ? ORDER BY a.id",
            (case_id,),
        ).fetchall()
        return [AttachmentRow(*row) for row in rows]

    def attachments_of_event(self, event_id: int) -> list[AttachmentRow]:
        """The attachments of the mail a timeline entry was made from."""
        rows = self._execute(
            "SELECT a.id, a.message, a.filename, a.content_type, a.size, a.sha256 "
            "FROM mail_attachments a JOIN mail_messages m ON m.id = a.message "
            "WHERE m.event_id = ? ORDER BY a.id",
            (event_id,),
        ).fetchall()
        return [AttachmentRow(*row) for row in rows]

    def attachment_content(self, attachment_id: int) -> bytes | None:
        row = self._execute(
            "SELECT b.content FROM mail_attachments a JOIN mail_blobs b ON b.sha256 = a.sha256 "
            "WHERE a.id = ?",
            (attachment_id,),
        ).fetchone()
        return bytes(row[0]) if row else None

    # -- quarantine -----------------------------------------------------------------------

    def quarantine(self, raw: bytes, reason: str, origin: str, at: datetime) -> tuple[int, bool]:
        """Keep `raw` verbatim with the reason; (id, True) when it was already held."""
        digest = sha256(raw)
        row = self._execute("SELECT id FROM mail_quarantine WHERE sha256 = ?", (digest,)).fetchone()
        if row:
            self._execute(
                "UPDATE mail_quarantine SET reason = ?, released_at = NULL WHERE id = ?",
                (reason, row[0]),
            )
            return int(row[0]), True
        cursor = self._execute(
            "INSERT INTO mail_quarantine(sha256, reason, origin, taken_at, raw) "
            "VALUES (?, ?, ?, ?, ?)",
            (digest, reason, origin, to_text(at), raw),
        )
        return int(cursor.lastrowid or 0), False

    def quarantined(self, include_released: bool = False) -> list[QuarantineRow]:
        where = "" if include_released else " WHERE released_at IS NULL"
        rows = self._execute(
            f"SELECT {_QUARANTINE_COLUMNS} FROM mail_quarantine{where} ORDER BY id"
        ).fetchall()
        return [_quarantined(row) for row in rows]

    def quarantined_one(self, quarantine_id: int) -> tuple[QuarantineRow, bytes] | None:
        row = self._execute(
            f"SELECT {_QUARANTINE_COLUMNS}, raw FROM mail_quarantine WHERE id = ?",
            (quarantine_id,),
        ).fetchone()
        return (_quarantined(row), bytes(row["raw"])) if row else None

    def release(self, quarantine_id: int, at: datetime) -> None:
        """The message was taken in after all; the verbatim copy stays for the record."""
        self._execute(
            "UPDATE mail_quarantine SET released_at = ? WHERE id = ?", (to_text(at), quarantine_id)
        )

    # -- drafts ---------------------------------------------------------------------------

    def add_draft(
        self, case_id: int, actor: str, at: datetime, text: str, promise: str | None
    ) -> int:
        cursor = self._execute(
            "INSERT INTO mail_drafts(case_id, actor, created_at, text, promise) "
            "VALUES (?, ?, ?, ?, ?)",
            (case_id, actor, to_text(at), text, promise),
        )
        return int(cursor.lastrowid or 0)

    def draft_failed(self, draft_id: int, error: str) -> None:
        self._execute("UPDATE mail_drafts SET error = ? WHERE id = ?", (error, draft_id))

    def draft_sent(self, draft_id: int, at: datetime) -> None:
        self._execute(
            "UPDATE mail_drafts SET sent_at = ?, error = NULL WHERE id = ?",
            (to_text(at), draft_id),
        )

    def draft(self, draft_id: int) -> DraftRow | None:
        row = self._execute("SELECT * FROM mail_drafts WHERE id = ?", (draft_id,)).fetchone()
        return _draft(row) if row else None

    def drafts(self, case_id: int | None = None, unsent_only: bool = True) -> list[DraftRow]:
        clauses, params = [], []
        if case_id is not None:
            clauses.append("case_id = ?")
            params.append(case_id)
        if unsent_only:
            clauses.append("sent_at IS NULL")
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self._execute(f"SELECT * FROM mail_drafts{where} ORDER BY id", params).fetchall()
        return [_draft(row) for row in rows]


@dataclass(frozen=True, slots=True)
class WatcherRow:
    name: str
    source: str
    pid: int
    host: str
    started_at: datetime
    beat_at: datetime
    interval: float
    stopped_at: datetime | None
    problem: str | None

    def running(self, now: datetime) -> bool:
        """Beating, and not stopped: stale after three missed intervals."""
        if self.stopped_at is not None:
            return False
        return (now - self.beat_at).total_seconds() <= 3 * max(self.interval, 1.0) + 5


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    case_id: int
    purpose: str
    to_address: str
    created_at: datetime
    attempts: int
    next_try_at: datetime
    error: str | None
    sent_at: datetime | None


def _watcher(r: sqlite3.Row) -> WatcherRow:
    return WatcherRow(
        name=r["name"],
        source=r["source"],
        pid=r["pid"],
        host=r["host"],
        started_at=from_text(r["started_at"]),
        beat_at=from_text(r["beat_at"]),
        interval=r["interval"],
        stopped_at=from_text(r["stopped_at"]) if r["stopped_at"] else None,
        problem=r["problem"],
    )


def _outbox(r: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        case_id=r["case_id"],
        purpose=r["purpose"],
        to_address=r["to_address"],
        created_at=from_text(r["created_at"]),
        attempts=r["attempts"],
        next_try_at=from_text(r["next_try_at"]),
        error=r["error"],
        sent_at=from_text(r["sent_at"]) if r["sent_at"] else None,
    )


class WatchStore:
    """The watchers' heartbeats and the outbox of automatic mail."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        return self.store._execute(sql, params)

    def beat(
        self,
        name: str,
        source: str,
        pid: int,
        host: str,
        interval: float,
        at: datetime,
        problem: str | None = None,
        started: bool = False,
    ) -> None:
        """Say the watcher `name` is alive (and what is wrong, if anything)."""
        if started:
            self._execute(
                "INSERT INTO mail_watchers (name, source, pid, host, started_at, beat_at, "
                "interval, stopped_at, problem) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?) "
                "ON CONFLICT (name) DO UPDATE SET source = excluded.source, pid = excluded.pid, "
                "host = excluded.host, started_at = excluded.started_at, "
                "beat_at = excluded.beat_at, interval = excluded.interval, stopped_at = NULL, "
                "problem = excluded.problem",
                (name, source, pid, host, to_text(at), to_text(at), interval, problem),
            )
        else:
            self._execute(
                "UPDATE mail_watchers SET beat_at = ?, problem = ?, pid = ? WHERE name = ?",
                (to_text(at), problem, pid, name),
            )

    def stopped(self, name: str, at: datetime) -> None:
        self._execute("UPDATE mail_watchers SET stopped_at = ? WHERE name = ?", (to_text(at), name))

    def watchers(self) -> list[WatcherRow]:
        rows = self._execute("SELECT * FROM mail_watchers ORDER BY name").fetchall()
        return [_watcher(r) for r in rows]

    def last_mail_in(self) -> datetime | None:
        row = self._execute(
            "SELECT max(taken_at) FROM mail_messages WHERE direction = 'in'"
        ).fetchone()
        return from_text(row[0]) if row and row[0] else None

    def queue(self, case_id: int, purpose: str, to_address: str, at: datetime) -> int:
        cursor = self._execute(
            "INSERT INTO mail_outbox (case_id, purpose, to_address, created_at, next_try_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (case_id, purpose, to_address, to_text(at), to_text(at)),
        )
        return int(cursor.lastrowid or 0)

    def due(self, at: datetime) -> list[OutboxRow]:
        rows = self._execute(
            "SELECT * FROM mail_outbox WHERE sent_at IS NULL AND next_try_at <= ? ORDER BY id",
            (to_text(at),),
        ).fetchall()
        return [_outbox(r) for r in rows]

    def pending(self) -> list[OutboxRow]:
        rows = self._execute("SELECT * FROM mail_outbox WHERE sent_at IS NULL ORDER BY id")
        return [_outbox(r) for r in rows.fetchall()]

    def failed(self, outbox_id: int, error: str, next_try: datetime) -> None:
        self._execute(
            "UPDATE mail_outbox SET attempts = attempts + 1, error = ?, next_try_at = ? "
            "WHERE id = ?",
            (error, to_text(next_try), outbox_id),
        )

    def settled(self, outbox_id: int, at: datetime, why_not: str | None = None) -> None:
        """Nothing more to do: sent (`why_not` None), or no longer worth sending."""
        self._execute(
            "UPDATE mail_outbox SET attempts = attempts + ?, error = ?, sent_at = ? WHERE id = ?",
            (0 if why_not else 1, why_not, to_text(at), outbox_id),
        )

    def sent_to_since(self, address: str, purpose: str, since: datetime) -> int:
        """How many `purpose` mails went, or wait to go, to `address` since `since`."""
        row = self._execute(
            "SELECT count(*) FROM mail_outbox WHERE to_address = ? AND purpose = ? "
            "AND created_at >= ?",
            (address, purpose, to_text(since)),
        ).fetchone()
        return int(row[0])
