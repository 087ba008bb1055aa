"""Wanted-person and missing-person notices: written by editors, browsed by citizens newest first.

Pure rules: the records, what an editor may send, and how a tip refers to a notice. A citizen can
report a tip about a notice with the button payload `báo tin #<notice_id>` (handled by the tip intake).
Storage (the feed of published notices, the editors' list) is in `notices.store`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, HttpUrl

KIND_LABELS = {"wanted": "Thông báo truy nã", "missing": "Tìm người thân, người mất tích"}
NoticeKind = Literal["wanted", "missing"]
NoticeStatus = Literal["published", "withdrawn"]


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
