"""Wanted-person and missing-person notices (pure rules, store, service)."""

from __future__ import annotations

from anninh.notices.rules import (
    KIND_LABELS,
    Notice,
    NoticeInput,
    NoticeKind,
    NoticePatch,
    NoticeStatus,
    tip_reference,
)
from anninh.notices.service import Notices
from anninh.notices.store import DynamoNoticeStore, NoticeStore, default_store

__all__ = [
    "KIND_LABELS",
    "DynamoNoticeStore",
    "Notice",
    "NoticeInput",
    "NoticeKind",
    "NoticePatch",
    "NoticeStatus",
    "NoticeStore",
    "Notices",
    "default_store",
    "service",
    "tip_reference",
]


def service() -> Notices:
    """Notices on the process's main table."""
    return Notices(default_store())
