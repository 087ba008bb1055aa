"""Retention: conversations and media evidence are kept `settings.retention_days`, then removed.

What goes: conversation messages (PK=CONV#..., SK=MSG#<iso>#...) older than the cut-off, and media
objects in the S3 bucket (every version) whose record is older than the cut-off. What stays: the
cases and their figures (status, outcome, valuable, counts, times), the media record itself with its
checksum, size and type (marked `purged_at`, its object key removed), and the audit trail, which is
never deleted. The nightly scan is resumable: it stops before the function's deadline and the next
run picks up whatever is still old.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr
from pydantic import BaseModel

from anninh import aws
from anninh.clock import iso, utcnow
from anninh.observability import logger
from anninh.settings import get_settings

_KEY_FIELDS = ("s3_key", "object_key", "key", "s3Key")
_TIME_FIELDS = ("stored_at", "created_at", "fetched_at", "at")


class PurgeReport(BaseModel):
    cutoff: str
    messages_deleted: int = 0
    media_purged: int = 0
    objects_deleted: int = 0
    complete: bool = True


def _scan(table: Any, condition: Any, out_of_time: Callable[[], bool]) -> Any:
    kwargs: dict[str, Any] = {"FilterExpression": condition}
    while True:
        page = table.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page or out_of_time():
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _media_time(item: dict[str, Any]) -> str | None:
    for name in _TIME_FIELDS:
        value = item.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _delete_object_versions(s3: Any, bucket: str, key: str) -> int:
    deleted = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=key):
        targets = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            if v["Key"] == key
        ]
        if targets:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": targets, "Quiet": True})
            deleted += sum(1 for _ in targets)
    return deleted


def purge(
    now: datetime | None = None,
    retention_days: int | None = None,
    table: Any | None = None,
    s3: Any | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
) -> PurgeReport:
    settings = get_settings()
    now = now or utcnow()
    cutoff = iso(now - timedelta(days=retention_days or settings.retention_days))
    tbl = table or aws.table()
    s3 = s3 or aws.client("s3")
    report = PurgeReport(cutoff=cutoff)

    old_messages = (
        Attr("SK").begins_with("MSG#") & Attr("SK").lt(f"MSG#{cutoff}") & Attr("PK").begins_with("CONV#")
    )
    with tbl.batch_writer() as batch:
        for item in _scan(tbl, old_messages, out_of_time):
            batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
            report.messages_deleted += 1

    media = (
        Attr("SK").begins_with("MEDIA#") & Attr("PK").begins_with("CASE#") & Attr("purged_at").not_exists()
    )
    for item in _scan(tbl, media, out_of_time):
        stored = _media_time(item)
        if stored is None or stored >= cutoff:
            continue
        bucket = str(item.get("bucket") or settings.media_bucket)
        fields = [f for f in _KEY_FIELDS if isinstance(item.get(f), str) and item.get(f)]
        for name in fields:
            try:
                report.objects_deleted += _delete_object_versions(s3, bucket, str(item[name]))
            except Exception:
                logger.exception("media object not deleted", extra={"pk": item["PK"], "sk": item["SK"]})
                report.complete = False
                break
        else:
            names = {f"#k{i}": f for i, f in enumerate(fields)}
            expression = "SET purged_at = :at"
            if fields:
                expression += " REMOVE " + ", ".join(names)
            tbl.update_item(
                Key={"PK": item["PK"], "SK": item["SK"]},
                UpdateExpression=expression,
                ExpressionAttributeValues={":at": iso(now)},
                **({"ExpressionAttributeNames": names} if names else {}),
            )
            report.media_purged += 1
    if out_of_time():
        report.complete = False
    return report
