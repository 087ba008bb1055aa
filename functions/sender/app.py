"""Outbox consumer: sends each queued message to Zalo exactly once (see anninh.sending)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.observability import logger, metrics
from anninh.sending import handle_outbox_batch


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_outbox_batch(event, context, sender=wiring.outbox_sender())
