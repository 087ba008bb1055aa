"""Vietnamese text as people type it: normalisation for matching, diacritics-insensitive."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s/.-]", re.UNICODE)

# Old-style tone placement (hoà, thuỷ, ...) and the new style (hòa, thủy) must compare equal: folding
# to the base letters makes them identical, and NFC keeps display forms consistent.


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def strip_diacritics(text: str) -> str:
    """'Đăng ký tạm trú' -> 'Dang ky tam tru' (đ/Đ fold to d/D)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def fold(text: str) -> str:
    """Lower-case, no diacritics, punctuation to spaces, single spaces: the form we match on."""
    folded = strip_diacritics(nfc(text)).lower()
    folded = _PUNCT.sub(" ", folded)
    return _SPACES.sub(" ", folded).strip()


def starts_with_phrase(text: str, phrase: str) -> bool:
    """True when `text` begins with `phrase` as whole words, ignoring case and diacritics."""
    t, p = fold(text), fold(phrase)
    return t == p or t.startswith(p + " ")


def strip_phrase(text: str, phrase: str) -> str:
    """The rest of `text` after a leading `phrase` (original spelling kept), or the text unchanged."""
    words = nfc(text).strip().split()
    n = len(fold(phrase).split())
    if n and fold(" ".join(words[:n])) == fold(phrase):
        return " ".join(words[n:]).lstrip(" :,-")
    return text
