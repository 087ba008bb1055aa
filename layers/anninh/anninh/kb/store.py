"""Data access for the knowledge base: editors' overrides, one item per entry (`keys.kb_entry(id)`),
all on GSI1PK=`keys.KB_OVERRIDES_GSI` so the whole set is one query."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Key

from anninh import aws, keys
from anninh.dynamo import query_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class KbOverrideStore(Protocol):
    def overrides(self) -> list[dict[str, Any]]:
        """Every override: `entry_id`, `fields`, `deleted`."""

    def fields_of(self, entry_id: str) -> dict[str, Any]:
        """The saved fields of an entry's override ({} when none, or when it is a tombstone)."""

    def put(
        self, entry_id: str, fields: dict[str, Any], *, deleted: bool, editor: str, at_iso: str
    ) -> None: ...


class DynamoKbStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def overrides(self) -> list[dict[str, Any]]:
        return query_all(
            self.table, IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(keys.KB_OVERRIDES_GSI)
        )

    def fields_of(self, entry_id: str) -> dict[str, Any]:
        existing: dict[str, Any] = self.table.get_item(Key=keys.kb_entry(entry_id)).get("Item") or {}
        return dict(existing.get("fields") or {}) if not existing.get("deleted") else {}

    def put(self, entry_id: str, fields: dict[str, Any], *, deleted: bool, editor: str, at_iso: str) -> None:
        self.table.put_item(
            Item={
                **keys.kb_entry(entry_id),
                "GSI1PK": keys.KB_OVERRIDES_GSI,
                "GSI1SK": entry_id,
                "type": "kb_entry",
                "entry_id": entry_id,
                "fields": fields,
                "deleted": deleted,
                "updated_by": editor,
                "updated_at": at_iso,
            }
        )


def default_store() -> DynamoKbStore:
    """The knowledge-base store on the process's main table."""
    return DynamoKbStore(aws.table())
