"""Broadcast sender: sends campaign batches under the app-wide shared rate limit, exactly once per
recipient (see anninh.campaigns.sender and anninh.campaigns.deliveries)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.campaigns import runtime
from anninh.campaigns.model import Batch
from anninh.observability import logger, metrics
from anninh.sqs_batch import SqsRecord, process_models


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    worker = wiring.broadcast_sender(context.get_remaining_time_in_millis)

    def record_handler(batch: Batch, record: SqsRecord) -> None:
        runtime.send_batch(batch, worker)

    # A body that is not a batch is dropped (logged): no retry can fix it. A batch whose every record
    # must come back later is reported like any partial failure, not raised as a function error.
    return dict(
        process_models(event, Batch, record_handler, on_invalid="drop", raise_on_entire_batch_failure=False)
    )
