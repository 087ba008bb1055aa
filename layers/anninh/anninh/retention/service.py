"""Retention: conversations and media evidence are kept `settings.retention_days`, then removed.

What goes: conversation messages older than the cut-off, and media objects in the S3 bucket (every
version) whose record is older than the cut-off. What stays: the cases and their figures (status,
outcome, valuable, counts, times), the media record itself with its checksum, size and type (marked
`purged_at`, its object key removed), and the audit trail, which is never deleted. The nightly sweep
is resumable: it stops before the function's deadline and the next run picks up whatever is still old.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from anninh.clock import iso, utcnow
from anninh.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

OutOfTime = Callable[[], bool]


class MessageSweep(Protocol):
    """The conversations' store, as the purge uses it."""

    def delete_messages_before(self, cutoff_iso: str, out_of_time: OutOfTime) -> int: ...


class MediaSweep(Protocol):
    """The cases' store, as the purge uses it (media records live in the case's partition)."""

    def unpurged_media(self, out_of_time: OutOfTime) -> Iterator[dict[str, Any]]: ...
    def mark_media_purged(self, pk: str, sk: str, key_fields: list[str], at_iso: str) -> None: ...


_KEY_FIELDS = ("s3_key", "object_key", "key", "s3Key")
_TIME_FIELDS = ("stored_at", "created_at", "fetched_at", "at")


class PurgeReport(BaseModel):
    cutoff: str
    messages_deleted: int = 0
    media_purged: int = 0
    objects_deleted: int = 0
    complete: bool = True


def media_time(item: dict[str, Any]) -> str | None:
    """When a media record was stored (the first time attribute it has)."""
    for name in _TIME_FIELDS:
        value = item.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def object_key_fields(item: dict[str, Any]) -> list[str]:
    """The attributes of a media record that name an S3 object."""
    return [f for f in _KEY_FIELDS if isinstance(item.get(f), str) and item.get(f)]


def _delete_object_versions(s3: S3Client, bucket: str, key: str) -> int:
    deleted = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=key):
        targets: list[ObjectIdentifierTypeDef] = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            if v["Key"] == key
        ]
        if targets:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": targets, "Quiet": True})
            deleted += len(targets)
    return deleted


@dataclass
class Retention:
    """The nightly purge over the areas' own stores: conversations (messages) and cases (media)."""

    messages: MessageSweep
    media: MediaSweep
    s3: S3Client
    media_bucket: str
    retention_days: int

    def purge(
        self,
        now: datetime | None = None,
        retention_days: int | None = None,
        out_of_time: Callable[[], bool] = lambda: False,
    ) -> PurgeReport:
        now = now or utcnow()
        cutoff = iso(now - timedelta(days=retention_days or self.retention_days))
        report = PurgeReport(cutoff=cutoff)
        report.messages_deleted = self.messages.delete_messages_before(cutoff, out_of_time)
        for item in self.media.unpurged_media(out_of_time):
            stored = media_time(item)
            if stored is None or stored >= cutoff:
                continue
            bucket = str(item.get("bucket") or self.media_bucket)
            fields = object_key_fields(item)
            for name in fields:
                try:
                    report.objects_deleted += _delete_object_versions(self.s3, bucket, str(item[name]))
                except Exception:
                    logger.exception("media object not deleted", extra={"pk": item["PK"], "sk": item["SK"]})
                    report.complete = False
                    break
            else:
                self.media.mark_media_purged(item["PK"], item["SK"], fields, iso(now))
                report.media_purged += 1
        if out_of_time():
            report.complete = False
        return report
