"""StatsRollupFunction: nightly roll-up of counters into daily figures per unit (Vietnam days).

Event: {"job": "stats-rollup"} rolls up yesterday; {"job": "stats-rollup", "day": "2026-05-01"} or
{"job": "stats-rollup", "days": [...]} rolls up the given days (re-running gives the same result).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser import BaseModel, event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field, field_validator

from anninh import wiring
from anninh.clock import utcnow
from anninh.observability import logger, metrics
from anninh.registry.store import current_registry
from anninh.stats.rollup import roll_up_days, yesterday

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RollupJob(BaseModel):
    job: Literal["stats-rollup"]
    day: str | None = None
    days: list[str] = Field(default_factory=list)

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        for day in value:
            if not _DAY.match(day):
                raise ValueError(f"not a day: {day}")
        return value

    @field_validator("day")
    @classmethod
    def _day(cls, value: str | None) -> str | None:
        if value is not None and not _DAY.match(value):
            raise ValueError(f"not a day: {value}")
        return value


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=RollupJob)
def handler(event: RollupJob, context: LambdaContext) -> dict[str, Any]:
    now = utcnow()
    days = event.days or [event.day or yesterday(now)]
    registry = current_registry()
    store = wiring.stats_store()
    results = []
    for result in roll_up_days(registry, store, days, now):
        logger.info(
            "stats rolled up",
            extra={"day": result.day, "units": result.units, "oas": result.oas_with_activity},
        )
        results.append(
            {"day": result.day, "units": result.units, "oas_with_activity": result.oas_with_activity}
        )
    metrics.add_metric(name="StatsDaysRolledUp", unit="Count", value=len(results))
    return {"rolled_up": results}
