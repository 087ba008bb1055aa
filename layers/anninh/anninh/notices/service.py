"""Notices for editors (create, change, withdraw) and citizens (the published feed), over a store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from anninh.clock import iso, utcnow
from anninh.notices.rules import Notice, NoticeInput, NoticePatch
from anninh.notices.store import NoticeStore


@dataclass
class Notices:
    store: NoticeStore

    def create(self, data: NoticeInput, *, unit_id: str, editor: str, now: datetime | None = None) -> Notice:
        now = now or utcnow()
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
        self.store.create(notice)
        return notice

    def get(self, notice_id: str) -> Notice | None:
        return self.store.get(notice_id)

    def update(self, notice_id: str, patch: NoticePatch, *, now: datetime | None = None) -> Notice | None:
        current = self.store.get(notice_id)
        if current is None:
            return None
        changes = patch.model_dump(exclude_none=True)
        if "photo_url" in changes:
            changes["photo_url"] = str(changes["photo_url"])
        notice = current.model_copy(update={**changes, "updated_at": iso(now or utcnow())})
        self.store.put(notice)  # the whole item, so the feed follows the status
        return notice

    def withdraw(self, notice_id: str, *, now: datetime | None = None) -> Notice | None:
        return self.update(notice_id, NoticePatch(status="withdrawn"), now=now)

    def list_published(
        self, limit: int = 3, cursor: str | None = None, kind: str | None = None
    ) -> tuple[list[Notice], str | None]:
        """Published notices, newest first; returns (page, next cursor). With `kind`, the first
        `limit` of that kind in one query page, and no cursor."""
        if kind:
            items, _ = self.store.published_page(None, cursor)
            return [n for n in items if n.kind == kind][:limit], None
        return self.store.published_page(limit, cursor)

    def list_for_editors(self) -> list[Notice]:
        """Every notice, published or withdrawn, newest first (editors' view)."""
        return self.store.every()

    def put(self, notice: Notice) -> None:
        """Store a notice as it is (replacing one with the same id), e.g. notices seeded for a demo."""
        self.store.put(notice)
