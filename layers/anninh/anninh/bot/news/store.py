"""Data access for security-news links: items `keys.news_item(oa_id, id)` on the OA's GSI1 feed
(`GSI1PK=keys.oa_news_gsi(oa_id)`, `GSI1SK=<published_iso>`), read newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Key

from anninh import aws, keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class NewsStore(Protocol):
    def latest(self, oa_id: str, limit: int) -> list[dict[str, Any]]:
        """The OA's newest items, newest first."""

    def put(self, oa_id: str, news_id: str, published_at: str, attributes: dict[str, Any]) -> None: ...

    def delete(self, oa_id: str, news_id: str) -> bool:
        """False when there was no such item."""


class DynamoNewsStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def latest(self, oa_id: str, limit: int) -> list[dict[str, Any]]:
        page = self.table.query(
            IndexName="GSI1",
            ScanIndexForward=False,
            Limit=limit,
            KeyConditionExpression=Key("GSI1PK").eq(keys.oa_news_gsi(oa_id)),
        )
        return list(page.get("Items", []))

    def put(self, oa_id: str, news_id: str, published_at: str, attributes: dict[str, Any]) -> None:
        self.table.put_item(
            Item={
                **keys.news_item(oa_id, news_id),
                "type": "news",
                "GSI1PK": keys.oa_news_gsi(oa_id),
                "GSI1SK": published_at,
                **attributes,
            }
        )

    def delete(self, oa_id: str, news_id: str) -> bool:
        old = self.table.delete_item(Key=keys.news_item(oa_id, news_id), ReturnValues="ALL_OLD")
        return bool(old.get("Attributes"))


def default_store() -> DynamoNewsStore:
    """The news store on the process's main table."""
    return DynamoNewsStore(aws.table())
