"""Data access for canned replies: a Protocol and its DynamoDB implementation.

PK=CANNED#<id>, SK=CANNED (`keys.canned_reply`), every reply listed through GSI1PK=CANNED.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Key

from anninh import aws, keys
from anninh.dynamo import query_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

LIST_GSI = "CANNED"


class CannedStore(Protocol):
    def all(self) -> list[dict[str, Any]]: ...
    def get(self, reply_id: str) -> dict[str, Any] | None: ...
    def put(self, reply: dict[str, Any]) -> None: ...
    def delete(self, reply_id: str) -> None: ...


class DynamoCannedStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def all(self) -> list[dict[str, Any]]:
        return query_all(self.table, IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(LIST_GSI))

    def get(self, reply_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key=keys.canned_reply(reply_id)).get("Item")
        return dict(item) if item else None

    def put(self, reply: dict[str, Any]) -> None:
        """Write the whole reply (its fields; keys and index entry are added here)."""
        reply_id = str(reply["reply_id"])
        self.table.put_item(
            Item={
                **reply,
                **keys.canned_reply(reply_id),
                "GSI1PK": LIST_GSI,
                "GSI1SK": reply_id,
                "type": "canned_reply",
            }
        )

    def delete(self, reply_id: str) -> None:
        self.table.delete_item(Key=keys.canned_reply(reply_id))


def default_store() -> DynamoCannedStore:
    return DynamoCannedStore(aws.table())
