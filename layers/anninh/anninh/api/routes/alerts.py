"""Urgent alerts for officers: the list (their units' own and those escalated to them) and acknowledging.

`GET /api/v1/alerts?unit_id=&open=true` and `POST /api/v1/alerts/{id}/ack` (SPEC). An alert is the
unit's record of an urgent case (anninh.alerts): the on-call officers got an SMS when it was raised;
while nobody acknowledges it, the parent unit's on-call get one every few minutes (`escalated_to`).
Acknowledging is audited and stops the escalation.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from anninh import alerts, audit
from anninh.api.auth import Principal, deny_as_not_found, principal, require_role, require_visible_unit
from anninh.api.errors import Conflict
from anninh.clock import utcnow

router = APIGatewayHttpRouter()
AlertId = Annotated[str, Path(min_length=1, max_length=100, description="Alert id (the urgent case's id)")]


def _visible(p: Principal, item: dict[str, Any]) -> bool:
    units = [item.get("unit_id"), *(item.get("escalated_to") or [])]
    return any(p.can_see_unit(str(u)) for u in units if u)


@router.get("/alerts", summary="Urgent alerts of the units the caller sees (newest first)")
def list_alerts(
    unit_id: Annotated[str | None, Query(max_length=100)] = None,
    open: Annotated[bool, Query(description="only alerts nobody has acknowledged yet")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> dict[str, Any]:
    p = principal()
    require_role(p, "officer", "commander")
    if unit_id:
        require_visible_unit(p, unit_id, "alerts.list")
    units = [unit_id] if unit_id else list(p.visible_units)
    items = [alerts.view(i) for i in alerts.list_for_units(units, open_only=open, limit=limit)]
    return {"items": items, "count": len(items)}


@router.post("/alerts/<alert_id>/ack", summary="Acknowledge an urgent alert (stops its escalation; audited)")
def acknowledge(alert_id: AlertId) -> dict[str, Any]:
    p = principal()
    require_role(p, "officer", "commander")
    item = alerts.get(alert_id)
    if item is None or not _visible(p, item):
        deny_as_not_found(
            p, "alert.ack", "case", alert_id, reason="alert not visible", message="Không tìm thấy cảnh báo."
        )
    updated = alerts.acknowledge(alert_id, p.username, utcnow())
    if updated is None:
        current = alerts.get(alert_id) or item
        raise Conflict(
            f"Cảnh báo đã được {current.get('acknowledged_by') or 'cán bộ khác'} xác nhận.",
            code="already_acknowledged",
        )
    audit.trail().record(
        p.username,
        "alert.ack",
        "case",
        alert_id,
        actor_unit=p.unit_id,
        before={"acknowledged_at": None},
        after={"acknowledged_at": updated.get("acknowledged_at")},
        request_id=p.request_id,
        details={"escalated_to": list(updated.get("escalated_to") or [])},
    )
    return alerts.view(updated)
