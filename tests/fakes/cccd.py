"""An in-memory CCCD store (anninh.cccd.store): records by receipt and per-citizen lookup windows."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


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
