"""Media queue consumer (standard queue): download each attachment into the media bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh.media.queue import MediaJob
from anninh.media.worker import MediaWorker, default_worker
from anninh.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)
_worker: MediaWorker | None = None


def _record_handler(record: SQSRecord) -> None:
    global _worker
    if _worker is None:
        _worker = default_worker()
    job = MediaJob.model_validate_json(record.body)
    attempt = int(record.attributes.approximate_receive_count or 1)
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
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=_record_handler, processor=processor, context=context
    )
