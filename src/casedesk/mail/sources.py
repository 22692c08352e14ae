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
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

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
    """stdin, read once: one message, or an mbox when it starts with a From_ line.

    Messages simply written one after another (`cat *.eml |`) are refused rather than taken as
    one: without From_ lines no mail tool splits them unasked (formail needs -d), and guessing
    from header-like lines would cut a customer's text that quotes headers."""
    data = sys.stdin.buffer.read()
    if fmt == "auto":
        fmt = "mbox" if starts_like_mbox(data) else "eml"
        line = second_message_line(data) if fmt == "eml" else None
        if line is not None:
            raise InvalidInput(
                f"stdin holds several messages one after another, without the mbox separator "
                f'("From sender date") between them; the second begins at line {line}. '
                "Give each as a file (casedesk import a.eml b.eml) or an mbox; "
                "--format eml takes stdin as one message"
            )
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


# A header field line, and the fields that mark a header block as a message's own: a From,
# with one that only transport or a mail program writes (a forward quoted inline carries From,
# Date, Subject and To, but none of these).
_FIELD = re.compile(rb"([!-9;-~]+):")
_TRANSPORT_FIELDS = {
    b"message-id",
    b"received",
    b"return-path",
    b"delivered-to",
    b"mime-version",
    b"content-transfer-encoding",
}
_ENCLOSES_A_MESSAGE = re.compile(
    rb"^content-type:[ \t]*(message/|text/rfc822-headers)", re.I | re.M
)
_DIGEST = re.compile(rb"multipart/digest", re.I)  # its parts are messages by default


def second_message_line(data: bytes) -> int | None:
    """The line where a second message starts, when `data` holds messages simply written one
    after another (no mbox From_ lines); None for one message.

    After the first header block, a second one is a run of header lines, ended by a blank line,
    with a From and a field of `_TRANSPORT_FIELDS`. A message attached as message/rfc822 has such a
    block too, right after its part's headers, so a run whose preceding block declares a
    message/* part is not counted."""
    if _DIGEST.search(data):
        return None
    lines = data.splitlines()
    blank = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    previous_block = lines[:blank]  # a message/rfc822 message encloses one right after it
    i = blank + 1
    while i < len(lines):
        if not _FIELD.match(lines[i]):
            previous_block = []
            i += 1
            continue
        start, names, block = i, set(), []
        while i < len(lines) and lines[i].strip():
            field = _FIELD.match(lines[i])
            if field:
                names.add(field.group(1).lower())
            elif lines[i][:1] not in (b" ", b"\t"):
                break  # not a header block: text with a colon
            block.append(lines[i])
            i += 1
        ended_by_blank = i >= len(lines) or not lines[i].strip()
        enclosed = _ENCLOSES_A_MESSAGE.search(b"\n".join(previous_block))
        if ended_by_blank and b"from" in names and names & _TRANSPORT_FIELDS and not enclosed:
            return start + 1
        previous_block = block if ended_by_blank else []
        i += 1
    return None


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


# -- oldest first ---------------------------------------------------------------------------
# An import takes a folder's mail in the order it was written, not the order the files sort
# in, so a thread opens its case with its first message. Only the headers are read to sort;
# each message is read whole when its turn comes.

_HEAD_LIMIT = 256 * 1024


@dataclass(frozen=True, slots=True)
class _Pending:
    when: datetime | None
    seq: int
    load: Callable[[], RawMail | None]


def oldest_first(work: list[tuple[Format, Path]]) -> Iterator[RawMail]:
    """Every message of `work`, oldest first: by its Date header, else the earliest Received
    header, else the mbox From_ line or the Maildir delivery time or the file's time; mail
    with no time at all comes last, in the order it was found."""
    pending: list[_Pending] = []
    closers: list[Callable[[], None]] = []
    try:
        for fmt, path in work:
            for when, load in _scan(fmt, path, closers):
                pending.append(_Pending(when, len(pending), load))
        pending.sort(key=lambda p: (p.when is None, p.when or _EPOCH, p.seq))
        for item in pending:
            message = item.load()
            if message is not None:
                yield message
    finally:
        for close in closers:
            close()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_Scanned = Iterator[tuple["datetime | None", Callable[[], "RawMail | None"]]]


def _scan(fmt: Format, path: Path, closers: list[Callable[[], None]]) -> _Scanned:
    if str(path) != "-" and fmt.name == "maildir":
        yield from _scan_maildir(path)
    elif str(path) != "-" and fmt.name == "mbox":
        box = _Mbox(path, create=False)
        closers.append(box.close)
        for index, key in enumerate(box.iterkeys(), start=1):
            with box.get_file(key, from_=True) as handle:
                head = _head(handle)
            from_line, _, headers = head.partition(b"\n")
            when = mail_time(headers) or _from_line_time(from_line)
            yield when, lambda key=key, index=index: RawMail(box.get_bytes(key), f"{path}#{index}")
    elif str(path) != "-" and fmt.name == "eml":
        with path.open("rb") as handle:
            head = _head(handle)
        when = mail_time(head) or datetime.fromtimestamp(path.stat().st_mtime, UTC)
        yield when, lambda: next(_read_eml(path), None)
    else:  # stdin, read once already
        for message in fmt.read(path):
            yield mail_time(message.raw), lambda message=message: message


def _scan_maildir(path: Path) -> _Scanned:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys()):
        try:
            with box.get_file(key) as handle:
                head = _head(handle)
        except (KeyError, OSError):  # taken away meanwhile by another mail client
            continue
        when = mail_time(head) or _delivery_time(key)

        def load(key: str = key) -> RawMail | None:
            try:
                return RawMail(box.get_bytes(key), f"{path}:{key}")
            except (KeyError, OSError):
                return None

        yield when, load


def _head(handle: Any) -> bytes:
    """The header block of a message (up to the blank line), at most _HEAD_LIMIT bytes."""
    lines: list[bytes] = []
    size = 0
    for line in handle:
        if not line.strip(b"\r\n") or size > _HEAD_LIMIT:
            break
        lines.append(line)
        size += len(line)
    return b"".join(lines)


def mail_time(head: bytes) -> datetime | None:
    """When a message was written: its Date header, else its earliest Received header."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(head)
    received = [str(value).rpartition(";")[2] for value in headers.get_all("Received") or []]
    for value in [str(headers.get("Date") or ""), *reversed(received)]:
        try:
            when = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def _from_line_time(line: bytes) -> datetime | None:
    """The date of an mbox From_ line: 'From sender Sat Jan  3 01:05:34 1996'."""
    words = line.decode("ascii", "replace").split()
    try:
        return datetime.strptime(" ".join(words[-5:]), "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def _delivery_time(key: str) -> datetime | None:
    """A Maildir file name starts with the time it was delivered ('1700000000.M1P2.host')."""
    seconds = key.split(".", 1)[0]
    return datetime.fromtimestamp(int(seconds), UTC) if seconds.isdigit() else None
