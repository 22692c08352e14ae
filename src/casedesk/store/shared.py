"""A store shared by the agents of one host: one Unix group can read and write everything."""

from __future__ import annotations

import grp
import os
import shlex
from pathlib import Path

from casedesk.core.errors import InvalidInput, StoreError
from casedesk.store import Store

DIR_MODE = 0o2770  # setgid: files made inside belong to the group
FILE_MODE = 0o660


def init_shared(target: Path, group: str) -> Path:
    """Create (or fix up) a shared store at `target` for `group`; returns the store file."""
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise InvalidInput(
            f"no Unix group {group!r} (create it: sudo groupadd {shlex.quote(group)})"
        ) from None
    target = target.expanduser().absolute()
    path = target / "casedesk.db" if target.is_dir() or target.suffix == "" else target
    folder = path.parent
    old_umask = os.umask(0o007)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _own(folder, gid, DIR_MODE)
        Store.open(path).close()
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{path}{suffix}")
            if part.exists():
                _own(part, gid, FILE_MODE)
    except PermissionError as exc:
        raise StoreError(
            f"cannot set up {folder} for group {group}: {exc.strerror} "
            "(run as the folder's owner or root)"
        ) from None
    finally:
        os.umask(old_umask)
    return path


def _own(path: Path, gid: int, mode: int) -> None:
    if path.stat().st_gid != gid:
        os.chown(path, -1, gid)
    os.chmod(path, mode)
