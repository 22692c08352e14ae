"""Every file casedesk writes for the user: created new, never through a symlink, never over
another file, never readable by other users.

A shared store's folder is writable by the whole group, so any member can plant a file or a
symlink at a name casedesk is about to write (`NAME.before-restore-TIME.db`, `team.db-wal`). So
nothing here opens a name that may already exist: a file is created at a fresh hidden name with
O_EXCL|O_NOFOLLOW (which fail on any existing name, a symlink included), written through its
descriptor, and only then given its real name — by a hard link, which also fails on an existing
name, or (when the user said --force) by a rename, which replaces the name itself and never
writes through a link.

Used by every writer: `backup`, restore's kept copy, `export`, `attachments --save`, the outbox
Maildir; and by everything that opens a store (the nag too: standard library only, loaded
lazily here).
"""

from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager, suppress
from pathlib import Path

from casedesk.core.errors import StoreError

TYPE_CHECKING = False  # not `typing`'s: the nag loads this module at every login
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import IO

PRIVATE = 0o600
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_NEW |= getattr(os, "O_CLOEXEC", 0)
_STORE_COMPANIONS = ("-wal", "-shm", "-journal")


class UnsafeFile(StoreError):
    """A name casedesk would write is a symlink, or taken, or cannot be written."""


def copy_mode(store: Path) -> tuple[int, int | None]:
    """The mode and group for a copy of `store` (a backup, an export, a kept copy).

    A private store's copies are 0600. A shared (group-writable) store's keep its own mode and
    group, so the group can still use them; never anything for other users.
    """
    if not isinstance(store, Path):
        return PRIVATE, None  # a PostgreSQL store: no file whose group to follow
    try:
        info = store.stat()
    except OSError:
        return PRIVATE, None
    if info.st_mode & stat.S_IWGRP:
        return stat.S_IMODE(info.st_mode) & 0o660, info.st_gid
    return PRIVATE, None


def describe(path: Path, exc: OSError) -> str:
    """One line naming the file and what stops casedesk writing it."""
    code = exc.errno
    if code == errno.ELOOP or (code == errno.EEXIST and path.is_symlink()):
        return f"{path} is a symbolic link; casedesk never writes through one (remove it)"
    if code == errno.EEXIST:
        return f"{path} exists; casedesk never overwrites a file"
    if code == errno.ENOENT:
        if path.parent.is_dir():
            return f"cannot write {path}: files cannot be created in {path.parent}"
        return f"cannot write {path}: the folder {path.parent} does not exist"
    if code == errno.ENOTDIR:
        return f"cannot write {path}: {path.parent} is not a folder"
    if code == errno.EISDIR:
        return f"cannot write {path}: it is a folder"
    return f"cannot write {path}: {exc.strerror or exc}"


def create_new(
    path: Path, mode: int = PRIVATE, group: int | None = None, *, shown: Path | None = None
) -> int:
    """A descriptor on a brand-new file at `path` (O_EXCL|O_NOFOLLOW) with `mode` and `group`.

    Raises UnsafeFile naming the file (or `shown`, the name the user gave) when the name is
    taken (a symlink included) or cannot be created.
    """
    try:
        fd = os.open(path, _NEW, mode)
    except OSError as exc:
        raise UnsafeFile(describe(shown or path, exc)) from None
    try:
        if group is not None:
            try:
                os.fchown(fd, -1, group)
            except OSError:
                mode = PRIVATE  # not in the store's group: keep the copy to ourselves
        os.fchmod(fd, mode)  # the umask narrowed os.open's mode: set exactly what was asked
    except BaseException:
        os.close(fd)
        with suppress(OSError):
            path.unlink()
        raise
    return fd


@contextmanager
def written(
    path: Path,
    *,
    mode: int = PRIVATE,
    group: int | None = None,
    replace: bool = False,
    text: bool = False,
) -> Iterator[IO]:
    """Write a new file at `path` in one piece: at a fresh hidden name in the same folder first,
    then under its real name, only once the writing succeeded (nothing half-written is left).

    The name must be free unless `replace` (the user's --force): then an existing file is
    replaced whole, never written through.
    """
    temp, fd = _start(path, mode, group, replace)
    try:
        options = {"encoding": "utf-8"} if text else {}
        with os.fdopen(fd, "w" if text else "wb", **options) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        _publish(temp, [path], replace)
    except BaseException:
        with suppress(OSError):
            temp.unlink()
        raise


def copy_sqlite(
    backup_into: Callable[[Path], None],
    path: Path,
    *,
    mode: int = PRIVATE,
    group: int | None = None,
    replace: bool = False,
    unique: bool = False,
) -> Path:
    """A SQLite copy at `path`, made by `backup_into(file)`; returns the name it got.

    SQLite opens files by name (following symlinks, making -journal files beside them), so it
    never writes in the destination's folder: it fills a file in a private temporary folder
    (0700, in the sticky temp dir, where no other user can rename anything), which is then
    copied in under `written`'s rules. With `unique`, an existing `path` is kept and the copy
    is named `STEM-2.db`, `STEM-3.db`…
    """
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="casedesk-") as private:
        filled = Path(private) / "copy.db"
        backup_into(filled)
        names = [path]
        if unique:
            names += [path.with_name(f"{path.stem}-{n}{path.suffix}") for n in range(2, 1000)]
            replace = False
        temp, fd = _start(path, mode, group, replace or unique)
        try:
            with filled.open("rb") as source, os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            return _publish(temp, names, replace)
        except BaseException:
            with suppress(OSError):
                temp.unlink()
            raise


def into_maildir(folder: Path, data: bytes, mode: int = PRIVATE, group: int | None = None) -> Path:
    """Deliver one message into the Maildir `folder` (made if missing); returns its file.

    Unlike `mailbox.Maildir.add` (0666 less the umask, so 0644), the file gets `mode` and
    `group`, and folders casedesk makes are closed to other users the same way. Written under
    tmp/ and linked into new/ as Maildir readers expect, never through a symlink.
    """
    import socket
    import time

    dir_mode = mode | ((mode & 0o440) >> 2)  # 0600 → 0700, 0660 → 0770: a folder needs x
    for part in (folder, folder / "tmp", folder / "new", folder / "cur"):
        _make_folder(part, dir_mode, group)
    host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
    now = time.time()
    name = f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}R{os.urandom(8).hex()}.{host}"
    temp, final = folder / "tmp" / name, folder / "new" / name
    fd = create_new(temp, mode, group)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _publish(temp, [final], replace=False)
    except BaseException:
        with suppress(OSError):
            temp.unlink()
        raise
    return final


def _make_folder(path: Path, mode: int, group: int | None) -> None:
    """A folder made with `mode` and `group`; an existing one is left as its owner set it."""
    if path.is_symlink() and path.name in ("tmp", "new", "cur"):
        raise UnsafeFile(describe(path, OSError(errno.ELOOP, "symbolic link")))
    try:
        os.mkdir(path, mode)
    except FileExistsError:
        if not path.is_dir():
            raise UnsafeFile(f"cannot write in {path}: it is not a folder") from None
        return
    except OSError as exc:
        raise UnsafeFile(describe(path, exc)) from None
    if group is not None:
        try:
            os.chown(path, -1, group, follow_symlinks=False)
        except OSError:
            mode = mode & 0o700
    os.chmod(path, mode)  # the umask narrowed os.mkdir's mode


def refuse_planted_links(store: Path) -> None:
    """Refuse a store whose -wal/-shm/-journal is a symlink (SQLite would write through it), or
    which is itself a symlink made by another user (in a folder the group can write in)."""
    if store.is_symlink():
        owner = store.lstat().st_uid
        if owner not in (0, os.getuid()):
            raise UnsafeFile(
                f"{store} is a symbolic link another user made; casedesk will not follow it "
                "(check it, then remove it or point casedesk at the real file)"
            )
        store = store.resolve()
    for suffix in _STORE_COMPANIONS:
        part = store.with_name(store.name + suffix)
        if part.is_symlink():
            raise UnsafeFile(
                f"{part} is a symbolic link; casedesk will not write through it "
                "(someone may have planted it: check it, then remove it)"
            )


def _start(path: Path, mode: int, group: int | None, replace: bool) -> tuple[Path, int]:
    """The checks that give the clearest message early, then the hidden file to write."""
    if path.is_symlink():
        raise UnsafeFile(describe(path, OSError(errno.ELOOP, "symbolic link")))
    if path.is_dir():
        raise UnsafeFile(describe(path, IsADirectoryError(errno.EISDIR, "is a folder")))
    if path.exists() and not replace:
        raise UnsafeFile(describe(path, FileExistsError(errno.EEXIST, "exists")))
    temp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    return temp, create_new(temp, mode, group, shown=path)


def _publish(temp: Path, names: list[Path], replace: bool) -> Path:
    """Give the written file the first free name of `names` (or replace the only one)."""
    try:
        if replace:
            os.replace(temp, names[0])
            return names[0]
        for path in names:
            try:
                _link(temp, path)
            except FileExistsError:
                continue
            with suppress(OSError):
                temp.unlink()
            return path
    except OSError as exc:
        raise UnsafeFile(describe(names[0], exc)) from None
    raise UnsafeFile(describe(names[0], FileExistsError(errno.EEXIST, "exists")))


def _link(temp: Path, path: Path) -> None:
    """A second name for `temp` that fails on any existing name, a symlink included."""
    try:
        os.link(temp, path, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # No hard links on this file system (vfat, some network mounts): a rename that checks
        # first is the best left, and it still never writes through a link.
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "exists") from None
        os.rename(temp, path)
