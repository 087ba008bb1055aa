"""Report queue consumer: renders each requested review-meeting report (HTML and PDF) into S3.

The only function with the report layer (fpdf2 and the report font); the officer API only queues.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.clock import utcnow
from anninh.observability import logger, metrics
from anninh.registry.store import current_registry
from anninh.reports.service import ReportNotFound, ReportPorts, kb_titles, make_report, mark_failed
from anninh.sqs_batch import BatchResponse, SqsRecord, process

# A report that fails this many times is marked failed (the queue's maxReceiveCount is higher).
GIVE_UP_AFTER = 3


def _record_handler(record: SqsRecord) -> None:
    report_id = str(json.loads(record.body).get("report_id") or "")
    ports = ReportPorts(current_registry(), wiring.stats_store(), kb_titles=kb_titles())
    attempt = record.receive_count
    try:
        done = make_report(ports, report_id, now=utcnow())
    except ReportNotFound:
        logger.warning("report request for an unknown report; dropped", extra={"report_id": report_id})
        return
    except Exception as exc:
        logger.exception("report failed", extra={"report_id": report_id, "attempt": attempt})
        if attempt >= GIVE_UP_AFTER:
            mark_failed(ports, report_id, f"{type(exc).__name__}: {exc}", now=utcnow())
            return
        raise
    logger.info("report ready", extra={"report_id": report_id, "pdf_bytes": done.get("pdf_bytes")})


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    return process(event, _record_handler)
