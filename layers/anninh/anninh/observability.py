"""The one place that creates logger, tracer and metrics (names come from POWERTOOLS_* in Globals).

The tracer is created on first use: importing the X-Ray SDK costs ~0.25 s of cold start, and the
webhook - which must answer Zalo within 2 s - does not trace subsegments (Lambda's active tracing
still records its invocation).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger()
metrics = Metrics()


@cache
def _tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer()


def __getattr__(name: str) -> Any:
    if name == "tracer":
        return _tracer()
    raise AttributeError(name)
