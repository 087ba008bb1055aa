"""Data access of the sending area (keys in `anninh.keys`): the only module of `anninh.sending` that
builds DynamoDB requests.

- the outbox ledger, one item per message key (`keys.outbox_record`, see `anninh.sending.records`):
  the conditional claim, the updates after Zalo answered, and the unit's undelivered index
  (GSI1PK=UNIT#<unit_id>#UNDELIVERED, newest first);
- the proactive quota ledger per OA and Vietnam month (`keys.oa_quota_month`), counted once per key
  with a marker item (`keys.oa_quota_marker`) in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from anninh import aws, keys
from anninh.dynamo import error_code, update_if

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# New, or retrying after a visible failure, or a claim whose sender died (expired).
CLAIM_CONDITION = (
    "attribute_not_exists(PK) OR #status = :retrying OR (#status = :sending AND claim_until < :now_ms)"
)
CLAIM_UPDATE = (
    "SET #status = :sending, claim_until = :until, attempts = if_not_exists(attempts, :zero) + :one,"
    " oa_id = :oa, origin = :origin,"
    " created_at = if_not_exists(created_at, :now), updated_at = :now, #type = :type"
)


class OutboxStore(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...

    def claim(
        self, key: str, fields: dict[str, str], now_iso: str, now_ms: int, until_ms: int
    ) -> tuple[bool, dict[str, Any]]:
        """Take the record (new, `retrying`, or `sending` with an expired claim): (True, the record as
        it was before) or (False, the record as it is now)."""
        ...

    def update(self, key: str, sets: dict[str, Any], remove: tuple[str, ...] = ()) -> None: ...

    def undelivered(self, unit_id: str, limit: int) -> list[dict[str, Any]]:
        """The unit's kept messages, newest first."""
        ...


class QuotaStore(Protocol):
    def add_proactive(self, oa_id: str, month: str, message_key: str, n: int, expires_at: int) -> bool:
        """Add `n` to the OA's month once per `message_key`; False when the key was counted already."""
        ...

    def proactive_used(self, oa_id: str, month: str) -> int: ...


class DynamoSendingStore:
    """The sending area's items on the main table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------------ outbox ledger
    def get(self, key: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key=keys.outbox_record(key), ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def claim(
        self, key: str, fields: dict[str, str], now_iso: str, now_ms: int, until_ms: int
    ) -> tuple[bool, dict[str, Any]]:
        result = update_if(
            self.table,
            Key=keys.outbox_record(key),
            UpdateExpression=CLAIM_UPDATE,
            ConditionExpression=CLAIM_CONDITION,
            ExpressionAttributeNames={"#status": "status", "#type": "type"},
            ExpressionAttributeValues={
                ":sending": "sending",
                ":retrying": "retrying",
                ":until": until_ms,
                ":now_ms": now_ms,
                ":zero": 0,
                ":one": 1,
                ":oa": fields["oa_id"],
                ":origin": fields["origin"],
                ":now": now_iso,
                ":type": "outbox",
            },
            ReturnValues="ALL_OLD",
        )
        if result is None:
            return False, self.get(key) or {}
        return True, dict(result.get("Attributes") or {})

    def update(self, key: str, sets: dict[str, Any], remove: tuple[str, ...] = ()) -> None:
        names = {f"#a{i}": name for i, name in enumerate(sets)}
        values = {f":v{i}": value for i, value in enumerate(sets.values())}
        expression = "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(sets)))
        if remove:
            expression += " REMOVE " + ", ".join(remove)
        self.table.update_item(
            Key=keys.outbox_record(key),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def undelivered(self, unit_id: str, limit: int) -> list[dict[str, Any]]:
        page = self.table.query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(keys.unit_undelivered_gsi(unit_id)),
            ScanIndexForward=False,
            Limit=limit,
        )
        return list(page.get("Items", []))

    # ------------------------------------------------------------------ proactive quota ledger
    def add_proactive(self, oa_id: str, month: str, message_key: str, n: int, expires_at: int) -> bool:
        name = self.table.name
        try:
            self.table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": name,
                            "Item": {
                                **keys.oa_quota_marker(message_key),
                                "type": "oa_quota_marker",
                                "oa_id": oa_id,
                                "month": month,
                                "n": n,
                                "expires_at": expires_at,
                            },
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": name,
                            "Key": keys.oa_quota_month(oa_id, month),
                            "UpdateExpression": (
                                "ADD proactive :n SET oa_id = :oa, #month = :month, #type = :type"
                            ),
                            "ExpressionAttributeNames": {"#month": "month", "#type": "type"},
                            "ExpressionAttributeValues": {
                                ":n": n,
                                ":oa": oa_id,
                                ":month": month,
                                ":type": "oa_quota",
                            },
                        }
                    },
                ]
            )
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException":
                return False  # counted already
            raise
        return True

    def proactive_used(self, oa_id: str, month: str) -> int:
        item = self.table.get_item(Key=keys.oa_quota_month(oa_id, month), ConsistentRead=True).get("Item")
        return int(str(item.get("proactive", 0))) if item else 0


def default_sending_store() -> DynamoSendingStore:
    return DynamoSendingStore(aws.table())
