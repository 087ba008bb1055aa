"""In-memory stores of the self-service areas: canned replies and CCCD records."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
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


class MemoryCccdStore:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.windows: dict[tuple[str, str, str], int] = {}

    def owners(self, receipts: list[str]) -> dict[str, str]:
        return {r: str(self.records[r].get("unit_id", "")) for r in receipts if r in self.records}

    @contextmanager
    def writer(self) -> Iterator[Any]:
        yield self

    def put_record(self, receipt_no: str, attributes: dict[str, Any]) -> None:
        self.records[receipt_no] = {"type": "cccd", **copy.deepcopy(attributes)}

    def get_record(self, receipt_no: str) -> dict[str, Any] | None:
        item = self.records.get(receipt_no)
        return copy.deepcopy(item) if item else None

    def count_lookup(self, oa_id: str, user_id: str, window: str, at_most: int, expires_at: int) -> bool:
        key = (oa_id, user_id, window)
        if self.windows.get(key, 0) >= at_most:
            return False
        self.windows[key] = self.windows.get(key, 0) + 1
        return True
