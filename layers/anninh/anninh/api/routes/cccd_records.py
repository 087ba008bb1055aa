"""Imported CCCD records, found by receipt number, for the officers of the unit that imported them.

GET /api/v1/cccd/records/{receipt_no}   status, dates and pickup place, the name masked (no birth date)

Lookups are audited: a record holds a citizen's name. A record of another unit answers 404, as if it
did not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from anninh import audit, cccd
from anninh.api.auth import principal, require_role
from anninh.api.errors import NotFound

router = APIGatewayHttpRouter()

Receipt = Annotated[str, Path(min_length=4, max_length=40)]


@router.get("/cccd/records/<receipt_no>", summary="An imported CCCD record by receipt number (name masked)")
def get_record(receipt_no: Receipt) -> dict[str, Any]:
    p = principal()
    require_role(p, "officer", "commander", "admin")
    service = cccd.service()
    receipt = cccd.normalise_receipt(receipt_no)
    item = service.record(receipt)
    visible = item is not None and (p.has_role("admin") or p.can_see_unit(str(item.get("unit_id", ""))))
    audit.trail().record(
        p.username,
        "cccd.read",
        "cccd",
        receipt,
        actor_unit=p.unit_id,
        outcome="allowed" if visible else "denied",
        reason=None if visible else "not found or not visible",
        request_id=p.request_id,
    )
    if not visible or item is None:
        raise NotFound("Không tìm thấy hồ sơ với số biên nhận này.")
    return {**service.officer_view(item), "receipt_no": receipt}
