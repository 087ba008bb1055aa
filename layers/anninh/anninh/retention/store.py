"""Data access for the retention sweeps: table-wide scans, resumable before a deadline.

- conversation messages (PK=CONV#..., SK=MSG#<iso>#...) older than the cut-off are deleted;
- media records (PK=CASE#..., SK=MEDIA#...) not yet purged are listed, and marked `purged_at` with
  their object-key attributes removed once the objects are gone. Audit records are never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Attr

from anninh import aws, keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

OutOfTime = Callable[[], bool]


class RetentionStore(Protocol):
    def delete_messages_before(self, cutoff_iso: str, out_of_time: OutOfTime) -> int:
        """Delete conversation messages older than the cut-off; how many went."""

    def unpurged_media(self, out_of_time: OutOfTime) -> Iterator[dict[str, Any]]:
        """Media records whose objects have not been purged yet (PK, SK and their attributes)."""

    def mark_purged(self, pk: str, sk: str, key_fields: list[str], at_iso: str) -> None:
        """The record stays (checksum, size, type); its object keys go and `purged_at` is set."""


def _scan(table: Any, condition: Any, out_of_time: OutOfTime) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"FilterExpression": condition}
    while True:
        page = table.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page or out_of_time():
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class DynamoRetentionStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def delete_messages_before(self, cutoff_iso: str, out_of_time: OutOfTime) -> int:
        old = (
            Attr("SK").begins_with(keys.MESSAGE_PREFIX)
            & Attr("SK").lt(f"{keys.MESSAGE_PREFIX}{cutoff_iso}")
            & Attr("PK").begins_with(keys.CONVERSATION_PREFIX)
        )
        deleted = 0
        with self.table.batch_writer() as batch:
            for item in _scan(self.table, old, out_of_time):
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
                deleted += 1
        return deleted

    def unpurged_media(self, out_of_time: OutOfTime) -> Iterator[dict[str, Any]]:
        media = (
            Attr("SK").begins_with(keys.MEDIA_PREFIX)
            & Attr("PK").begins_with(keys.CASE_PREFIX)
            & Attr("purged_at").not_exists()
        )
        yield from _scan(self.table, media, out_of_time)

    def mark_purged(self, pk: str, sk: str, key_fields: list[str], at_iso: str) -> None:
        names = {f"#k{i}": f for i, f in enumerate(key_fields)}
        expression = "SET purged_at = :at"
        if key_fields:
            expression += " REMOVE " + ", ".join(names)
        request: dict[str, Any] = {
            "Key": {"PK": pk, "SK": sk},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": {":at": at_iso},
        }
        if names:
            request["ExpressionAttributeNames"] = names
        self.table.update_item(**request)


def default_store() -> DynamoRetentionStore:
    """The retention store on the process's main table."""
    return DynamoRetentionStore(aws.table())
