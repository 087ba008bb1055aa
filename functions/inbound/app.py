"""Inbound queue consumer (FIFO): each Zalo event through the intake pipeline, partial batch failures."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh.intake.envelope import InboundEnvelope
from anninh.intake.pipeline import Pipeline, default_pipeline
from anninh.observability import logger, metrics
from anninh.sqs_batch import BatchResponse, SqsRecord, process

_pipeline: Pipeline | None = None


def _record_handler(record: SqsRecord) -> None:
    global _pipeline
    if _pipeline is None:
        _pipeline = default_pipeline()
    envelope = InboundEnvelope.model_validate_json(record.body).with_body()
    try:
        outcome = _pipeline.process(envelope)
    except Exception:
        # Reported as a batch item failure (SQS retries it, then the DLQ keeps it); log why.
        logger.exception(
            "inbound event failed",
            extra={"event_name": envelope.event_name, "dedupe_key": envelope.dedupe_key},
        )
        raise
    logger.info(
        "inbound event",
        extra={
            "event_name": envelope.event_name,
            "dedupe_key": envelope.dedupe_key,
            "action": outcome.action,
        },
    )


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    return process(event, _record_handler, fifo=True)
