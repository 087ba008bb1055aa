"""An in-memory `AlertStore` (anninh.alerts.store): alert items by case id, with the open index
(escalation due time) and the conditions the DynamoDB store writes on."""

from __future__ import annotations

from typing import Any


class MemoryAlertStore:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, item: dict[str, Any]) -> bool:
        if item["case_id"] in self.items:
            return False
        self.items[item["case_id"]] = dict(item)
        return True

    def get(self, alert_id: str) -> dict[str, Any] | None:
        item = self.items.get(alert_id)
        return dict(item) if item else None

    def unit_feed(self, unit_id: str, limit: int) -> list[dict[str, Any]]:
        mine = [dict(i) for i in self.items.values() if i["unit_id"] == unit_id]
        return sorted(mine, key=lambda i: i["GSI1SK"], reverse=True)[:limit]

    def mark_notified(self, alert_id: str, unit_id: str, phones: list[str], due: str) -> None:
        item = self.items[alert_id]
        if item.get("acknowledged_at"):
            raise RuntimeError("ConditionalCheckFailedException")
        item.update(
            notified_units=[unit_id] if unit_id else [],
            notified_phones=list(phones),
            level_unit=unit_id,
            escalate_at=due,
            GSI2SK=due,
        )

    def acknowledge(self, alert_id: str, officer: str, at: str) -> dict[str, Any] | None:
        item = self.items.get(alert_id)
        if item is None or item.get("acknowledged_at"):
            return None
        item.update(acknowledged_at=at, acknowledged_by=officer, acknowledged=True)
        item.pop("GSI2SK", None)
        return dict(item)

    def due(self, now: str, limit: int) -> list[dict[str, Any]]:
        open_ = [dict(i) for i in self.items.values() if "GSI2SK" in i and i["GSI2SK"] <= now]
        return sorted(open_, key=lambda i: i["GSI2SK"])[:limit]

    def claim_escalation(self, alert_id: str, step: str, parent: str | None, next_due: str, now: str) -> bool:
        item = self.items[alert_id]
        if item.get("GSI2SK") != step or item.get("acknowledged_at"):
            return False
        if parent:
            item.update(level_unit=parent, escalate_at=next_due, GSI2SK=next_due)
            item["escalated_to"] = [*item.get("escalated_to", []), parent]
        else:
            item.pop("GSI2SK", None)
            item["escalation_exhausted_at"] = now
        return True

    def add_notified(self, alert_id: str, unit_id: str, phones: list[str]) -> None:
        item = self.items[alert_id]
        item["notified_phones"] = [*item.get("notified_phones", []), *phones]
        item["notified_units"] = [*item.get("notified_units", []), unit_id]
