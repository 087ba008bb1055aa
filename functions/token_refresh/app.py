"""Scheduled job {"job": "token-refresh"}: refresh OA tokens that expire within the next hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from anninh import wiring
from anninh.observability import logger, metrics
from anninh.settings import get_settings


class TokenRefreshJob(BaseModel):
    job: Literal["token-refresh"]
    # Optional overrides for an operator's manual run.
    within_hours: float | None = Field(default=None, gt=0)
    oa_ids: list[str] | None = None


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=TokenRefreshJob)
def handler(event: TokenRefreshJob, context: LambdaContext) -> dict[str, Any]:
    hours = event.within_hours or get_settings().token_refresh_within_hours
    report = wiring.token_store().refresh_expiring(timedelta(hours=hours), event.oa_ids)
    logger.info("token refresh done", extra={"refreshed": report.refreshed, "failed": sorted(report.failed)})
    if report.not_connected:
        # Such an OA cannot answer anyone: connect it with scripts/connect_oa.py.
        logger.warning("OAs without tokens", extra={"oa_ids": report.not_connected})
    return {
        "refreshed": report.refreshed,
        "fresh": report.fresh,
        "not_connected": report.not_connected,
        "failed": report.failed,
    }
