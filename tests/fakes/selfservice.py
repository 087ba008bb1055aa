"""In-memory stores for the self-service areas: hotlines, security news, notices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from anninh.notices import Notice


@dataclass
class InMemoryHotlineStore:
    lists: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    edits: list[tuple[str, str, str]] = field(default_factory=list)  # (unit, editor, at)

    def get(self, unit_id: str) -> list[dict[str, str]]:
        return list(self.lists.get(unit_id, []))

    def put(self, unit_id: str, hotlines: list[dict[str, str]], editor: str, at_iso: str) -> None:
        self.lists[unit_id] = list(hotlines)
        self.edits.append((unit_id, editor, at_iso))


@dataclass
class InMemoryNewsStore:
    items: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def latest(self, oa_id: str, limit: int) -> list[dict[str, Any]]:
        mine = [i for (oa, _), i in self.items.items() if oa == oa_id]
        return sorted(mine, key=lambda i: i["published_at"], reverse=True)[:limit]

    def put(self, oa_id: str, news_id: str, published_at: str, attributes: dict[str, Any]) -> None:
        self.items[(oa_id, news_id)] = {**attributes, "published_at": published_at}

    def delete(self, oa_id: str, news_id: str) -> bool:
        return self.items.pop((oa_id, news_id), None) is not None


@dataclass
class InMemoryNoticeStore:
    notices: dict[str, Notice] = field(default_factory=dict)

    def create(self, notice: Notice) -> None:
        if notice.notice_id in self.notices:
            raise ValueError("notice exists")
        self.notices[notice.notice_id] = notice

    def put(self, notice: Notice) -> None:
        self.notices[notice.notice_id] = notice

    def get(self, notice_id: str) -> Notice | None:
        return self.notices.get(notice_id)

    def _newest_first(self) -> list[Notice]:
        return sorted(self.notices.values(), key=lambda n: (n.published_at, n.notice_id), reverse=True)

    def published_page(self, limit: int | None, cursor: str | None) -> tuple[list[Notice], str | None]:
        feed = [n for n in self._newest_first() if n.status == "published"]
        start = 0
        if cursor:
            ids = [n.notice_id for n in feed]
            if cursor not in ids:
                raise ValueError("invalid cursor")
            start = ids.index(cursor) + 1
        page = feed[start:] if limit is None else feed[start : start + limit]
        more = limit is not None and start + limit < len(feed)
        return page, (page[-1].notice_id if more and page else None)

    def every(self) -> list[Notice]:
        return self._newest_first()
