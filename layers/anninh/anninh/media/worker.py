"""The media worker: one queued attachment -> bytes in the private bucket, recorded on the case.

Idempotent (a stored or permanently refused attachment is skipped). A refusal (hostile or disallowed
URL, too large, wrong type, 404) is recorded on the case's MEDIA item at once and not retried; a
transient failure is raised so SQS retries it, and on the last attempt it is recorded as failed
instead, so nothing is lost silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anninh.clock import iso, utcnow
from anninh.media.fetcher import MediaFetcher, Sink, TransientFetchError
from anninh.media.guard import Refused
from anninh.media.queue import MediaJob
from anninh.media.storage import media_key
from anninh.observability import logger, metrics

MAX_ATTEMPTS = 4  # the media queue's maxReceiveCount


@dataclass
class MediaWorker:
    fetcher: MediaFetcher
    sink_for: Callable[[str, dict[str, str]], Sink]  # (key, tags) -> sink
    get_media: Callable[[str, str], dict[str, Any] | None]  # the case store's media item
    update_media: Callable[..., None]
    clock: Callable[[], datetime] = utcnow
    max_attempts: int = MAX_ATTEMPTS

    def process(self, job: MediaJob, attempt: int = 1) -> str:
        item = self.get_media(job.case_id, job.sk)
        if item is None:
            logger.warning("media item missing", extra={"case_id": job.case_id, "sk": job.sk})
            return "missing"
        if item.get("status") == "stored" or (item.get("status") == "failed" and item.get("permanent")):
            return "already_done"
        key = media_key(job.case_id, job.media_id)
        tags = {"case_id": job.case_id, "media_id": job.media_id, "kind": job.kind, "source": "zalo"}
        try:
            result = self.fetcher.download(job.url, job.kind, self.sink_for(key, tags))
        except Refused as refused:
            self.update_media(
                job.case_id,
                job.sk,
                status="failed",
                reason=refused.reason,
                permanent=True,
                failed_at=iso(self.clock()),
                attempts=attempt,
            )
            metrics.add_metric(name="MediaRefused", unit="Count", value=1)
            logger.warning("media refused", extra={"case_id": job.case_id, "reason": refused.reason})
            return "refused"
        except TransientFetchError as exc:
            if attempt >= self.max_attempts:
                self.update_media(
                    job.case_id,
                    job.sk,
                    status="failed",
                    reason=f"retries_exhausted: {exc}",
                    permanent=True,
                    failed_at=iso(self.clock()),
                    attempts=attempt,
                )
                metrics.add_metric(name="MediaFailed", unit="Count", value=1)
                return "failed"
            self.update_media(job.case_id, job.sk, status="retrying", last_error=str(exc), attempts=attempt)
            raise
        self.update_media(
            job.case_id,
            job.sk,
            status="stored",
            s3_key=key,
            sha256=result.sha256,
            size=result.size,
            content_type=result.content_type,
            stored_at=iso(self.clock()),
            attempts=attempt,
        )
        metrics.add_metric(name="MediaStored", unit="Count", value=1)
        return "stored"
