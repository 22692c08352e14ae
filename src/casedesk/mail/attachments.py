"""Saving a customer's attachment to disk: a safe name, a new file, never through a symlink.

`casedesk attachments --save` and the console's save key both write through here.
"""

from __future__ import annotations

import os
from pathlib import Path

from casedesk.core.errors import InvalidInput
from casedesk.core.safetext import printable
from casedesk.safe_files import written


def saving_folder(folder: Path) -> None:
    """Make sure `folder` is a folder to save into (made, owner-only, when missing)."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{folder} is a file; attachments are saved into a folder")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot make the folder {folder}: {exc.strerror}") from None


NAME_BYTES = 150  # well under NAME_MAX (255 bytes), leaving room for " (2)"
EXTENSION_BYTES = 16


def safe_name(name: str) -> tuple[str, str]:
    """(stem, extension) of a file name from a customer's mail, made safe: no folders, no
    dot-files, at most NAME_BYTES bytes of UTF-8 (a CJK character takes 3), cut in the stem
    so the extension stays."""
    safe = "".join(ch if ch.isprintable() and ch not in "/\\:" else "_" for ch in name).strip(". ")
    safe = safe or "attachment"
    stem, dot, extension = safe.rpartition(".")
    if (
        not (dot and stem)
        or len(extension.encode("utf-8", "replace")) > EXTENSION_BYTES
        or " " in extension
    ):
        stem, extension = safe, ""
    else:
        extension = "." + extension
    room = NAME_BYTES - len(extension.encode("utf-8", "replace"))
    encoded = stem.encode("utf-8", "replace")
    if len(encoded) > room:
        stem = encoded[:room].decode("utf-8", "ignore").rstrip(". ") or "attachment"
    return stem, extension


def save_new(folder: Path, name: str, content: bytes) -> Path:
    """Write `content` to a new file in `folder` under the first free name (`report (2).pdf`):
    never over an existing file, never through a symlink planted there, readable by its owner
    only, never half-written (safe_files.written)."""
    stem, extension = safe_name(name)
    for n in range(1, 10_000):
        target = folder / (f"{stem}{extension}" if n == 1 else f"{stem} ({n}){extension}")
        if os.path.lexists(target):  # a file, a folder or a (dangling) symlink: the next name
            continue
        with written(target) as out:  # refuses a name taken meanwhile, never writes through it
            out.write(content)
        return target
    raise InvalidInput(f"{folder}: no free name left for {printable(stem + extension)!r}")
