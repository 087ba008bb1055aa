"""The audit trail per officer (per case: GET /tips/{tip_id}/audit)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from anninh import audit
from anninh.api.auth import audit_denial, principal
from anninh.api.errors import Forbidden
from anninh.cases.queries import plain
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()


@router.get("/audit", summary="What an officer did (and was refused), newest first")
def officer_audit(
    officer: Annotated[str | None, Query(max_length=100, description="Username; default: yourself")] = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    p = principal()
    username = (officer or p.username).strip().lower()
    if username != p.username:
        target = next((o for o in current_registry().officers if o.username.lower() == username), None)
        allowed = p.has_role("admin", "commander") and target is not None and p.can_see_unit(target.unit_id)
        if not allowed:
            audit_denial(p, "audit.read", "officer", username, reason="not this officer's commander or admin")
            raise Forbidden("Chỉ chỉ huy đơn vị (hoặc quản trị) xem được nhật ký của cán bộ khác.")
    records, next_cursor = audit.trail().list_for_officer(username, limit=limit, cursor=cursor)
    items = [plain(r.model_dump()) for r in records]
    return {"officer": username, "items": items, "next_cursor": next_cursor, "count": len(items)}
