"""The signed-in officer, and the overdue work of the units they see."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from anninh.api.auth import principal, require_visible_unit
from anninh.api.errors import Unprocessable
from anninh.api.routes import tips as tip_routes
from anninh.cases import overdue
from anninh.clock import utcnow, vn_day
from anninh.labels import console_labels
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()


@router.get("/me", summary="The signed-in officer: unit, roles and the units they see")
def get_me() -> dict[str, Any]:
    p = principal()
    registry = current_registry()
    unit = registry.unit(p.unit_id)
    return {
        "username": p.username,
        "display_name": p.display_name,
        "unit_id": p.unit_id,
        "unit_name": unit.name if unit else p.unit_id,
        "unit_kind": unit.kind if unit else None,
        "roles": sorted(p.roles),
        "visible_units": list(p.visible_units),
        "can_reveal": p.has_role("commander"),
        "can_edit_content": p.has_role("editor", "admin"),
        "can_admin": p.has_role("admin"),
        "can_campaign": p.has_role("editor", "admin", "commander"),
        "can_handle_cases": p.has_role("officer", "commander"),
        "labels": console_labels(),
    }


@router.get("/overdue", summary="Open cases with no officer action for too long, per unit (live)")
def get_overdue(unit_id: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    p = principal()
    if unit_id:
        require_visible_unit(p, unit_id, "overdue.list")
    units = [unit_id] if unit_id else list(p.visible_units)
    found = tip_routes.service().overdue(units, utcnow())
    items = [entry.model_dump() for unit in units for entry in found.get(unit, [])]
    return {"items": items, "count": len(items), "thresholds_hours": overdue.thresholds()}


@router.get("/digests/overdue", summary="Stored daily overdue digests of the units the officer sees")
def get_overdue_digests(
    day: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD")] = None,
) -> dict[str, Any]:
    p = principal()
    wanted = day or vn_day(utcnow())
    if len(wanted) != 10 or wanted[4] != "-" or wanted[7] != "-" or not wanted.replace("-", "").isdigit():
        raise Unprocessable(
            "'day' phải có dạng YYYY-MM-DD.", details=[{"loc": ["query", "day"], "type": "date"}]
        )
    digests = tip_routes.service().digests(list(p.visible_units), wanted)
    return {"day": wanted, "items": digests, "count": len(digests)}
