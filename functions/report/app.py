"""Report queue consumer: renders each requested review-meeting report (HTML and PDF) into S3.

The only function with the report layer (fpdf2 and the report font); the officer API only queues.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.clock import utcnow
from anninh.observability import logger, metrics
from anninh.reports.service import ReportJob, ReportNotFound, make_report, mark_failed
from anninh.sqs_batch import BatchResponse, SqsRecord, process_models

# A report that fails this many times is marked failed (the queue's maxReceiveCount is higher).
GIVE_UP_AFTER = 3


def _record_handler(job: ReportJob, record: SqsRecord) -> None:
    report_id = job.report_id
    ports = wiring.report_ports()
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


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    return process_models(event, ReportJob, _record_handler, on_invalid="drop")
