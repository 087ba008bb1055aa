"""Campaign planner: plans campaigns from the campaign queue, and every minute (EventBridge
`{"job": "due-campaigns"}`) starts those whose send time has come (see anninh.campaigns.planner)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.campaigns import runtime
from anninh.observability import logger, metrics
from anninh.sqs_batch import SqsRecord, process_models


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    worker = wiring.campaign_planner(context.get_remaining_time_in_millis)
    if event.get("job") == "due-campaigns":
        return {"job": "due-campaigns", **worker.sweep()}

    def record_handler(job: runtime.CampaignJob, record: SqsRecord) -> None:
        runtime.plan(job, worker)

    # A body without a campaign id is dropped (logged): no retry can fix it. A batch whose every record
    # must come back later is reported like any partial failure, not raised as a function error.
    return dict(
        process_models(
            event, runtime.CampaignJob, record_handler, on_invalid="drop", raise_on_entire_batch_failure=False
        )
    )
