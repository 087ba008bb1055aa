"""Data access for the audit trail.

Records about a case live in the case's partition, records about anything else under
TARGET#<kind>#<id> (`keys.audit_record`); every record is also indexed per officer
(GSI2PK=`keys.officer_audit_gsi(username)`, GSI2SK=<iso>#<id>). Writes are conditional puts of fresh
keys, and no code path updates or deletes an AUDIT# item (the retention purge leaves them alone).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Key

from anninh import aws, keys
from anninh.audit.rules import AuditRecord, decode_key_cursor, encode_cursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class AuditStore(Protocol):
    def append(self, entry: AuditRecord) -> None:
        """Store a new record (never overwrites one)."""

    def for_target(
        self, target_kind: str, target_id: str, limit: int, cursor: str | None
    ) -> tuple[list[AuditRecord], str | None]:
        """A target's records newest first, and the cursor of the next page."""

    def for_officer(
        self, username: str, limit: int, cursor: str | None
    ) -> tuple[list[AuditRecord], str | None]:
        """An officer's records newest first, and the cursor of the next page."""


class DynamoAuditStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def append(self, entry: AuditRecord) -> None:
        item = {
            **keys.audit_record(entry.target_kind, entry.target_id, entry.at, entry.audit_id),
            "GSI2PK": keys.officer_audit_gsi(entry.actor),
            "GSI2SK": f"{entry.at}#{entry.audit_id}",
            "type": "audit",
            **json.loads(entry.model_dump_json(), parse_float=Decimal),
        }
        self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")

    def _page(
        self, kwargs: dict[str, Any], limit: int, cursor: str | None
    ) -> tuple[list[AuditRecord], str | None]:
        start = decode_key_cursor(cursor)
        if start is not None:
            kwargs["ExclusiveStartKey"] = start
        page = self.table.query(**kwargs, Limit=limit)
        records = [AuditRecord.model_validate(i) for i in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return records, encode_cursor(last) if last else None

    def for_target(
        self, target_kind: str, target_id: str, limit: int, cursor: str | None
    ) -> tuple[list[AuditRecord], str | None]:
        condition = Key("PK").eq(keys.audit_partition(target_kind, target_id)) & Key("SK").begins_with(
            keys.AUDIT_PREFIX
        )
        return self._page({"KeyConditionExpression": condition, "ScanIndexForward": False}, limit, cursor)

    def for_officer(
        self, username: str, limit: int, cursor: str | None
    ) -> tuple[list[AuditRecord], str | None]:
        kwargs = {
            "IndexName": "GSI2",
            "KeyConditionExpression": Key("GSI2PK").eq(keys.officer_audit_gsi(username)),
            "ScanIndexForward": False,
        }
        return self._page(kwargs, limit, cursor)


def default_store() -> DynamoAuditStore:
    """The audit store on the process's main table."""
    return DynamoAuditStore(aws.table())
