"""In-memory stores of the sending area (anninh.sending.store's Protocols), for pure unit tests.

`MemoryOutboxStore` applies the outbox claim's condition the way DynamoDB does (new, `retrying`, or
`sending` with an expired `claim_until`); `MemoryConversationTail` and `MemoryQuotaStore` hold what the
tier rule and the proactive ledger read and write.
"""

from __future__ import annotations

from typing import Any


class MemoryOutboxStore:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.calls = 0

    def get(self, key: str) -> dict[str, Any] | None:
        self.calls += 1
        item = self.items.get(key)
        return dict(item) if item else None

    def claim(
        self, key: str, fields: dict[str, str], now_iso: str, now_ms: int, until_ms: int
    ) -> tuple[bool, dict[str, Any]]:
        self.calls += 1
        old = self.items.get(key)
        takeable = (
            old is None
            or old.get("status") == "retrying"
            or (old.get("status") == "sending" and int(old.get("claim_until", 0)) < now_ms)
        )
        if not takeable:
            return False, dict(old or {})
        before = dict(old or {})
        self.items[key] = {
            **before,
            **fields,
            "status": "sending",
            "claim_until": until_ms,
            "attempts": int(before.get("attempts", 0)) + 1,
            "created_at": before.get("created_at", now_iso),
            "updated_at": now_iso,
            "type": "outbox",
        }
        return True, before

    def update(self, key: str, sets: dict[str, Any], remove: tuple[str, ...] = ()) -> None:
        self.calls += 1
        item = self.items.setdefault(key, {})
        item.update(sets)
        for name in remove:
            item.pop(name, None)

    def undelivered(self, unit_id: str, limit: int) -> list[dict[str, Any]]:
        self.calls += 1
        rows = [
            {"PK": f"OUTBOX#{key}", **item}
            for key, item in self.items.items()
            if item.get("GSI1PK") == f"UNIT#{unit_id}#UNDELIVERED"
        ]
        rows.sort(key=lambda r: str(r.get("GSI1SK", "")), reverse=True)
        return rows[:limit]


class MemoryConversationTail:
    """Conversation items per (oa_id, user_id), oldest first as they were written."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def add(self, oa_id: str, user_id: str, direction: str, at: str, msg_id: str = "") -> None:
        self.items.setdefault((oa_id, user_id), []).append(
            {"direction": direction, "at": at, "msg_id": msg_id}
        )

    def latest(self, oa_id: str, user_id: str, limit: int) -> list[dict[str, Any]]:
        return list(reversed(self.items.get((oa_id, user_id), [])))[:limit]


class MemoryQuotaStore:
    def __init__(self) -> None:
        self.months: dict[tuple[str, str], int] = {}
        self.markers: set[str] = set()

    def add_proactive(self, oa_id: str, month: str, message_key: str, n: int, expires_at: int) -> bool:
        if message_key in self.markers:
            return False
        self.markers.add(message_key)
        self.months[(oa_id, month)] = self.months.get((oa_id, month), 0) + n
        return True

    def proactive_used(self, oa_id: str, month: str) -> int:
        return self.months.get((oa_id, month), 0)
