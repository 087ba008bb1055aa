"""Per-recipient delivery records of a campaign (who got it, who did not and why), for the officers who
may read the campaign. Recipients appear by the pseudonym of the OA's unit, never by Zalo id.

GET /api/v1/campaigns/{id}/deliveries?oa_id=&status=&cursor=&limit=
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from boto3.dynamodb.conditions import Attr, Key

from anninh import aws, crypto, keys
from anninh.api.auth import principal
from anninh.api.errors import BadRequest, NotFound
from anninh.campaigns.model import REASONS
from anninh.campaigns.service import CampaignService
from anninh.campaigns.store import CampaignNotFound
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()

CampaignId = Annotated[str, Path(min_length=1, max_length=80)]
STATUS_LABELS = {"sent": "Đã gửi", "failed": "Gửi lỗi", "skipped": "Bỏ qua", "claimed": "Đang gửi"}


def _cursor(value: str | None) -> dict[str, Any] | None:
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
    registry = current_registry()
    try:
        campaign = CampaignService(registry).get(p, campaign_id)
    except CampaignNotFound as exc:
        raise NotFound("Không tìm thấy chiến dịch.") from exc
    oas = [str(o) for o in campaign.oa_ids]
    chosen = oa_id or (oas[0] if oas else None)
    if chosen is None or chosen not in oas:
        raise NotFound("Chiến dịch không gửi qua kênh này.")
    oa = registry.oa(chosen)
    unit_id = oa.unit_id if oa else ""
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": Key("PK").eq(keys.campaign_delivery_pk(campaign_id, chosen))
        & Key("SK").begins_with("DELIVERY#"),
        "Limit": limit,
    }
    if status:
        kwargs["FilterExpression"] = Attr("status").eq(status)
    start = _cursor(cursor)
    if start:
        kwargs["ExclusiveStartKey"] = start
    page = aws.table().query(**kwargs)
    items = []
    for record in page.get("Items", []):
        user_id = str(record.get("SK", "")).rsplit("#", 1)[-1]
        state = str(record.get("status", ""))
        reason = record.get("reason")
        items.append(
            {
                "recipient": crypto.pseudonym(unit_id, user_id),
                "status": state,
                "status_label": STATUS_LABELS.get(state, state),
                "reason": reason,
                "reason_label": REASONS.get(str(reason), str(reason)) if reason else None,
                "finished_at": record.get("finished_at"),
            }
        )
    last = page.get("LastEvaluatedKey")
    return {
        "campaign_id": campaign_id,
        "oa_id": chosen,
        "oa_ids": oas,
        "items": items,
        "count": len(items),
        "next_cursor": json.dumps({"PK": last["PK"], "SK": last["SK"]}) if last else None,
    }
