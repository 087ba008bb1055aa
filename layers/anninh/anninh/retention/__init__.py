"""Retention of conversations and media evidence: the purge (`service`) over the conversations' and
the cases' stores, which own the sweeps of their items."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from anninh import aws
from anninh.cases import store as case_store
from anninh.conversations import store as conversation_store
from anninh.retention.service import (
    MediaSweep,
    MessageSweep,
    PurgeReport,
    Retention,
    media_time,
    object_key_fields,
)
from anninh.settings import get_settings

__all__ = [
    "MediaSweep",
    "MessageSweep",
    "PurgeReport",
    "Retention",
    "media_time",
    "object_key_fields",
    "purge",
    "service",
]


def service() -> Retention:
    """Retention on the process's main table, media bucket and retention period."""
    settings = get_settings()
    return Retention(
        conversation_store.default_store(),
        case_store.default_store(),
        aws.client("s3"),
        settings.media_bucket,
        settings.retention_days,
    )


def purge(
    now: datetime | None = None,
    retention_days: int | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
) -> PurgeReport:
    return service().purge(now, retention_days, out_of_time)
