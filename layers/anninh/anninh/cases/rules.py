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
BOT_COMMANDS = ("menu", "cccd")

CODE_RE = re.compile(r"^[A-Z0-9]{1,8}-\d{4}-\d{4,}$")


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
    """`tra cứu TP-2611-0042` -> "TP-2611-0042"; "" when the phrase has no usable code; None if not a
    lookup at all (so the caller can still answer "not found" to a malformed code)."""
    if not starts_with_phrase(text, LOOKUP_PHRASE):
        return None
    rest = strip_phrase(text, LOOKUP_PHRASE)
    candidate = re.sub(r"\s+", "", rest).upper().strip(".:,;!?")
    return candidate if CODE_RE.match(candidate) else ""


def is_bot_command(text: str) -> bool:
    """Fixed commands that must reach the bot even while a tip case is open."""
    folded = fold(text)
    return any(folded == c or folded.startswith(c + " ") for c in BOT_COMMANDS)
