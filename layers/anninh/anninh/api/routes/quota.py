"""Zalo quotas for officers (docs/zalo.md): an OA's month, a unit's OAs, and what the next reply costs.

- `GET /oas/<oa_id>/quota` — the OA's proactive quota this month, with the source of each figure;
- `GET /units/<unit_id>/quota` — every OA of the unit (and of the units under it), warning at 80 %;
- `GET /conversations/<conversation_id>/reply-tier`, `GET /tips/<tip_id>/reply-tier` — whether the
  next officer reply is a free reply (how many of the 8 remain, until when) or a proactive message
  (and whether the month's quota still covers it), shown in the reply box before sending.

Scoped like the other routes: an officer sees the OAs of the units they see.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from anninh.api.auth import deny_as_not_found, principal, require_role, require_visible_unit
from anninh.api.errors import NotFound
from anninh.api.routes import tips as tip_routes
from anninh.api.routes.conversations import _load as load_conversation
from anninh.campaigns.replies import free_replies_open
from anninh.cases import queries
from anninh.conversations import ConversationService
from anninh.registry import OA
from anninh.registry.store import current_registry
from anninh.sending import quota

router = APIGatewayHttpRouter()

OaId = Annotated[str, Path(min_length=1, max_length=100)]
UnitId = Annotated[str, Path(min_length=1, max_length=100)]
TipId = Annotated[str, Path(min_length=1, max_length=100)]
ConversationId = Annotated[str, Path(min_length=1, max_length=100)]


def _figures(oa: OA) -> dict[str, Any]:
    """The OA's quota figures, the open free replies counted over the campaigns' audience."""
    return {
        **quota.oa_quota(oa.oa_id, open_replies=free_replies_open),
        "oa_name": oa.name,
        "unit_id": oa.unit_id,
    }


@router.get(
    "/oas/<oa_id>/quota", summary="The OA's Zalo quota this month (proactive used/limit, open free replies)"
)
def get_oa_quota(oa_id: OaId) -> dict[str, Any]:
    p = principal()
    oa = current_registry().oa(oa_id)
    if oa is None or not p.can_see_unit(oa.unit_id):
        deny_as_not_found(
            p,
            "quota.read",
            "oa",
            oa_id,
            reason="not visible" if oa else "no such OA",
            message="Không tìm thấy kênh Zalo này.",
        )
    return _figures(oa)


@router.get("/units/<unit_id>/quota", summary="Zalo quota use this month of every OA of the unit and below")
def get_unit_quota(unit_id: UnitId) -> dict[str, Any]:
    p = principal()
    registry = current_registry()
    if registry.unit(unit_id) is None:
        deny_as_not_found(
            p, "quota.read", "unit", unit_id, reason="no such unit", message="Không tìm thấy đơn vị."
        )
    require_visible_unit(p, unit_id, "quota.read")
    units = set(registry.subtree(unit_id))
    oas = [_figures(oa) for oa in registry.oas if oa.unit_id in units]
    return {
        "unit_id": unit_id,
        "oas": oas,
        "warning": any(o["warning"] for o in oas),
        "warn_at_percent": quota.WARN_AT_PERCENT,
    }


@router.get(
    "/conversations/<conversation_id>/reply-tier",
    summary="Whether the next reply in this conversation is free (and how many remain) or proactive",
)
def conversation_reply_tier(conversation_id: ConversationId) -> dict[str, Any]:
    p = principal()
    require_role(p, "officer", "commander")
    state = load_conversation(p, conversation_id, "conversation.reply_tier")
    oa_id, user_id = ConversationService.citizen(state)
    return quota.reply_tier(oa_id, user_id)


@router.get(
    "/tips/<tip_id>/reply-tier",
    summary="Whether the next reply to this tip's citizen is free (and how many remain) or proactive",
)
def tip_reply_tier(tip_id: TipId) -> dict[str, Any]:
    p = principal()
    require_role(p, "officer", "commander")
    item = tip_routes.service().case_item(tip_id)
    if item is None:
        raise NotFound()
    case = queries.case_from_item(item)
    if not p.can_see_unit(case.unit_id):
        deny_as_not_found(
            p, "case.reply_tier", "case", tip_id, reason="unit not visible", message="Không tìm thấy."
        )
    return quota.reply_tier(case.oa_id, case.user_id)
