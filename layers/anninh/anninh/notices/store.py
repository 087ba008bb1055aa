"""Data access for notices.

Item: `keys.notice(id)`, on the editors' list `GSI2PK=keys.ALL_NOTICES_GSI, GSI2SK=<published_iso>#<id>`
and, while published, on the citizens' feed `GSI1PK=keys.NOTICES_GSI, GSI1SK=<published_iso>#<id>`
(withdrawn notices leave the feed but stay readable by editors). A page of the feed is continued
with an opaque cursor (the page's last key, base64 JSON).
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Key

from anninh import aws, keys
from anninh.dynamo import query_items
from anninh.notices.rules import Notice

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class NoticeStore(Protocol):
    def create(self, notice: Notice) -> None:
        """Store a new notice (its id must be new)."""

    def put(self, notice: Notice) -> None:
        """Store a notice as it is, replacing one with the same id (the feed follows its status)."""

    def get(self, notice_id: str) -> Notice | None: ...

    def published_page(self, limit: int | None, cursor: str | None) -> tuple[list[Notice], str | None]:
        """Published notices newest first from the cursor; `limit` None: one whole query page.
        Raises ValueError for a cursor it did not hand out."""

    def every(self) -> list[Notice]:
        """Every notice, published or withdrawn, newest first."""


def _item(notice: Notice) -> dict[str, Any]:
    item: dict[str, Any] = {
        **keys.notice(notice.notice_id),
        "type": "notice",
        **notice.model_dump(),
        "GSI2PK": keys.ALL_NOTICES_GSI,
        "GSI2SK": f"{notice.published_at}#{notice.notice_id}",
    }
    if notice.status == "published":
        item["GSI1PK"] = keys.NOTICES_GSI
        item["GSI1SK"] = f"{notice.published_at}#{notice.notice_id}"
    return item


def _from_item(item: dict[str, Any]) -> Notice:
    return Notice.model_validate({k: v for k, v in item.items() if k in Notice.model_fields})


def _encode(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def _decode(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, json.JSONDecodeError):
        raise ValueError("invalid cursor") from None
    if not isinstance(value, dict) or value.get("GSI1PK") != keys.NOTICES_GSI:
        raise ValueError("invalid cursor")
    return value


class DynamoNoticeStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, notice: Notice) -> None:
        self.table.put_item(Item=_item(notice), ConditionExpression="attribute_not_exists(PK)")

    def put(self, notice: Notice) -> None:
        self.table.put_item(Item=_item(notice))

    def get(self, notice_id: str) -> Notice | None:
        item = self.table.get_item(Key=keys.notice(notice_id)).get("Item")
        return _from_item(item) if item else None

    def published_page(self, limit: int | None, cursor: str | None) -> tuple[list[Notice], str | None]:
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "ScanIndexForward": False,
            "KeyConditionExpression": Key("GSI1PK").eq(keys.NOTICES_GSI),
        }
        if limit is not None:
            kwargs["Limit"] = limit
        start = _decode(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = self.table.query(**kwargs)
        return [_from_item(i) for i in page.get("Items", [])], _encode(page.get("LastEvaluatedKey"))

    def every(self) -> list[Notice]:
        items = query_items(
            self.table,
            IndexName="GSI2",
            ScanIndexForward=False,
            KeyConditionExpression=Key("GSI2PK").eq(keys.ALL_NOTICES_GSI),
        )
        return [_from_item(i) for i in items]


def default_store() -> DynamoNoticeStore:
    """The notice store on the process's main table."""
    return DynamoNoticeStore(aws.table())
