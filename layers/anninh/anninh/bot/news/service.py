"""Security news: a small, editable list of article links per OA, shown newest first in the chat.

An OA with no links of its own shows the default links in kb/data/news_default.json (official police
news sites).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field, HttpUrl

from anninh.bot.news.store import NewsStore
from anninh.clock import iso, utcnow

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "kb" / "data" / "news_default.json"


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


def default_links(oa_id: str, limit: int) -> list[NewsLink]:
    return [
        NewsLink(news_id=f"default-{n}", oa_id=oa_id, published_at="", **d)
        for n, d in enumerate(_defaults()[:limit])
    ]


@dataclass
class News:
    store: NewsStore

    def latest(self, oa_id: str, limit: int = 5) -> list[NewsLink]:
        """The OA's newest links, or the default links when it has none of its own."""
        items = self.store.latest(oa_id, limit)
        links = [NewsLink.model_validate({k: i[k] for k in NewsLink.model_fields}) for i in items]
        return links or default_links(oa_id, limit)

    def add(self, oa_id: str, data: NewsInput, editor: str, now: datetime | None = None) -> NewsLink:
        link = NewsLink(
            news_id=uuid.uuid4().hex[:12],
            oa_id=oa_id,
            title=data.title,
            url=str(data.url),
            published_at=iso(data.published_at or now or utcnow()),
        )
        self.store.put(oa_id, link.news_id, link.published_at, {"created_by": editor, **link.model_dump()})
        return link

    def remove(self, oa_id: str, news_id: str) -> bool:
        return self.store.delete(oa_id, news_id)
