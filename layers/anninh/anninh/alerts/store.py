"""Data access for urgent-case alerts (keys in anninh.keys: PK=CASE#<case_id> SK=ALERT).

Access patterns: one alert by case id; a unit's feed (GSI1 UNIT#<unit>#ALERTS, newest first); the
open-alert index (GSI2 ALERTS#OPEN, sorted by when the alert escalates next). Every state change is
conditional on the alert not being acknowledged, so an acknowledgement always wins over escalation.
The tip desk raises the alert of an urgent case (`anninh.alerts.raise_alert`); one per case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Key

from anninh import aws, keys
from anninh.dynamo import put_new, update_if

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

OPEN_GSI = "ALERTS#OPEN"


class AlertStore(Protocol):
    def add(self, item: dict[str, Any]) -> bool: ...
    def get(self, alert_id: str) -> dict[str, Any] | None: ...
    def unit_feed(self, unit_id: str, limit: int) -> list[dict[str, Any]]: ...
    def mark_notified(self, alert_id: str, unit_id: str, phones: list[str], due: str) -> None: ...
    def acknowledge(self, alert_id: str, officer: str, at: str) -> dict[str, Any] | None: ...
    def due(self, now: str, limit: int) -> list[dict[str, Any]]: ...
    def claim_escalation(
        self, alert_id: str, step: str, parent: str | None, next_due: str, now: str
    ) -> bool: ...
    def add_notified(self, alert_id: str, unit_id: str, phones: list[str]) -> None: ...


class DynamoAlertStore:
    """`AlertStore` over the main table."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, item: dict[str, Any]) -> bool:
        """A new alert; False if the case has one already (a redelivered event)."""
        return put_new(self._table, item)

    def get(self, alert_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._table.get_item(Key=keys.case_alert(alert_id)).get("Item")
        return item

    def unit_feed(self, unit_id: str, limit: int) -> list[dict[str, Any]]:
        """The unit's alerts, newest first (one page of at most `limit`)."""
        page = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(keys.unit_alerts_gsi(unit_id)),
            ScanIndexForward=False,
            Limit=limit,
        )
        return list(page.get("Items", []))

    def mark_notified(self, alert_id: str, unit_id: str, phones: list[str], due: str) -> None:
        """Who was reached; the alert enters the open index, due to escalate at `due`."""
        self._table.update_item(
            Key=keys.case_alert(alert_id),
            UpdateExpression=(
                "SET notified_units = :units, notified_phones = :phones, level_unit = :level, "
                "escalate_at = :due, GSI2PK = :open, GSI2SK = :due"
            ),
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(acknowledged_at)",
            ExpressionAttributeValues={
                ":units": [unit_id] if unit_id else [],
                ":phones": phones,
                ":level": unit_id or "",
                ":due": due,
                ":open": OPEN_GSI,
            },
        )

    def acknowledge(self, alert_id: str, officer: str, at: str) -> dict[str, Any] | None:
        """Acknowledge once; the updated item, or None if it was acknowledged already (or is unknown)."""
        result = update_if(
            self._table,
            Key=keys.case_alert(alert_id),
            UpdateExpression="SET acknowledged_at = :at, acknowledged_by = :by, acknowledged = :t "
            "REMOVE GSI2PK, GSI2SK",
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(acknowledged_at)",
            ExpressionAttributeValues={":at": at, ":by": officer, ":t": True},
            ReturnValues="ALL_NEW",
        )
        return None if result is None else dict(result["Attributes"])

    def due(self, now: str, limit: int) -> list[dict[str, Any]]:
        """Unacknowledged alerts whose next escalation is at or before `now`."""
        page = self._table.query(
            IndexName="GSI2",
            KeyConditionExpression=Key("GSI2PK").eq(OPEN_GSI) & Key("GSI2SK").lte(now),
            Limit=limit,
        )
        return list(page.get("Items", []))

    def claim_escalation(self, alert_id: str, step: str, parent: str | None, next_due: str, now: str) -> bool:
        """Take the escalation step due at `step`: to `parent` (next one due at `next_due`), or, at the top,
        out of the open index. False when it was acknowledged or escalated meanwhile."""
        if parent:
            update = (
                "SET level_unit = :parent, escalate_at = :next, GSI2SK = :next, "
                "escalated_to = list_append(if_not_exists(escalated_to, :empty), :to)"
            )
            values: dict[str, Any] = {":parent": parent, ":next": next_due, ":empty": [], ":to": [parent]}
        else:
            update = "REMOVE GSI2PK, GSI2SK SET escalation_exhausted_at = :now"
            values = {":now": now}
        claimed = update_if(
            self._table,
            Key=keys.case_alert(alert_id),
            UpdateExpression=update,
            ConditionExpression="GSI2SK = :step AND attribute_not_exists(acknowledged_at)",
            ExpressionAttributeValues={**values, ":step": step},
        )
        return claimed is not None

    def add_notified(self, alert_id: str, unit_id: str, phones: list[str]) -> None:
        self._table.update_item(
            Key=keys.case_alert(alert_id),
            UpdateExpression="SET notified_phones = list_append(if_not_exists(notified_phones, :e), :p), "
            "notified_units = list_append(if_not_exists(notified_units, :e), :u)",
            ExpressionAttributeValues={":e": [], ":p": phones, ":u": [unit_id]},
        )


def default_store() -> DynamoAlertStore:
    return DynamoAlertStore(aws.table())
