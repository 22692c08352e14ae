"""Where a reply's own words end and the quoted earlier mail begins. Pure text in, offset out.

The full text is always kept; the offset only lets the timeline fold the quote away
(`core/fold.py`).
"""

from __future__ import annotations

import re

# The verb of an attribution line ("On Mon, 23 Nov 2026, Ann <ann@example.com> wrote:") in the
# languages mail clients write it in. Some put the name after it ("Am … schrieb Ann <a@x>:").
_VERBS = (
    r"wrote|writes|schrieb|a\s+écrit|escribió|ha\s+scritto|schreef|geschreven|skrev|escreveu|"
    r"napisał(?:\(a\)|a)?|napsal(?:\(a\)|a)?|написал(?:\(а\)|а)?|написав|kirjoitti|írta|yazdı|"
    r"έγραψε|scrie|kirjutas"
)
_VERB_ATTRIBUTION = re.compile(
    rf"^.{{0,400}}?(?<!\w)(?:{_VERBS}).{{0,200}}?[:：]$", re.IGNORECASE | re.DOTALL
)
# Chinese, Japanese and Korean clients glue the verb to the date: "…09:00写道：".
_CJK_ATTRIBUTION = re.compile(r"^.{0,400}?(?:写道|寫道|のメッセージ|님이\s*작성)[:：]?$", re.DOTALL)
# Gmail in Russian, Japanese and others has no verb at all: "пн, 23 нояб. 2026 г. в 09:00,
# Ann <ann@example.com>:". A date and an address in <> ending the line are enough.
_ADDRESS_ATTRIBUTION = re.compile(r"^(?=.*\d).{0,400}<[^<>\s@]+@[^<>\s]+>\)?\s*[:：]$", re.DOTALL)
# Yahoo's "--- On Mon, 11/23/26, Ann <ann@example.com> wrote:" is followed by the old mail
# unquoted: its dashes make it a separator on its own.
_DASHED = re.compile(r"^\s*-{2,}\s*\S")
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|messaggio originale|oorspronkelijk bericht|исходное сообщение|"
    r"wiadomość oryginalna|mensagem original|ursprungligt meddelande|opprinnelig melding|"
    r"oprindelig meddelelse|alkuperäinen viesti|původní zpráva|eredeti üzenet)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_OUTLOOK_FROM = re.compile(
    r"^\s*\*?(from|von|de|da|van|от|od|från|fra|lähettäjä|feladó)\s*:\*?\s+\S", re.IGNORECASE
)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|enviada\s+em|inviato|verzonden|to|an|à|"
    r"para|a|aan|cc|subject|betreff|objet|asunto|assunto|oggetto|onderwerp|отправлено|дата|"
    r"кому|копия|тема|wysłano|data|do|temat|skickat|till|ämne|sendt|til|emne|lähetetty|"
    r"vastaanottaja|aihe|elküldve|címzett|tárgy)\s*:",
    re.IGNORECASE,
)


# What makes a line more than a sentence that happens to say "wrote:": a date or an address,
# or the opening word clients start it with.
_SUBSTANCE = re.compile(r"[\d@]")
_OPENER = re.compile(r"^\s*-*\s*(on|am|le|el|il|op|den|em)\b", re.IGNORECASE)


def _is_attribution(text: str) -> bool:
    text = text.strip()
    if not text.endswith((":", "：")) and not _CJK_ATTRIBUTION.match(text):
        return False
    if not (_SUBSTANCE.search(text) or _OPENER.match(text)):
        return False
    return bool(
        _VERB_ATTRIBUTION.match(text)
        or _CJK_ATTRIBUTION.match(text)
        or _ADDRESS_ATTRIBUTION.match(text)
    )


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _outlook_header_at(lines: list[str], i: int) -> bool:
    """A 'From: … / Sent: … / To: … / Subject: …' block, as Outlook puts above the old mail."""
    if not _OUTLOOK_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 5] if line.strip()]
    return sum(1 for line in following if _OUTLOOK_NEXT.match(line)) >= 2


def quote_start(text: str) -> int | None:
    """The character offset where the quoted previous mail starts, or None when there is none.

    None too when nothing but quote would be left to show (then there is nothing to fold).
    """
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    start: int | None = None

    for i, line in enumerate(lines):
        if _ORIGINAL.match(line) or _outlook_header_at(lines, i):
            start = i
            # The line of underscores Outlook draws above the header belongs to the quote.
            previous = _previous_nonblank(lines, i)
            if previous is not None and _RULE.match(lines[previous]):
                start = previous
            break
        attribution = _attribution_at(lines, i)
        if attribution and (_DASHED.match(lines[i]) or _next_is_quoted(lines, i + attribution)):
            start = i
            break

    trailing = _trailing_quote(lines)
    if trailing is not None:
        previous = _previous_nonblank(lines, trailing)
        attribution = _attribution_ends_at(lines, previous) if previous is not None else None
        if attribution is not None:
            trailing = attribution
        if start is None or trailing < start:
            start = trailing

    if start is None or not "".join(lines[:start]).strip():
        return None
    return offsets[start]


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines (1 or 2) an attribution starting at line i takes; 0 when none."""
    if not lines[i].strip():
        return 0
    if _is_quoted(lines[i]):
        return 0
    if _is_attribution(lines[i]):
        return 1
    if i + 1 >= len(lines):
        return 0
    following = lines[i + 1]
    # Wrapped over two lines; the first is not a sentence of the reply ("Thanks." above it).
    first = lines[i].strip()
    wrapped = (
        following.strip()
        and not _is_quoted(following)
        and not first.endswith((".", "!", "?", "。"))
        and (_SUBSTANCE.search(first) or _OPENER.match(first))
        and _is_attribution(first + " " + following.strip())
    )
    return 2 if wrapped else 0


def _attribution_ends_at(lines: list[str], last: int) -> int | None:
    """The first line of an attribution whose last line is `last`, if there is one."""
    if _attribution_at(lines, last) == 1:
        return last
    if last > 0 and _attribution_at(lines, last - 1) == 2:
        return last - 1
    return None


def _next_is_quoted(lines: list[str], i: int) -> bool:
    for line in lines[i:]:
        if line.strip():
            return _is_quoted(line)
    return False


def _previous_nonblank(lines: list[str], i: int) -> int | None:
    for j in range(i - 1, -1, -1):
        if lines[j].strip():
            return j
    return None


def _trailing_quote(lines: list[str]) -> int | None:
    """The first line of the block of '>' lines (and blanks) that runs to the end."""
    start = None
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if not line.strip():
            continue
        if _is_quoted(line):
            start = i
        else:
            break
    return start
