"""Per-recipient delivery records of a campaign (who got it, who did not and why), for the officers who
may read the campaign. Recipients appear by the pseudonym of the OA's unit, never by Zalo id.

GET /api/v1/campaigns/{id}/deliveries?oa_id=&status=&cursor=&limit=
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from anninh import crypto
from anninh.api.auth import principal
from anninh.api.errors import BadRequest, NotFound
from anninh.campaigns.model import REASONS
from anninh.campaigns.service import CampaignError, CampaignService
from anninh.campaigns.store import CampaignNotFound
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()

CampaignId = Annotated[str, Path(min_length=1, max_length=80)]
STATUS_LABELS = {"sent": "Đã gửi", "failed": "Gửi lỗi", "skipped": "Bỏ qua", "claimed": "Đang gửi"}


def _cursor(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise BadRequest("Con trỏ phân trang không hợp lệ.") from exc
    if not isinstance(parsed, dict) or set(parsed) != {"PK", "SK"}:
        raise BadRequest("Con trỏ phân trang không hợp lệ.")
    return {"PK": str(parsed["PK"]), "SK": str(parsed["SK"])}


@router.get(
    "/campaigns/<campaign_id>/deliveries",
    summary="Per-recipient delivery records of a campaign, one OA at a time (pseudonyms only)",
)
def list_deliveries(
    campaign_id: CampaignId,
    oa_id: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[Literal["sent", "failed", "skipped", "claimed"] | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=600)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    p = principal()
    try:
        page = CampaignService(current_registry()).deliveries_page(
            p, campaign_id, oa_id=oa_id, status=status, cursor=_cursor(cursor), limit=limit
        )
    except CampaignNotFound as exc:
        raise NotFound("Không tìm thấy chiến dịch.") from exc
    except CampaignError as exc:
        raise NotFound(exc.message) from exc
    items = [
        {
            "recipient": crypto.pseudonym(page.unit_id, record.user_id),
            "status": record.status,
            "status_label": STATUS_LABELS.get(record.status, record.status),
            "reason": record.reason,
            "reason_label": REASONS.get(record.reason, record.reason) if record.reason else None,
            "finished_at": record.finished_at,
        }
        for record in page.records
    ]
    return {
        "campaign_id": campaign_id,
        "oa_id": page.oa_id,
        "oa_ids": page.oa_ids,
        "items": items,
        "count": len(items),
        "next_cursor": json.dumps(page.next_cursor) if page.next_cursor else None,
    }
