"""The one place that creates the logger and the metrics (names come from POWERTOOLS_* in Globals).

Tracing: every function has `Tracing: Active`, so Lambda records each invocation in X-Ray (with its
cold-start init time) without any SDK in the code. Powertools' Tracer is not used: it needs the X-Ray
SDK (`aws-lambda-powertools[tracer]`), which is in maintenance mode, brings a second botocore (~30 MB)
into the layer and costs ~0.2 s of cold start. How to add OpenTelemetry spans later: docs/architecture.md.
Handlers emit the ColdStart metric (`log_metrics(capture_cold_start_metric=True)`).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
