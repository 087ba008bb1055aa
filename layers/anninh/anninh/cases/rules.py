"""What a citizen's message means for tip cases (SPEC fixed points).

- Text beginning with `báo tin` or `tố giác` (any case, with or without diacritics) opens a case.
- A photo, video, file or location sent outside another flow opens a case.
- Within the conversation window, follow-up text, media and location join the open case; the bot's
  fixed commands (`menu`, `CCCD ...`, `tra cứu ...`) still go where they always go.
- `tra cứu <code>` asks for the status of one's own tip.
"""

from __future__ import annotations

import re

from anninh.text import fold, starts_with_phrase, strip_phrase

TIP_OPENERS = ("báo tin", "tố giác")
LOOKUP_PHRASE = "tra cứu"
OPENING_KINDS = frozenset({"image", "video", "file", "location"})
FOLLOWUP_KINDS = frozenset(
    {"text", "image", "gif", "video", "file", "location", "audio", "link", "business_card"}
)
MEDIA_KINDS = frozenset({"image", "gif", "video", "file", "audio"})
BOT_COMMANDS = ("menu", "cccd", "tra cuu")  # "tra cứu <not a code>" is the bot's too

CODE_RE = re.compile(r"^[A-Z0-9]{1,8}-\d{4}-\d{4,}$")
# A code as citizens type it: any case, with spaces, dots, slashes or no separator ("HT 2611 0001",
# "ht.2611.0001", "HT26110001").
_SEP = r"[\s._/-]*"
LOOSE_CODE = re.compile(rf"([A-Za-z][A-Za-z0-9]{{0,7}}?){_SEP}(\d{{4}}){_SEP}(\d{{4,6}})(?!\d)")
_LOOSE_FULL = re.compile(rf"^\s*{LOOSE_CODE.pattern}\s*[.:,;!?]*\s*$")
_LOOSE_PREFIX = re.compile(rf"^\s*{LOOSE_CODE.pattern}\s*(?:[:\-–—]|\s)\s*(\S.*)$", re.DOTALL)


def normalise_code(prefix: str, month: str, seq: str) -> str:
    return f"{prefix.upper()}-{month}-{seq}"


def parse_code(text: str) -> str | None:
    """The tip code a text consists of ("ht 2611 0001" -> "HT-2611-0001"), else None."""
    m = _LOOSE_FULL.match(text)
    return normalise_code(*m.groups()) if m else None


def prefixed_code(text: str) -> tuple[str, str] | None:
    """ "HT-2611-0003: nội dung" -> ("HT-2611-0003", "nội dung"): a message addressed to one tip."""
    m = _LOOSE_PREFIX.match(text)
    if not m:
        return None
    prefix, month, seq, rest = m.groups()
    return normalise_code(prefix, month, seq), rest.strip()


def tip_opener(text: str) -> str | None:
    """The opening phrase the text begins with, if any."""
    for phrase in TIP_OPENERS:
        if starts_with_phrase(text, phrase):
            return phrase
    return None


def tip_body(text: str) -> str:
    """The tip without its opening phrase ("Báo tin: có đánh nhau" -> "có đánh nhau")."""
    phrase = tip_opener(text)
    return strip_phrase(text, phrase).strip() if phrase else text.strip()


def lookup_code(text: str) -> str | None:
    """`tra cứu TP-2611-0042` (or "tp 2611 0042") -> "TP-2611-0042"; "" for a bare "tra cứu" or
    something shaped like a code that is not one (the citizen is told how to write it); None when it
    is not a tip lookup at all ("tra cứu CCCD", "tra cứu thủ tục": the bot's)."""
    if not starts_with_phrase(text, LOOKUP_PHRASE):
        return None
    rest = strip_phrase(text, LOOKUP_PHRASE).strip()
    if not rest:
        return ""
    code = parse_code(rest)
    if code:
        return code
    squeezed = re.sub(r"[\s._/-]+", "", rest)
    # Letters then several digits ("HT26110", "TP-2611-42"): a mistyped code, not a question.
    return "" if re.fullmatch(r"[A-Za-z]{1,8}\d{3,}", squeezed) else None


def is_bot_command(text: str) -> bool:
    """Fixed commands that must reach the bot even while a tip case is open."""
    folded = fold(text)
    return any(folded == c or folded.startswith(c + " ") for c in BOT_COMMANDS)
