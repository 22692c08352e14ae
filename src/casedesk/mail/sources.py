"""Where raw messages come from: Maildir folders, mbox files, single .eml files, stdin.

Readers never change what they read (a Maildir's flags stay as they were); re-importing is safe
because intake recognises messages it already has.
"""

from __future__ import annotations

import mailbox
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from casedesk.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class RawMail:
    raw: bytes
    origin: str  # where it came from, shown in summaries and the quarantine


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    read: Callable[[Path], Iterator[RawMail]]
    count: Callable[[Path], int]


def is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _read_maildir(path: Path) -> Iterator[RawMail]:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys()):
        try:
            raw = box.get_bytes(key)
        except (KeyError, OSError):  # taken away meanwhile by another mail client
            continue
        yield RawMail(raw, f"{path}:{key}")


def _count_maildir(path: Path) -> int:
    return len(mailbox.Maildir(path, factory=None, create=False))


def _read_mbox(path: Path) -> Iterator[RawMail]:
    box = mailbox.mbox(path, create=False)
    try:
        for index, key in enumerate(box.iterkeys(), start=1):
            yield RawMail(box.get_bytes(key), f"{path}#{index}")
    finally:
        box.close()


def _count_mbox(path: Path) -> int:
    box = mailbox.mbox(path, create=False)
    try:
        return len(box)
    finally:
        box.close()


def _read_eml(path: Path) -> Iterator[RawMail]:
    if str(path) == "-":
        yield RawMail(sys.stdin.buffer.read(), "stdin")
        return
    yield RawMail(path.read_bytes(), str(path))


# Mail formats `casedesk import` reads. Add one here and it is a --format choice.
FORMATS: dict[str, Format] = {
    "maildir": Format("maildir", _read_maildir, _count_maildir),
    "mbox": Format("mbox", _read_mbox, _count_mbox),
    "eml": Format("eml", _read_eml, lambda _: 1),
}

_MAIL_SUFFIXES = {".eml", ".msg", ".mbox", ".mail"}


def _starts_like_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def detect(path: Path) -> str:
    """The format of one path given on the command line."""
    if str(path) == "-":
        return "eml"
    if is_maildir(path):
        return "maildir"
    if path.is_file():
        return "mbox" if _starts_like_mbox(path) else "eml"
    raise InvalidInput(f"{path}: no such file or folder")


def plan(paths: list[Path], fmt: str = "auto") -> tuple[list[tuple[Format, Path]], list[Path]]:
    """Each input as (format, path); a plain folder is searched for mail. Also what was skipped."""
    if fmt != "auto" and fmt not in FORMATS:
        raise InvalidInput(f"unknown mail format {fmt!r}; use auto, {', '.join(FORMATS)}")
    work: list[tuple[Format, Path]] = []
    skipped: list[Path] = []
    for path in paths:
        if str(path) != "-" and not path.exists():
            raise InvalidInput(f"{path}: no such file or folder")
        if fmt != "auto":
            if fmt == "maildir" and not is_maildir(path):
                raise InvalidInput(f"{path} is not a Maildir (it needs cur/, new/ and tmp/)")
            work.append((FORMATS[fmt], path))
        elif str(path) != "-" and path.is_dir() and not is_maildir(path):
            _walk(path, work, skipped)
        else:
            work.append((FORMATS[detect(path)], path))
    return work, skipped


def _walk(folder: Path, work: list[tuple[Format, Path]], skipped: list[Path]) -> None:
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if is_maildir(child):
            work.append((FORMATS["maildir"], child))
        elif child.is_dir():
            _walk(child, work, skipped)
        elif child.suffix.lower() in _MAIL_SUFFIXES or _starts_like_mbox(child):
            work.append((FORMATS[detect(child)], child))
        else:
            skipped.append(child)


def count(work: list[tuple[Format, Path]]) -> int:
    return sum(fmt.count(path) if str(path) != "-" else 1 for fmt, path in work)
