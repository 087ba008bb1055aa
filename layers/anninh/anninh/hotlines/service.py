"""Hotlines for the bot and the self-service API, over a `HotlineStore`."""

from __future__ import annotations

from dataclasses import dataclass

from anninh.hotlines.rules import Hotline, shown_for
from anninh.hotlines.store import HotlineStore
from anninh.registry import Registry


@dataclass
class Hotlines:
    store: HotlineStore

    def for_unit(self, unit_id: str, registry: Registry) -> tuple[str, list[Hotline]]:
        """(name of the unit whose numbers are shown, its numbers); empty when no unit above has one."""
        return shown_for(unit_id, registry, self.store.get)

    def save(self, unit_id: str, hotlines: list[Hotline], editor: str, at_iso: str) -> None:
        self.store.put(unit_id, [h.model_dump() for h in hotlines], editor, at_iso)
