"""Media queue consumer (standard queue): download each attachment into the media bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh.media.queue import MediaJob
from anninh.media.worker import MediaWorker, default_worker
from anninh.observability import logger, metrics
from anninh.sqs_batch import BatchResponse, SqsRecord, process

_worker: MediaWorker | None = None


def _record_handler(record: SqsRecord) -> None:
    global _worker
    if _worker is None:
        _worker = default_worker()
    job = MediaJob.model_validate_json(record.body)
    attempt = record.receive_count
    try:
        result = _worker.process(job, attempt=attempt)
    except Exception:
        logger.exception(
            "media job failed; SQS will retry it", extra={"case_id": job.case_id, "media_id": job.media_id}
        )
        raise
    logger.info("media job", extra={"case_id": job.case_id, "media_id": job.media_id, "result": result})


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    return process(event, _record_handler)
