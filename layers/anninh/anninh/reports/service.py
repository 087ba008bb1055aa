"""Generate a review-meeting report on demand, store it in S3 (REPORTS_BUCKET), hand out presigned URLs.

Record: PK=REPORT#<id> SK=REPORT, GSI1PK=REPORTS#<unit_id> GSI1SK=<created_iso> (anninh.keys).
Objects: reports/<unit_id>/<id>/bao-cao-so-ket.html and .pdf (expired by the bucket's lifecycle).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from anninh import aws, keys
from anninh.clock import iso, vn_day
from anninh.registry import Registry
from anninh.reports.content import build_content
from anninh.reports.html import render_html
from anninh.reports.pdf import render_pdf
from anninh.settings import get_settings
from anninh.stats.figures import plain
from anninh.stats.store import StatsStore

URL_SECONDS = 900
FILE_NAME = "bao-cao-so-ket"


class ReportNotFound(LookupError):
    """No such report (or one the caller may not see)."""


@dataclass
class ReportPorts:
    registry: Registry
    store: StatsStore
    s3: Any = None
    table: Any = None
    kb_titles: dict[str, str] | None = None

    def s3_client(self) -> Any:
        return self.s3 or aws.client("s3")

    def tbl(self) -> Any:
        return self.table or aws.table()


def kb_titles() -> dict[str, str]:
    """Titles of the procedure knowledge-base entries (top questions show titles, not ids)."""
    try:
        from anninh.kb.entries import current_entries

        return {entry_id: entry.title for entry_id, entry in current_entries().items()}
    except Exception:  # the report still renders, with entry ids, if the KB cannot be read
        return {}


def generate_report(
    ports: ReportPorts, unit_id: str, start: date, end: date, *, created_by: str, now: datetime
) -> dict[str, Any]:
    content = build_content(
        ports.registry,
        ports.store,
        unit_id=unit_id,
        start=start,
        end=end,
        today=vn_day(now),
        now=now,
        kb_titles=ports.kb_titles,
    )
    report_id = f"{start:%Y%m%d}-{end:%Y%m%d}-{uuid.uuid4().hex[:10]}"
    prefix = f"reports/{unit_id}/{report_id}/{FILE_NAME}"
    bucket = get_settings().reports_bucket
    s3 = ports.s3_client()
    html = render_html(content).encode("utf-8")
    pdf = render_pdf(content)
    s3.put_object(Bucket=bucket, Key=f"{prefix}.html", Body=html, ContentType="text/html; charset=utf-8")
    s3.put_object(Bucket=bucket, Key=f"{prefix}.pdf", Body=pdf, ContentType="application/pdf")
    stats = content.stats
    headline = {row.key: row.current for row in content.rows}
    record = {
        "report_id": report_id,
        "unit_id": unit_id,
        "unit_name": content.unit_name,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "previous_from": content.previous_start.isoformat(),
        "previous_to": content.previous_end.isoformat(),
        "created_by": created_by,
        "created_at": iso(now),
        "html_key": f"{prefix}.html",
        "pdf_key": f"{prefix}.pdf",
        "pdf_bytes": len(pdf),
        "figures": headline,
        "previous_figures": {row.key: row.previous for row in content.rows},
        "outcomes": stats["outcomes"],
        "top_questions": content.top_questions,
        "charts": [chart.title for chart in content.charts],
    }
    ports.tbl().put_item(
        Item={
            **keys.report(report_id),
            "GSI1PK": keys.unit_reports_gsi(unit_id),
            "GSI1SK": f"{iso(now)}#{report_id}",
            "type": "report",
            "data": record,
        }
    )
    return with_urls(ports, record)


def load_report(ports: ReportPorts, report_id: str) -> dict[str, Any]:
    if not report_id or len(report_id) > 80:
        raise ReportNotFound(report_id)
    item = ports.tbl().get_item(Key=keys.report(report_id)).get("Item")
    if not item:
        raise ReportNotFound(report_id)
    return with_urls(ports, plain(item["data"]))


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
