"""Customer text is untrusted: make it safe to put on a terminal.

No `re` here: `casedesk nag` uses this at every shell login.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing`'s: the nag and the read verbs load this module
if TYPE_CHECKING:
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
    import re

    indent = options.get("indent")
    if options.keys() == {"indent"} and type(indent) is int:
        try:
            text = _indented(value, " " * indent)
        except _Unusual:
            text = json.dumps(value, ensure_ascii=False, **options)
    else:
        text = json.dumps(value, ensure_ascii=False, **options)
    global _JSON_UNSAFE
    if _JSON_UNSAFE is None:
        _JSON_UNSAFE = re.compile("[" + "".join(map(chr, _JSON_ESCAPES)) + "]")
    # Scanning in C first: translating a long text character by character costs more than the
    # JSON itself, and almost no text needs it.
    return text.translate(_JSON_ESCAPES) if _JSON_UNSAFE.search(text) else text


_JSON_UNSAFE: Any = None


class _Unusual(Exception):
    """A value `_indented` leaves to `json.dumps` (a float, a key that is not a string...)."""


def _indented(value: Any, indent: str) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=...)`, character for character, for the
    values JSON output here is made of (strings, ints, bools, None, lists and dicts with string
    keys); `_Unusual` for anything else. Python's encoder only uses its C code without `indent`,
    and its pure-Python path took longer than the query for a long case."""
    from json import JSONEncoder
    from json.encoder import encode_basestring as quoted  # the C one, as json.dumps uses

    parts: list[str] = []
    add = parts.append
    # The common scalars are written in the loops, not by a call each: most values are these.
    words = {None: "null", True: "true", False: "false"}
    scalars = (str, int, bool, type(None))
    # A dict of scalars only is written by json's C encoder, whose item separator carries the
    # newline and the margin (it cannot occur inside an encoded string, which escapes "\n").
    flat: dict[str, Any] = {}

    def flat_dict(item: dict[str, Any], margin: str) -> str:
        inner = margin + indent
        encode = flat.get(inner)
        if encode is None:
            encode = flat[inner] = JSONEncoder(
                ensure_ascii=False, separators=("," + inner, ": ")
            ).encode
        return "{" + inner + encode(item)[1:-1] + margin + "}"

    def write(item: Any, margin: str) -> None:
        if isinstance(item, str):
            add(quoted(item))
        elif item is None or item is True or item is False:
            add(words[item])
        elif isinstance(item, int):
            add(int.__repr__(item))
        elif isinstance(item, dict):
            if not item:
                add("{}")
                return
            if all(type(k) is str for k in item) and all(type(v) in scalars for v in item.values()):
                add(flat_dict(item, margin))
                return
            inner = margin + indent
            separator = "{" + inner
            for key, member in item.items():
                if type(key) is not str:
                    raise _Unusual
                kind = type(member)
                if kind is str:
                    add(f"{separator}{quoted(key)}: {quoted(member)}")
                elif member is None:
                    add(f"{separator}{quoted(key)}: null")
                else:
                    add(f"{separator}{quoted(key)}: ")
                    write(member, inner)
                separator = "," + inner
            add(margin + "}")
        elif isinstance(item, list | tuple):
            if not item:
                add("[]")
                return
            inner = margin + indent
            separator = "[" + inner
            for member in item:
                add(separator)
                write(member, inner)
                separator = "," + inner
            add(margin + "]")
        else:
            raise _Unusual

    write(value, "\n")
    return "".join(parts)
