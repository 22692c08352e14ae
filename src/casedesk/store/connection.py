"""Open a store file with the settings every casedesk connection needs."""

from __future__ import annotations

import grp
import os
import shlex
import sqlite3
import stat

from casedesk.core.errors import StoreError
from casedesk.safe_files import UnsafeFile, create_new

TYPE_CHECKING = False  # not `typing`'s: the read verbs' JSON path loads this module
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from casedesk.paths import ServerStore

BUSY_TIMEOUT_MS = 15_000

# How `Store.open` opens a server store: PostgresStore.open_server, set by casedesk/store/
# __init__.py, so that store.py need not import postgres.py, which imports store.py.
SERVER_OPENER: list[Callable[[ServerStore], Any]] = []


def describe_sqlite_error(path: Path, exc: sqlite3.Error) -> str:
    """One line for the user that names the file and what is wrong with it."""
    text = str(exc)
    if "file is not a database" in text or "malformed" in text:
        return f"{path} is not a casedesk store or is damaged ({text}); nothing was changed"
    if "readonly" in text or "read-only" in text:
        return f"{path} is read-only for you ({text}); nothing was changed"
    if "unable to open" in text:
        return f"cannot open {path}: the folder is missing or not writable"
    if "locked" in text or "busy" in text:
        return f"{path} is busy: another casedesk kept it locked too long; try again"
    return f"{path}: {text}"


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, foreign keys on."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create_private(path)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for {path}: {exc.strerror}") from None
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        raise StoreError(describe_sqlite_error(path, exc)) from None
    return conn


def _create_private(path: Path) -> None:
    """Create a new store file closed to other users before SQLite opens it (SQLite gives the
    -wal and -shm files the store's mode). In a shared store's folder (setgid, see
    `store/shared.py`) the group keeps read and write. An existing store keeps its mode."""
    mode = 0o660 if os.stat(path.parent).st_mode & stat.S_ISGID else 0o600
    try:
        os.close(create_new(path, mode))
    except UnsafeFile:
        if not os.path.lexists(path):
            raise
        if not path.exists():  # a link to nothing: SQLite would make a store wherever it points
            raise UnsafeFile(
                f"{path} is a symbolic link to a missing file; "
                "casedesk never creates a store through one (remove it)"
            ) from None


def describe_access_problem(path: Path) -> str | None:
    """Why this user cannot use the store at `path`, or None when they can."""
    folder = path.parent
    if folder.is_dir() and not os.access(folder, os.X_OK):  # not even the names inside
        return f"you cannot open {folder}, where the store {path.name} is{_group_hint(folder)}"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"you cannot write to {path}{_group_hint(path)}"
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"you cannot write in {folder} (casedesk keeps -wal and -shm files there)"
            f"{_group_hint(folder)}"
        )
    return None


def _group_hint(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        return ""
    if info.st_mode & stat.S_IWGRP:
        try:
            name = grp.getgrgid(info.st_gid).gr_name
        except KeyError:
            return ""
        added = f"sudo usermod -aG {shlex.quote(name)} $USER"
        return f": it belongs to group {name}; ask to be added ({added})"
    return ""


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes, for a store this user may only read (a 0444 file, a
    folder they cannot write in). SQLite reads a WAL store read-only when its -shm can be
    used; when it cannot, the file is read as immutable (no locks: fine for one look)."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    try:
        conn = _read_only(uri)
    except sqlite3.OperationalError:
        try:
            conn = _read_only(uri + "&immutable=1")
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(path, exc)) from None
    except sqlite3.Error as exc:
        raise StoreError(describe_sqlite_error(path, exc)) from None
    return conn


def _read_only(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn
