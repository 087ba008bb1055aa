"""Retention of conversations and media evidence (sweeps in `store`, the purge in `service`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from anninh import aws
from anninh.retention.service import PurgeReport, Retention, media_time, object_key_fields
from anninh.retention.store import DynamoRetentionStore, RetentionStore, default_store
from anninh.settings import get_settings

__all__ = [
    "DynamoRetentionStore",
    "PurgeReport",
    "Retention",
    "RetentionStore",
    "default_store",
    "media_time",
    "object_key_fields",
    "purge",
    "service",
]


def service() -> Retention:
    """Retention on the process's main table, media bucket and retention period."""
    settings = get_settings()
    return Retention(default_store(), aws.client("s3"), settings.media_bucket, settings.retention_days)


def purge(
    now: datetime | None = None,
    retention_days: int | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
) -> PurgeReport:
    return service().purge(now, retention_days, out_of_time)
