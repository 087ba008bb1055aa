"""Figures, CSV exports and review-meeting reports.

Access: figures are counts without personal data, so every signed-in officer (any role) may read the
figures of their own unit and the units under it; the review-meeting report is the commander's
document, so generating or fetching one needs the `commander` or `admin` role (issue 5: "commanders
see their unit's figures"). A unit outside the caller's reach answers 404, as for cases, and the
attempt is audited. The cases export applies the inbox's filters and access and shows pseudonyms only.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from anninh import audit, wiring
from anninh.api.auth import Principal, principal, require_role, require_visible_unit
from anninh.api.errors import BadRequest, NotFound, Unprocessable
from anninh.clock import utcnow, vn_day
from anninh.registry.store import current_registry
from anninh.reports.service import ReportNotFound, ReportPorts, load_report, request_report
from anninh.stats.exports import figures_csv, tips_csv
from anninh.stats.queries import PeriodError, parse_period, period_stats

router = APIGatewayHttpRouter()

REPORT_ROLES = ("commander", "admin")
MAX_EXPORT_ROWS = 5000
Day = Annotated[str | None, Query(max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]
UnitId = Annotated[str | None, Query(max_length=100, description="Default: the caller's unit")]


def _unit_for(p: Principal, unit_id: str | None, action: str) -> str:
    unit = unit_id or p.unit_id
    require_visible_unit(p, unit, action)
    return unit


def _period(first: str | None, last: str | None) -> tuple[date, date]:
    try:
        return parse_period(first, last, vn_day(utcnow()))
    except PeriodError as exc:
        raise Unprocessable(str(exc), details=[{"loc": ["query", "from"], "type": "period"}]) from exc


def _stats(unit_id: str, start: date, end: date) -> dict[str, Any]:
    return period_stats(current_registry(), wiring.stats_store(), unit_id, start, end, today=vn_day(utcnow()))


def _csv_response(body: str, filename: str) -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=body,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get("/stats", summary="Figures of a unit (with the units under it) for a period, and a daily series")
def get_stats(
    first: Annotated[
        str | None, Query(alias="from", max_length=10, description="YYYY-MM-DD (Vietnam day)")
    ] = None,
    last: Annotated[str | None, Query(alias="to", max_length=10, description="YYYY-MM-DD, inclusive")] = None,
    unit_id: UnitId = None,
) -> dict[str, Any]:
    p = principal()
    unit = _unit_for(p, unit_id, "stats.read")
    start, end = _period(first, last)
    return _stats(unit, start, end)


@router.get("/stats/export.csv", summary="Figures as CSV (one row per day, UTF-8 with BOM for Excel)")
def export_stats(
    first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    last: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    unit_id: UnitId = None,
) -> Response[str]:
    p = principal()
    unit = _unit_for(p, unit_id, "stats.export")
    start, end = _period(first, last)
    stats = _stats(unit, start, end)
    return _csv_response(figures_csv(stats), f"so-lieu-{unit}-{start}-{end}.csv")


@router.get(
    "/tips/export.csv", summary="Tip cases as CSV with the inbox's filters and access (pseudonyms only)"
)
def export_tips(  # noqa: PLR0917  (one parameter per query filter, as the inbox)
    status: Annotated[str | None, Query(max_length=200, description="Comma-separated statuses")] = None,
    unit_id: Annotated[str | None, Query(max_length=100)] = None,
    urgent: Annotated[bool | None, Query()] = None,
    valuable: Annotated[bool | None, Query()] = None,
    since: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD or ISO instant")] = None,
    until: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD (inclusive) or ISO")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    first: Annotated[
        str | None, Query(alias="from", max_length=40, description="As `since` (the stats page's period)")
    ] = None,
    last: Annotated[
        str | None, Query(alias="to", max_length=40, description="As `until` (the stats page's period)")
    ] = None,
) -> Response[str]:
    from anninh.api.routes import tips as tip_routes
    from anninh.cases import queries

    p = tip_routes.case_worker()  # the same roles as listing tips
    statuses = tip_routes.status_filter(status)
    units: tuple[str, ...] = p.visible_units
    if unit_id:
        units = (_unit_for(p, unit_id, "case.export"),)
    filters = queries.InboxFilter(
        statuses=statuses,
        urgent=urgent,
        valuable=valuable,
        text=q or "",
        since=tip_routes.parse_instant(since or first, "since" if since else "from"),
        until=tip_routes.parse_instant(until or last, "until" if until else "to", True),
    )
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    cases = tip_routes.service()
    while len(rows) < MAX_EXPORT_ROWS:
        page, cursor = cases.search(
            units, filters, p.visible_units, limit=100, cursor=cursor, decrypt=tip_routes._decrypt
        )
        rows.extend(tip_routes.case_row(r.case, r.item, p, r.access) for r in page)
        if cursor is None:
            break
    registry = current_registry()
    names = {u.unit_id: u.name for u in registry.units}
    audit.trail().record(
        p.username,
        "case.export",
        "unit",
        unit_id or p.unit_id,
        actor_unit=p.unit_id,
        outcome="allowed",
        details={"rows": len(rows)},
        request_id=p.request_id,
    )
    return _csv_response(
        tips_csv(rows[:MAX_EXPORT_ROWS], names), _tips_filename(since or first, until or last)
    )


def _tips_filename(first: str | None, last: str | None) -> str:
    if first and last and len(first) == len(last) == 10:
        return f"tin-bao-{first}-{last}.csv"
    return f"tin-bao-{vn_day(utcnow())}.csv"


class ReportRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    first: date = Field(alias="from", description="First day (YYYY-MM-DD, Vietnam time)")
    last: date = Field(alias="to", description="Last day, inclusive")
    unit_id: str | None = Field(default=None, max_length=100, description="Default: the caller's unit")


@router.post(
    "/reports",
    summary="Ask for a review-meeting report (HTML and PDF, Vietnamese); 202, then poll GET /reports/{id}",
)
def create_report(request: Annotated[ReportRequest, Body()]) -> Response[str]:
    p = principal()
    require_role(p, *REPORT_ROLES)
    unit = _unit_for(p, request.unit_id, "report.create")
    try:
        start, end = parse_period(request.first.isoformat(), request.last.isoformat(), vn_day(utcnow()))
    except PeriodError as exc:
        raise Unprocessable(str(exc), details=[{"loc": ["body", "to"], "type": "period"}]) from exc
    if start.isoformat() > vn_day(utcnow()):
        raise BadRequest("Kỳ báo cáo chưa bắt đầu.", details=[{"loc": ["body", "from"], "type": "period"}])
    ports = ReportPorts(current_registry(), wiring.stats_store())
    try:
        record = request_report(ports, unit, start, end, created_by=p.username, now=utcnow())
    except ReportNotFound as exc:
        raise NotFound("Không tìm thấy đơn vị.") from exc
    audit.trail().record(
        p.username,
        "report.create",
        "report",
        record["report_id"],
        actor_unit=p.unit_id,
        details={"unit_id": unit, "from": record["from"], "to": record["to"]},
        request_id=p.request_id,
    )
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(record, ensure_ascii=False),
        headers={"Location": f"/api/v1/reports/{record['report_id']}"},
    )


@router.get(
    "/reports/<report_id>",
    summary="A report's progress (queued, ready, failed); when ready, fresh presigned HTML and PDF links",
)
def get_report(report_id: Annotated[str, Path(min_length=1, max_length=80)]) -> dict[str, Any]:
    p = principal()
    require_role(p, *REPORT_ROLES)
    try:
        record = load_report(ReportPorts(current_registry(), wiring.stats_store()), report_id)
    except ReportNotFound as exc:
        raise NotFound("Không tìm thấy báo cáo.") from exc
    if not p.can_see_unit(record["unit_id"]):
        raise NotFound("Không tìm thấy báo cáo.")
    return record
