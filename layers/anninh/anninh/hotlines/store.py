"""Data access for hotlines: one item per unit with the admins' list (`keys.unit_hotlines`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from anninh import aws, keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class HotlineStore(Protocol):
    def get(self, unit_id: str) -> list[dict[str, str]]:
        """The admins' list for the unit ([] when none was saved)."""

    def put(self, unit_id: str, hotlines: list[dict[str, str]], editor: str, at_iso: str) -> None: ...


class DynamoHotlineStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, unit_id: str) -> list[dict[str, str]]:
        item: dict[str, Any] = self.table.get_item(Key=keys.unit_hotlines(unit_id)).get("Item") or {}
        return [{"label": str(h["label"]), "phone": str(h["phone"])} for h in item.get("hotlines") or []]

    def put(self, unit_id: str, hotlines: list[dict[str, str]], editor: str, at_iso: str) -> None:
        self.table.put_item(
            Item={
                **keys.unit_hotlines(unit_id),
                "type": "hotlines",
                "unit_id": unit_id,
                "hotlines": hotlines,
                "updated_by": editor,
                "updated_at": at_iso,
            }
        )


def default_store() -> DynamoHotlineStore:
    """The hotline store on the process's main table."""
    return DynamoHotlineStore(aws.table())
