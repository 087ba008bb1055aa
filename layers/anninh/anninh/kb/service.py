"""The knowledge base as the bot and editors use it: file entries with overrides, cached a minute."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from anninh.kb.entries import KbEntry, KbEntryPatch, apply_patch, entry_with, file_entries, merge, valid_id
from anninh.kb.store import KbOverrideStore

CACHE_SECONDS = 60.0


class EntryCache:
    """The merged entries and when they were read (one per container, shared by every service)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, KbEntry]] | None = None

    def fresh(self, max_age: float) -> dict[str, KbEntry] | None:
        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] <= max_age:
                return self._cached[1]
            return None

    def keep(self, entries: dict[str, KbEntry]) -> None:
        with self._lock:
            self._cached = (time.monotonic(), entries)

    def forget(self) -> None:
        with self._lock:
            self._cached = None


CONTAINER_CACHE = EntryCache()


def forget_cached_entries() -> None:
    CONTAINER_CACHE.forget()


@dataclass
class KnowledgeBase:
    store: KbOverrideStore
    cache: EntryCache = field(default=CONTAINER_CACHE)

    def current_entries(self, max_age: float = CACHE_SECONDS) -> dict[str, KbEntry]:
        """File entries with overrides applied, cached for `max_age` seconds."""
        cached = self.cache.fresh(max_age)
        if cached is not None:
            return cached
        merged = merge(file_entries(), self.store.overrides())
        self.cache.keep(merged)
        return merged

    def save_override(self, entry_id: str, patch: KbEntryPatch, editor: str, at_iso: str) -> KbEntry:
        """Store an editor's change; returns the merged entry. New ids need at least a title."""
        if not valid_id(entry_id):
            raise ValueError("id: lower-case letters, digits and hyphens")
        fields = apply_patch(entry_id, self.store.fields_of(entry_id), patch, at_iso)
        entry = entry_with(entry_id, fields)  # raises ValueError when incomplete
        self.store.put(entry_id, fields, deleted=False, editor=editor, at_iso=at_iso)
        self.cache.forget()
        return entry

    def delete_entry(self, entry_id: str, editor: str, at_iso: str) -> None:
        """Hide an entry (a tombstone, so a file entry can be hidden too)."""
        self.store.put(entry_id, {}, deleted=True, editor=editor, at_iso=at_iso)
        self.cache.forget()
