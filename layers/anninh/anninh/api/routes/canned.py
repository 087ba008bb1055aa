"""Canned replies: editors (and admins) write them; officers pick them when replying.

A reply with a `unit_id` is offered to that unit and the units under it; without one, to everyone.
Stored at PK=CANNED#<id>, SK=CANNED, listed through GSI1PK=CANNED.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from anninh import audit, canned
from anninh.api.auth import Principal, principal, require_role
from anninh.api.errors import NotFound, Unprocessable
from anninh.clock import iso, utcnow
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()

ReplyId = Annotated[str, Path(min_length=1, max_length=64)]


class CannedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1, max_length=2000)
    unit_id: str | None = Field(default=None, min_length=1, max_length=100)
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=10
    )


class CannedPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=120)
    text: str | None = Field(default=None, min_length=1, max_length=2000)
    unit_id: str | None = Field(default=None, min_length=1, max_length=100)
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(default=None, max_length=10)


def _offered_to(p: Principal, unit_id: str | None) -> bool:
    registry = current_registry()
    return unit_id is None or p.can_see_unit(unit_id) or registry.is_within(p.unit_id, unit_id)


def _check_unit(unit_id: str | None) -> None:
    if unit_id is not None and current_registry().unit(unit_id) is None:
        raise Unprocessable(f"Không có đơn vị '{unit_id}'.", details=[{"loc": ["body", "unit_id"]}])


def _clean(text: str, name: str) -> str:
    value = text.strip()
    if not value:
        raise Unprocessable("Không được để trống.", details=[{"loc": ["body", name], "type": "empty"}])
    return value


@router.get("/canned-replies", summary="Canned replies offered to the officer's unit")
def list_canned(q: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    p = principal()
    views = canned.service().offered(lambda unit_id: _offered_to(p, unit_id), q)
    return {"items": views, "count": len(views)}


@router.post(
    "/canned-replies", summary="Create a canned reply (editors)", responses={201: {"description": "Created"}}
)
def create_canned(body: Annotated[CannedIn, Body()]) -> Response[dict[str, Any]]:
    p = principal()
    require_role(p, "editor", "admin")
    _check_unit(body.unit_id)
    item = canned.service().create(
        title=_clean(body.title, "title"),
        text=_clean(body.text, "text"),
        unit_id=body.unit_id,
        tags=body.tags,
        by=p.username,
        at=iso(utcnow()),
    )
    audit.trail().record(
        p.username,
        "canned.create",
        "canned",
        item["reply_id"],
        actor_unit=p.unit_id,
        request_id=p.request_id,
        after=canned.view(item),
    )
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=canned.view(item))


def _load(reply_id: str) -> dict[str, Any]:
    item = canned.service().get(reply_id)
    if not item:
        raise NotFound("Không tìm thấy câu trả lời mẫu.")
    return item


@router.get("/canned-replies/<reply_id>", summary="One canned reply")
def get_canned(reply_id: ReplyId) -> dict[str, Any]:
    p = principal()
    item = _load(reply_id)
    if not _offered_to(p, item.get("unit_id")) and not p.has_role("editor", "admin"):
        raise NotFound("Không tìm thấy câu trả lời mẫu.")
    return canned.view(item)


@router.patch("/canned-replies/<reply_id>", summary="Change a canned reply (editors)")
def patch_canned(reply_id: ReplyId, body: Annotated[CannedPatch, Body()]) -> dict[str, Any]:
    p = principal()
    require_role(p, "editor", "admin")
    item = _load(reply_id)
    before = canned.view(item)
    changes: dict[str, Any] = {}
    if "unit_id" in body.model_fields_set:
        _check_unit(body.unit_id)
        changes["unit_id"] = body.unit_id or None
    if body.title is not None:
        changes["title"] = _clean(body.title, "title")
    if body.text is not None:
        changes["text"] = _clean(body.text, "text")
    if body.tags is not None:
        changes["tags"] = body.tags
    item = canned.service().update(item, changes, p.username, iso(utcnow()))
    audit.trail().record(
        p.username,
        "canned.update",
        "canned",
        reply_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        before=before,
        after=canned.view(item),
    )
    return canned.view(item)


@router.delete("/canned-replies/<reply_id>", summary="Delete a canned reply (editors)")
def delete_canned(reply_id: ReplyId) -> dict[str, Any]:
    p = principal()
    require_role(p, "editor", "admin")
    item = _load(reply_id)
    canned.service().delete(reply_id)
    audit.trail().record(
        p.username,
        "canned.delete",
        "canned",
        reply_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        before=canned.view(item),
    )
    return {"deleted": reply_id}
