"""Canned replies: editors (and admins) write them; officers pick them when replying.

A reply with a `unit_id` is offered to that unit and the units under it; without one, to everyone.
Who may see or change which reply is decided by the route (it holds the caller); this service keeps
the records and their rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from anninh.canned.store import CannedStore
from anninh.dynamo import plain
from anninh.text import fold

FIELDS = (
    "reply_id",
    "title",
    "text",
    "unit_id",
    "tags",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
)


def view(item: dict[str, Any]) -> dict[str, Any]:
    """What the API shows of a reply (`id` repeats `reply_id`)."""
    out = {k: plain(item.get(k)) for k in FIELDS}
    out["id"] = out["reply_id"]
    return out


def matches(reply: dict[str, Any], needle: str) -> bool:
    """A reply's title, text or tags contain the folded search text."""
    return needle in fold(f"{reply['title']} {reply['text']} {' '.join(reply['tags'] or [])}")


class CannedService:
    def __init__(self, store: CannedStore, new_id: Callable[[], str] | None = None) -> None:
        self.store = store
        self.new_id = new_id or (lambda: uuid.uuid4().hex[:12])

    def offered(self, offered_to: Callable[[str | None], bool], q: str | None = None) -> list[dict[str, Any]]:
        """Views of the replies `offered_to` accepts (by unit), matching `q`, by title."""
        views = [view(i) for i in self.store.all() if offered_to(i.get("unit_id"))]
        needle = fold(q) if q else ""
        if needle:
            views = [v for v in views if matches(v, needle)]
        views.sort(key=lambda v: fold(str(v["title"])))
        return views

    def get(self, reply_id: str) -> dict[str, Any] | None:
        return self.store.get(reply_id)

    def create(
        self, *, title: str, text: str, unit_id: str | None, tags: list[str], by: str, at: str
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "reply_id": self.new_id(),
            "title": title,
            "text": text,
            "tags": tags,
            "created_at": at,
            "created_by": by,
            "updated_at": at,
            "updated_by": by,
        }
        if unit_id:
            item["unit_id"] = unit_id
        self.store.put(item)
        return item

    def update(self, item: dict[str, Any], changes: dict[str, Any], by: str, at: str) -> dict[str, Any]:
        """The reply with `changes` applied (`unit_id` None: offered to everyone), written whole."""
        out = dict(item)
        for name, value in changes.items():
            if value is None:
                out.pop(name, None)
            else:
                out[name] = value
        out.update({"updated_at": at, "updated_by": by})
        self.store.put(out)
        return out

    def delete(self, reply_id: str) -> None:
        self.store.delete(reply_id)
