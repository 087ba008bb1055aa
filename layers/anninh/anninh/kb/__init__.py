"""The procedure knowledge base: entries (files + editors' overrides) and the question matcher.

The module-level functions are the knowledge base on the process's main table.
"""

from __future__ import annotations

import threading

from anninh.kb.entries import KbEntry, KbEntryPatch
from anninh.kb.matcher import THRESHOLD, Matcher
from anninh.kb.service import CACHE_SECONDS, EntryCache, KnowledgeBase, forget_cached_entries
from anninh.kb.store import DynamoKbStore, KbOverrideStore, default_store

_lock = threading.Lock()
_built: tuple[dict[str, KbEntry], Matcher] | None = None


def service() -> KnowledgeBase:
    """The knowledge base on the process's main table (the container's cache)."""
    return KnowledgeBase(default_store())


def current_entries(max_age: float = CACHE_SECONDS) -> dict[str, KbEntry]:
    """File entries with overrides applied, cached for a minute per container."""
    return service().current_entries(max_age)


def save_override(entry_id: str, patch: KbEntryPatch, editor: str, at_iso: str) -> KbEntry:
    return service().save_override(entry_id, patch, editor, at_iso)


def delete_entry(entry_id: str, editor: str, at_iso: str) -> None:
    service().delete_entry(entry_id, editor, at_iso)


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


__all__ = [
    "THRESHOLD",
    "DynamoKbStore",
    "EntryCache",
    "KbEntry",
    "KbOverrideStore",
    "KnowledgeBase",
    "Matcher",
    "current",
    "current_entries",
    "delete_entry",
    "forget_cached_entries",
    "match",
    "save_override",
    "service",
]
