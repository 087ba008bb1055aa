"""Wanted-person and missing-person notices: written by editors, browsed by citizens newest first.

Item: `keys.notice(id)`; while published it is on the feed `GSI1PK=NOTICES, GSI1SK=<published_iso>#<id>`
(withdrawn notices leave the feed but stay readable by editors). A citizen can report a tip about a
notice with the button payload `báo tin #<notice_id>` (handled by the tip intake).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import datetime
from typing import Any, Literal

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, Field, HttpUrl

from anninh import aws, keys
from anninh.clock import iso, utcnow
from anninh.dynamo import query_items

KIND_LABELS = {"wanted": "Thông báo truy nã", "missing": "Tìm người thân, người mất tích"}
NoticeKind = Literal["wanted", "missing"]
NoticeStatus = Literal["published", "withdrawn"]
# Every notice, whatever its status (editors' list): GSI2PK=NOTICES#ALL GSI2SK=<published_iso>#<id>
ALL_NOTICES_GSI = "NOTICES#ALL"


class Notice(BaseModel):
    notice_id: str
    kind: NoticeKind
    title: str
    name: str = ""
    description: str = ""
    photo_url: str = ""
    contact: str = ""
    unit_id: str
    published_at: str
    status: NoticeStatus = "published"
    created_by: str = ""
    updated_at: str = ""


class NoticeInput(BaseModel):
    kind: NoticeKind
    title: str = Field(min_length=3, max_length=200)
    name: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=1500)
    photo_url: HttpUrl | None = None
    contact: str = Field(default="", max_length=300)
    unit_id: str | None = None
    published_at: datetime | None = None
    status: NoticeStatus = "published"

    model_config = {"extra": "forbid"}


class NoticePatch(BaseModel):
    kind: NoticeKind | None = None
    title: str | None = Field(default=None, min_length=3, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=1500)
    photo_url: HttpUrl | None = None
    contact: str | None = Field(default=None, max_length=300)
    status: NoticeStatus | None = None

    model_config = {"extra": "forbid"}


_TIP_REF = re.compile(r"#\s*([A-Za-z0-9][A-Za-z0-9-]{0,63})")


def tip_reference(text: str) -> str | None:
    """The notice id in a tip opened from a notice's button ("báo tin #<notice_id> ..."), or None.

    For the tip intake: the id is read from the raw text (folding drops '#'); check it with `get()`.
    """
    from anninh.text import starts_with_phrase

    if not (starts_with_phrase(text, "báo tin") or starts_with_phrase(text, "tố giác")):
        return None
    m = _TIP_REF.search(text)
    return m.group(1).lower() if m else None


def _item(notice: Notice) -> dict[str, Any]:
    item: dict[str, Any] = {
        **keys.notice(notice.notice_id),
        "type": "notice",
        **notice.model_dump(),
        "GSI2PK": ALL_NOTICES_GSI,
        "GSI2SK": f"{notice.published_at}#{notice.notice_id}",
    }
    if notice.status == "published":
        item["GSI1PK"] = keys.NOTICES_GSI
        item["GSI1SK"] = f"{notice.published_at}#{notice.notice_id}"
    return item


def _from_item(item: dict[str, Any]) -> Notice:
    return Notice.model_validate({k: v for k, v in item.items() if k in Notice.model_fields})


def create(
    data: NoticeInput, *, unit_id: str, editor: str, now: datetime | None = None, table: Any | None = None
) -> Notice:
    now = now or utcnow()
    table = table or aws.table()
    notice = Notice(
        notice_id=uuid.uuid4().hex[:12],
        kind=data.kind,
        title=data.title,
        name=data.name,
        description=data.description,
        photo_url=str(data.photo_url or ""),
        contact=data.contact,
        unit_id=data.unit_id or unit_id,
        published_at=iso(data.published_at or now),
        status=data.status,
        created_by=editor,
        updated_at=iso(now),
    )
    table.put_item(Item=_item(notice), ConditionExpression="attribute_not_exists(PK)")
    return notice


def get(notice_id: str, table: Any | None = None) -> Notice | None:
    table = table or aws.table()
    item = table.get_item(Key=keys.notice(notice_id)).get("Item")
    return _from_item(item) if item else None


def update(
    notice_id: str, patch: NoticePatch, *, now: datetime | None = None, table: Any | None = None
) -> Notice | None:
    table = table or aws.table()
    current = get(notice_id, table)
    if current is None:
        return None
    changes = patch.model_dump(exclude_none=True)
    if "photo_url" in changes:
        changes["photo_url"] = str(changes["photo_url"])
    notice = current.model_copy(update={**changes, "updated_at": iso(now or utcnow())})
    # Rewrite the whole item so the feed attributes follow the status.
    table.put_item(Item=_item(notice))
    return notice


def withdraw(notice_id: str, *, now: datetime | None = None, table: Any | None = None) -> Notice | None:
    return update(notice_id, NoticePatch(status="withdrawn"), now=now, table=table)


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


def list_published(
    limit: int = 3, cursor: str | None = None, kind: str | None = None, table: Any | None = None
) -> tuple[list[Notice], str | None]:
    """Published notices, newest first; returns (page, next cursor)."""
    table = table or aws.table()
    kwargs: dict[str, Any] = {
        "IndexName": "GSI1",
        "ScanIndexForward": False,
        "Limit": limit,
        "KeyConditionExpression": Key("GSI1PK").eq(keys.NOTICES_GSI),
    }
    start = _decode(cursor)
    if start:
        kwargs["ExclusiveStartKey"] = start
    if kind:
        kwargs.pop("Limit")
    page = table.query(**kwargs)
    items = [_from_item(i) for i in page.get("Items", [])]
    if kind:
        items = [n for n in items if n.kind == kind][:limit]
        return items, None
    return items, _encode(page.get("LastEvaluatedKey"))


def list_for_editors(table: Any | None = None) -> list[Notice]:
    """Every notice, published or withdrawn, newest first (editors' view)."""
    items = query_items(
        table or aws.table(),
        IndexName="GSI2",
        ScanIndexForward=False,
        KeyConditionExpression=Key("GSI2PK").eq(ALL_NOTICES_GSI),
    )
    return [_from_item(i) for i in items]


def put(notice: Notice, table: Any | None = None) -> None:
    """Store a notice as it is (replacing one with the same id), e.g. notices seeded for a demo."""
    (table or aws.table()).put_item(Item=_item(notice))
