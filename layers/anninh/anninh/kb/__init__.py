"""The procedure knowledge base: entries (files + editors' overrides) and the question matcher."""

from __future__ import annotations

import threading

from anninh.kb.entries import KbEntry, current_entries
from anninh.kb.matcher import THRESHOLD, Matcher

_lock = threading.Lock()
_built: tuple[dict[str, KbEntry], Matcher] | None = None


def current() -> tuple[dict[str, KbEntry], Matcher]:
    """The current entries and a matcher over them (rebuilt when editors' changes are picked up)."""
    global _built
    entries = current_entries()
    with _lock:
        if _built is None or _built[0] is not entries:
            _built = (entries, Matcher(entries))
        return _built


def match(question: str, limit: int = 5) -> list[tuple[str, float]]:
    """Entries ranked best first as (entry_id, score in [0, 1])."""
    return current()[1].match(question, limit)


__all__ = ["THRESHOLD", "KbEntry", "Matcher", "current", "match"]
