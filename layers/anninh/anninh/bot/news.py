"""Security news: a small, editable list of article links per OA, shown newest first in the chat.

Items `keys.news_item(oa_id, id)` on `GSI1PK=OA#<oa_id>#NEWS, GSI1SK=<published_iso>`. An OA with no
links of its own shows the default links in kb/data/news_default.json (official police news sites).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, Field, HttpUrl

from anninh import aws, keys
from anninh.clock import iso, utcnow

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "kb" / "data" / "news_default.json"


class NewsLink(BaseModel):
    news_id: str
    oa_id: str
    title: str
    url: str
    published_at: str


class NewsInput(BaseModel):
    title: str = Field(min_length=3, max_length=150)
    url: HttpUrl
    published_at: datetime | None = None

    model_config = {"extra": "forbid"}


@cache
def _defaults() -> list[dict[str, str]]:
    return list(json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))["links"])


def latest(oa_id: str, limit: int = 5, table: Any | None = None) -> list[NewsLink]:
    table = table or aws.table()
    page = table.query(
        IndexName="GSI1",
        ScanIndexForward=False,
        Limit=limit,
        KeyConditionExpression=Key("GSI1PK").eq(keys.oa_news_gsi(oa_id)),
    )
    links = [NewsLink.model_validate({k: i[k] for k in NewsLink.model_fields}) for i in page.get("Items", [])]
    if links:
        return links
    return [
        NewsLink(news_id=f"default-{n}", oa_id=oa_id, published_at="", **d)
        for n, d in enumerate(_defaults()[:limit])
    ]


def add(
    oa_id: str, data: NewsInput, editor: str, now: datetime | None = None, table: Any | None = None
) -> NewsLink:
    table = table or aws.table()
    link = NewsLink(
        news_id=uuid.uuid4().hex[:12],
        oa_id=oa_id,
        title=data.title,
        url=str(data.url),
        published_at=iso(data.published_at or now or utcnow()),
    )
    table.put_item(
        Item={
            **keys.news_item(oa_id, link.news_id),
            "type": "news",
            "GSI1PK": keys.oa_news_gsi(oa_id),
            "GSI1SK": link.published_at,
            "created_by": editor,
            **link.model_dump(),
        }
    )
    return link


def remove(oa_id: str, news_id: str, table: Any | None = None) -> bool:
    table = table or aws.table()
    old = table.delete_item(Key=keys.news_item(oa_id, news_id), ReturnValues="ALL_OLD")
    return bool(old.get("Attributes"))
