"""Campaigns in the officer API: create (editors), preview, list, progress, pause, resume, cancel.

POST /api/v1/campaigns            {"name", "oa_ids", "message": {"text"}, "send_at"?, ...} -> 201 {"id", ...}
POST /api/v1/campaigns/preview    same body -> audience size and ineligible counts by reason
GET  /api/v1/campaigns            campaigns the caller's units may see, newest first
GET  /api/v1/campaigns/{id}       status, total, sent, failed, skipped, rate, eta, reasons...
POST /api/v1/campaigns/{id}/pause | /resume | /cancel
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from anninh.api.auth import principal
from anninh.api.errors import BadRequest, Conflict, Forbidden, NotFound, QuotaExceeded, Unprocessable
from anninh.campaigns.model import Campaign, CampaignRequest
from anninh.campaigns.service import CampaignError, CampaignService
from anninh.campaigns.store import CampaignNotFound, StatusConflict
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()

NOT_FOUND = "Không tìm thấy chiến dịch."


def _service() -> CampaignService:
    return CampaignService(current_registry())


def _raise(exc: CampaignError) -> None:
    if exc.code == "forbidden":
        raise Forbidden(exc.message, exc.details) from exc
    if exc.code == "quota_exceeded":
        raise QuotaExceeded(exc.message, exc.details) from exc
    raise Unprocessable(exc.message, exc.details) from exc


def _dump(campaign: Campaign) -> dict[str, Any]:
    return campaign.model_dump(mode="json")


def _json(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
    )


CampaignBody = Annotated[CampaignRequest, Body(description="Audience, message and send time")]


@router.post("/campaigns")
def create_campaign(request: CampaignBody) -> Response[dict[str, Any]]:
    try:
        campaign = _service().create(principal(), request)
    except CampaignError as exc:
        _raise(exc)
    return _json(201, _dump(campaign))


@router.post("/campaigns/preview")
def preview_campaign(request: CampaignBody) -> Response[dict[str, Any]]:
    try:
        preview = _service().preview(principal(), request)
    except CampaignError as exc:
        _raise(exc)
    return _json(200, asdict(preview))


@router.get("/campaigns")
def list_campaigns() -> Response[dict[str, Any]]:
    params = router.current_event.query_string_parameters or {}
    try:
        limit = max(1, min(100, int(params.get("limit") or 50)))
    except ValueError as exc:
        raise BadRequest("Tham số limit không hợp lệ.") from exc
    cursor = params.get("cursor") or None
    try:
        campaigns, next_cursor = _service().list_visible(principal(), limit=limit, cursor=cursor)
    except ValueError as exc:
        raise BadRequest("Tham số cursor không hợp lệ.") from exc
    return _json(200, {"items": [_dump(c) for c in campaigns], "next_cursor": next_cursor})


@router.get("/campaigns/<campaign_id>")
def get_campaign(campaign_id: str) -> Response[dict[str, Any]]:
    try:
        return _json(200, _dump(_service().get(principal(), campaign_id)))
    except CampaignNotFound as exc:
        raise NotFound(NOT_FOUND) from exc


def _control(campaign_id: str, action: str) -> Response[dict[str, Any]]:
    service = _service()
    try:
        campaign = getattr(service, action)(principal(), campaign_id)
    except CampaignNotFound as exc:
        raise NotFound(NOT_FOUND) from exc
    except StatusConflict as exc:
        raise Conflict(
            f"Chiến dịch đang ở trạng thái không cho phép thao tác này ({exc.status}).",
            {"status": exc.status},
        ) from exc
    except CampaignError as exc:
        _raise(exc)
    return _json(200, _dump(campaign))


@router.post("/campaigns/<campaign_id>/pause")
def pause_campaign(campaign_id: str) -> Response[dict[str, Any]]:
    return _control(campaign_id, "pause")


@router.post("/campaigns/<campaign_id>/resume")
def resume_campaign(campaign_id: str) -> Response[dict[str, Any]]:
    return _control(campaign_id, "resume")


@router.post("/campaigns/<campaign_id>/cancel")
def cancel_campaign(campaign_id: str) -> Response[dict[str, Any]]:
    return _control(campaign_id, "cancel")
