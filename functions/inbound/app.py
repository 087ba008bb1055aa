"""Inbound queue consumer (FIFO): each Zalo event through the intake pipeline, partial batch failures."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.intake.envelope import InboundEnvelope
from anninh.observability import logger, metrics
from anninh.sqs_batch import BatchResponse, SqsRecord, process_models


def _record_handler(queued: InboundEnvelope, record: SqsRecord) -> None:
    envelope = queued.with_body()
    try:
        outcome = wiring.inbound_pipeline().process(envelope)
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


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    return process_models(event, InboundEnvelope, _record_handler, fifo=True)
