"""The one place that creates logger, tracer and metrics (names come from POWERTOOLS_* in Globals)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
