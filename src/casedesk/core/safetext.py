"""Customer text is untrusted: make it safe to put on a terminal.

No `re` here: `casedesk nag` uses this at every shell login.
"""

from __future__ import annotations

# C0 controls except tab and newline, DEL, and C1 controls (CSI is 0x9b): shown as \xNN.
_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]
_VISIBLE = {code: f"\\x{code:02x}" for code in _CONTROLS}


def printable(text: str) -> str:
    """Control characters (ESC, BEL, CR...) shown as visible escapes, never sent raw."""
    return text.replace("\r\n", "\n").translate(_VISIBLE)


def one_line(text: str, width: int | None = None) -> str:
    """A single printable line, shortened with an ellipsis to `width` characters."""
    flat = " ".join(printable(text).split())
    if width is not None and len(flat) > width:
        return flat[: max(width - 1, 0)] + "…"
    return flat
