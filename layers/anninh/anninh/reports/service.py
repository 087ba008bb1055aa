"""Review-meeting reports off the request path: the API asks, the report function renders.

`request_report` (officer API) stores a queued record and puts its id on the report queue, so the
request answers 202 at once; `make_report` (ReportFunction, the only function with the PDF stack)
builds the content, renders HTML and PDF into S3 (REPORTS_BUCKET) and marks the record ready, or
failed with a reason; `load_report` shows the progress and, once ready, fresh presigned links.

Record: `reports.store` (PK=REPORT#<id> SK=REPORT, GSI1PK=REPORTS#<unit_id>; anninh.keys).
Objects: reports/<unit_id>/<id>/bao-cao-so-ket.html and .pdf (expired by the bucket's lifecycle).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from anninh import aws
from anninh.clock import iso, vn_day
from anninh.registry import Registry
from anninh.reports.store import ReportStore, default_store
from anninh.settings import get_settings
from anninh.stats.store import StatsStore

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

URL_SECONDS = 900
FILE_NAME = "bao-cao-so-ket"
Status = Literal["queued", "ready", "failed"]


class ReportJob(BaseModel):
    """A ReportQueue message: the id of the report to render."""

    report_id: str = Field(min_length=1, max_length=80)


class ReportNotFound(LookupError):
    """No such report (or one the caller may not see)."""


@dataclass
class ReportPorts:
    registry: Registry
    store: StatsStore
    s3: S3Client | None = None
    records: ReportStore = field(default_factory=default_store)
    sqs: SQSClient | None = None
    kb_titles: dict[str, str] | None = None

    def s3_client(self) -> Any:
        return self.s3 or aws.client("s3")

    def sqs_client(self) -> Any:
        return self.sqs or aws.client("sqs")


def kb_titles() -> dict[str, str]:
    """Titles of the procedure knowledge-base entries (top questions show titles, not ids)."""
    try:
        from anninh.kb import current_entries

        return {entry_id: entry.title for entry_id, entry in current_entries().items()}
    except Exception:  # the report still renders, with entry ids, if the KB cannot be read
        return {}


def _put(ports: ReportPorts, record: dict[str, Any]) -> None:
    ports.records.put(record)


def request_report(
    ports: ReportPorts, unit_id: str, start: date, end: date, *, created_by: str, now: datetime
) -> dict[str, Any]:
    """Store a queued report and hand its id to the report function; returns the record."""
    unit = ports.registry.unit(unit_id)
    if unit is None:
        raise ReportNotFound(unit_id)
    report_id = f"{start:%Y%m%d}-{end:%Y%m%d}-{uuid.uuid4().hex[:10]}"
    record = {
        "report_id": report_id,
        "status": "queued",
        "unit_id": unit_id,
        "unit_name": unit.name,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "created_by": created_by,
        "created_at": iso(now),
    }
    _put(ports, record)
    ports.sqs_client().send_message(
        QueueUrl=get_settings().report_queue_url, MessageBody=ReportJob(report_id=report_id).model_dump_json()
    )
    return record


def make_report(ports: ReportPorts, report_id: str, *, now: datetime) -> dict[str, Any]:
    """Render a queued report into S3 and mark it ready (the report function; idempotent)."""
    from anninh.reports.content import build_content
    from anninh.reports.html import render_html
    from anninh.reports.pdf import render_pdf

    record = ports.records.get(report_id)
    if record is None:
        raise ReportNotFound(report_id)
    if record.get("status") == "ready":
        return record
    start, end = date.fromisoformat(record["from"]), date.fromisoformat(record["to"])
    unit_id = record["unit_id"]
    content = build_content(
        ports.registry,
        ports.store,
        unit_id=unit_id,
        start=start,
        end=end,
        today=vn_day(now),
        now=now,
        kb_titles=ports.kb_titles,
        requested_by=record.get("created_by"),
    )
    prefix = f"reports/{unit_id}/{report_id}/{FILE_NAME}"
    bucket = get_settings().reports_bucket
    s3 = ports.s3_client()
    html = render_html(content).encode("utf-8")
    pdf = render_pdf(content)
    s3.put_object(Bucket=bucket, Key=f"{prefix}.html", Body=html, ContentType="text/html; charset=utf-8")
    s3.put_object(Bucket=bucket, Key=f"{prefix}.pdf", Body=pdf, ContentType="application/pdf")
    record.update(
        {
            "status": "ready",
            "unit_name": content.unit_name,
            "previous_from": content.previous_start.isoformat(),
            "previous_to": content.previous_end.isoformat(),
            "finished_at": iso(now),
            "html_key": f"{prefix}.html",
            "pdf_key": f"{prefix}.pdf",
            "pdf_bytes": len(pdf),
            "figures": {row.key: row.current for row in content.rows},
            "previous_figures": {row.key: row.previous for row in content.rows},
            "outcomes": content.stats["outcomes"],
            "top_questions": content.top_questions,
            "charts": [chart.title for chart in content.charts],
        }
    )
    _put(ports, record)
    return record


def mark_failed(ports: ReportPorts, report_id: str, reason: str, *, now: datetime) -> None:
    """The report function gave up on a report: the officer sees it failed instead of waiting."""
    record = ports.records.get(report_id)
    if record is None:
        return
    if record.get("status") != "ready":
        _put(ports, {**record, "status": "failed", "error": reason[:300], "finished_at": iso(now)})


def load_report(ports: ReportPorts, report_id: str) -> dict[str, Any]:
    if not report_id or len(report_id) > 80:
        raise ReportNotFound(report_id)
    record = ports.records.get(report_id)
    if record is None:
        raise ReportNotFound(report_id)
    record.setdefault("status", "ready")  # reports made before the queue were rendered in the request
    return with_urls(ports, record) if record["status"] == "ready" else record


def with_urls(ports: ReportPorts, record: dict[str, Any]) -> dict[str, Any]:
    s3 = ports.s3_client()
    bucket = get_settings().reports_bucket
    name = f"{FILE_NAME}-{record['from']}-{record['to']}"

    def url(key: str, disposition: str) -> str:
        return str(
            s3.generate_presigned_url(
                "get_object",
                Params={"Bucket": bucket, "Key": key, "ResponseContentDisposition": disposition},
                ExpiresIn=URL_SECONDS,
            )
        )

    return {
        **record,
        "html_url": url(record["html_key"], "inline"),
        "pdf_url": url(record["pdf_key"], f'attachment; filename="{name}.pdf"'),
        "urls_expire_in": URL_SECONDS,
    }
