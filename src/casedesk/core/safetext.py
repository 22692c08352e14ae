"""Customer text is untrusted: make it safe to put on a terminal.

No `re` here: `casedesk nag` uses this at every shell login.
"""

from __future__ import annotations

from typing import Any

# C0 controls except tab and newline, DEL, and C1 controls (CSI is 0x9b): shown as \xNN.
_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]
# Invisible characters that change what the text around them looks like: bidi marks,
# embeddings, overrides and isolates ("invoice\u202efdp.exe" shows as "invoiceexe.pdf"), the
# zero-width space, word joiner and invisible operators, the BOM, line and paragraph separators,
# the soft hyphen, interlinear annotation marks. Shown as \uNNNN. (Zero-width joiner and
# non-joiner stay: they join letters in Persian and Indic scripts and emoji, and move nothing.)
_INVISIBLE = [
    0x00AD,
    0x061C,
    0x180E,
    0x200B,
    0x200E,
    0x200F,
    *range(0x2028, 0x202F),
    *range(0x2060, 0x2070),
    0xFEFF,
    *range(0xFFF9, 0xFFFC),
]
_VISIBLE = {code: f"\\x{code:02x}" for code in _CONTROLS} | {
    code: f"\\u{code:04x}" for code in _INVISIBLE
}
# In JSON the same characters become JSON's own escapes: the data is unchanged for a reader,
# and a terminal showing it gets no raw control (json.dumps with ensure_ascii=False escapes C0
# but leaves DEL, C1 and the invisible ones raw).
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [*range(0x7F, 0xA0), *_INVISIBLE]}


def printable(text: str) -> str:
    """Control and invisible characters (ESC, BEL, CR, U+202E...) shown as visible escapes,
    never sent raw."""
    return text.replace("\r\n", "\n").translate(_VISIBLE)


def one_line(text: str, width: int | None = None) -> str:
    """A single printable line, shortened with an ellipsis to `width` characters."""
    flat = " ".join(printable(text).split())
    if width is not None and len(flat) > width:
        return flat[: max(width - 1, 0)] + "…"
    return flat


def json_text(value: Any, **options: Any) -> str:
    """`json.dumps` that keeps non-ASCII text readable but never emits a control or invisible
    character raw (they are only ever inside strings there, so the escape is exact)."""
    import json  # here: json imports re, which the nag's path must not

    return json.dumps(value, ensure_ascii=False, **options).translate(_JSON_ESCAPES)
