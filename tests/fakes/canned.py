"""An in-memory canned-replies store (anninh.canned.store)."""

from __future__ import annotations

import copy
from typing import Any


class MemoryCannedStore:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def all(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(i) for i in self.items.values()]

    def get(self, reply_id: str) -> dict[str, Any] | None:
        item = self.items.get(reply_id)
        return copy.deepcopy(item) if item else None

    def put(self, reply: dict[str, Any]) -> None:
        self.items[str(reply["reply_id"])] = copy.deepcopy(reply)

    def delete(self, reply_id: str) -> None:
        self.items.pop(reply_id, None)
