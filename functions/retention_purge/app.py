"""Nightly retention purge (EventBridge schedule, input {"job": "retention-purge"}): the edge only."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.parser import BaseModel, event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.observability import logger, metrics

SAFETY_MS = 30_000  # stop scanning this long before the deadline; the next night continues


class PurgeJob(BaseModel):
    job: Literal["retention-purge"] = "retention-purge"
    retention_days: int | None = None


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=PurgeJob)
def handler(job: PurgeJob, context: LambdaContext) -> dict[str, Any]:
    report = wiring.retention().purge(
        retention_days=job.retention_days,
        out_of_time=lambda: context.get_remaining_time_in_millis() < SAFETY_MS,
    )
    metrics.add_metric(name="RetentionMessagesDeleted", unit="Count", value=report.messages_deleted)
    metrics.add_metric(name="RetentionMediaPurged", unit="Count", value=report.media_purged)
    logger.info("retention purge", extra=report.model_dump())
    return report.model_dump()
