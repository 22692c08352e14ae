"""Where raw messages come from: Maildir folders, mbox files, single .eml files, stdin.

Readers never change what they read (a Maildir's flags stay as they were); re-importing is safe
because intake recognises messages it already has.
"""

from __future__ import annotations

import mailbox
import os
import re
import sys
import tempfile
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


class _Mbox(mailbox.mbox):
    """mailbox.mbox, but a `From  :` header line inside a message does not start a new one."""

    def _generate_toc(self) -> None:
        # The stdlib's own table of contents, with _FROM_LINE for its `startswith(b"From ")`.
        starts: list[int] = []
        stops: list[int] = []
        last_was_empty = False
        self._file.seek(0)
        while True:
            line_pos = self._file.tell()
            line = self._file.readline()
            if starts_like_mbox(line):
                if len(stops) < len(starts):
                    stops.append(line_pos - (len(mailbox.linesep) if last_was_empty else 0))
                starts.append(line_pos)
                last_was_empty = False
            elif not line:
                stops.append(line_pos - (len(mailbox.linesep) if last_was_empty else 0))
                break
            else:
                last_was_empty = line == mailbox.linesep
        # A file without any From_ line ends with a stop and no start: zip drops it.
        self._toc = dict(enumerate(zip(starts, stops, strict=False)))
        self._next_key = len(self._toc)
        self._file_length = self._file.tell()


def _read_mbox(path: Path) -> Iterator[RawMail]:
    box = _Mbox(path, create=False)
    try:
        for index, key in enumerate(box.iterkeys(), start=1):
            yield RawMail(box.get_bytes(key), f"{path}#{index}")
    finally:
        box.close()


def _count_mbox(path: Path) -> int:
    box = _Mbox(path, create=False)
    try:
        return len(box)
    finally:
        box.close()


def _read_eml(path: Path) -> Iterator[RawMail]:
    yield RawMail(path.read_bytes(), str(path))


def _split_mbox(data: bytes, origin: str) -> list[RawMail]:
    """The messages of an mbox held in memory (stdin), split as mailbox.mbox splits a file."""
    handle, name = tempfile.mkstemp(prefix="casedesk-stdin-", suffix=".mbox")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        box = _Mbox(name, create=False)
        try:
            return [
                RawMail(box.get_bytes(key), f"{origin}#{index}")
                for index, key in enumerate(box.iterkeys(), start=1)
            ]
        finally:
            box.close()
    finally:
        os.unlink(name)


def _from_stdin(fmt: str) -> Format:
    """stdin, read once: one message, or an mbox when it starts with a From_ line."""
    data = sys.stdin.buffer.read()
    if fmt == "auto":
        fmt = "mbox" if starts_like_mbox(data) else "eml"
    if fmt == "mbox":
        if not starts_like_mbox(data):
            raise InvalidInput(_NO_SEPARATOR.format(path="stdin"))
        messages = _split_mbox(data, "stdin")
    else:
        messages = [RawMail(data, "stdin")]
    return Format(fmt, lambda _: iter(messages), lambda _: len(messages))


# Mail formats `casedesk import` reads. Add one here and it is a --format choice.
FORMATS: dict[str, Format] = {
    "maildir": Format("maildir", _read_maildir, _count_maildir),
    "mbox": Format("mbox", _read_mbox, _count_mbox),
    "eml": Format("eml", _read_eml, lambda _: 1),
}

_MAIL_SUFFIXES = {".eml", ".msg", ".mbox", ".mail"}
_ONE_MESSAGE_SUFFIXES = {".eml", ".msg"}  # never split, even when they start with a From_ line

# An mbox From_ line: "From sender date". Not "From  :" or "From :", which are a From header
# written with white space before the colon (RFC 5322's obsolete syntax).
_FROM_LINE = re.compile(rb"From (?![ \t]*:)\S")
_NO_SEPARATOR = (
    '{path}: no mbox separator (a first line "From sender date"); '
    "it looks like one message: use --format eml or auto"
)


def starts_like_mbox(head: bytes) -> bool:
    return _FROM_LINE.match(head) is not None


def _file_starts_like_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return starts_like_mbox(handle.read(64))
    except OSError:
        return False


def detect(path: Path) -> str:
    """The format of one file or folder given on the command line."""
    if is_maildir(path):
        return "maildir"
    if path.is_file():
        if path.suffix.lower() in _ONE_MESSAGE_SUFFIXES:
            return "eml"
        return "mbox" if _file_starts_like_mbox(path) else "eml"
    raise InvalidInput(f"{path}: no such file or folder")


def plan(paths: list[Path], fmt: str = "auto") -> tuple[list[tuple[Format, Path]], list[Path]]:
    """Each input as (format, path); a plain folder is searched for mail. Also what was skipped."""
    if fmt != "auto" and fmt not in FORMATS:
        raise InvalidInput(f"unknown mail format {fmt!r}; use auto, {', '.join(FORMATS)}")
    work: list[tuple[Format, Path]] = []
    skipped: list[Path] = []
    if [str(p) for p in paths].count("-") > 1:
        raise InvalidInput("stdin (-) can be read only once")
    for path in paths:
        if str(path) == "-":
            work.append((_from_stdin(fmt), path))
            continue
        if not path.exists():
            raise InvalidInput(f"{path}: no such file or folder")
        if fmt != "auto":
            _check_explicit(path, fmt)
            work.append((FORMATS[fmt], path))
        elif path.is_dir() and not is_maildir(path):
            _walk(path, work, skipped)
        else:
            work.append((FORMATS[detect(path)], path))
    return work, skipped


def _check_explicit(path: Path, fmt: str) -> None:
    """A --format that cannot read this path says why, instead of failing half-way."""
    if fmt == "maildir":
        if not is_maildir(path):
            raise InvalidInput(f"{path} is not a Maildir (it needs cur/, new/ and tmp/)")
        return
    if path.is_dir():
        kind = "a Maildir" if is_maildir(path) else "a folder"
        raise InvalidInput(
            f"{path} is {kind}; --format {fmt} reads one file "
            "(use --format auto for a folder of mail, or maildir)"
        )
    if fmt == "mbox" and not _file_starts_like_mbox(path):
        raise InvalidInput(_NO_SEPARATOR.format(path=path))


def _walk(folder: Path, work: list[tuple[Format, Path]], skipped: list[Path]) -> None:
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if is_maildir(child):
            work.append((FORMATS["maildir"], child))
        elif child.is_dir():
            _walk(child, work, skipped)
        elif child.suffix.lower() in _MAIL_SUFFIXES or _file_starts_like_mbox(child):
            work.append((FORMATS[detect(child)], child))
        else:
            skipped.append(child)


def count(work: list[tuple[Format, Path]]) -> int:
    return sum(fmt.count(path) for fmt, path in work)
