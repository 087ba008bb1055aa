"""Media queue consumer (standard queue): download each attachment into the media bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.media.queue import MediaJob
from anninh.observability import logger, metrics
from anninh.sqs_batch import BatchResponse, SqsRecord, process_models


def _record_handler(job: MediaJob, record: SqsRecord) -> None:
    attempt = record.receive_count
    try:
        result = wiring.media_worker().process(job, attempt=attempt)
    except Exception:
        logger.exception(
            "media job failed; SQS will retry it", extra={"case_id": job.case_id, "media_id": job.media_id}
        )
        raise
    logger.info("media job", extra={"case_id": job.case_id, "media_id": job.media_id, "result": result})


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    return process_models(event, MediaJob, _record_handler)
