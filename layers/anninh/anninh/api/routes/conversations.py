"""Conversations the bot handed off to a human: list, read, reply, close.

The conversation state item (PK=CONV#<oa>#<user_hash>, SK=STATE, kept by intake) carries an opaque
`conversation_id` (GSI2) and, while handed off, the unit's hand-off index entry (GSI1). Officers only
ever see the conversation id and a pseudonym, never the Zalo id. A conversation belongs to the unit
of the OA it happens on.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from anninh import audit, conversations, crypto, outbox
from anninh.api.auth import Principal, deny_as_not_found, principal, require_role
from anninh.api.errors import Forbidden, NotFound, Unprocessable
from anninh.audit import decode_cursor, encode_cursor
from anninh.cases.queries import plain
from anninh.clock import iso, utcnow
from anninh.conversations import ConversationService
from anninh.observability import logger
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()

ConversationId = Annotated[str, Path(min_length=1, max_length=100)]
_STATE_FIELDS = (
    "handoff_reason",
    "handoff_question",
    "handed_off_at",
    "last_text",
    "last_in_at",
    "last_interaction_at",
    "intent",
    "status",
    "handoff_closed_at",
    "handoff_closed_by",
)


def _unit_of(state: dict[str, Any]) -> str | None:
    if isinstance(state.get("unit_id"), str):
        return str(state["unit_id"])
    oa = current_registry().oa(ConversationService.citizen(state)[0])
    return oa.unit_id if oa else None


def _view(state: dict[str, Any], p: Principal) -> dict[str, Any]:
    oa_id, user_id = ConversationService.citizen(state)
    unit_id = _unit_of(state)
    try:
        name = crypto.pseudonym(p.unit_id, user_id)
    except Exception:
        logger.exception("pseudonym unavailable")
        name = "Công dân"
    view = {k: plain(state[k]) for k in _STATE_FIELDS if k in state and not isinstance(state[k], dict)}
    handed_off = bool(str(state.get("GSI1PK", "")).endswith("#HANDOFFS"))
    view.update(
        {
            "conversation_id": state.get("conversation_id"),
            "oa_id": oa_id,
            "unit_id": unit_id,
            "pseudonym": name,
            "handed_off": handed_off,
            "handed_off_at": view.get("handed_off_at") or (state.get("GSI1SK") if handed_off else None),
            "oa_name": oa.name if (oa := current_registry().oa(oa_id)) else None,
            "last_in_at": plain(state.get("last_inbound_at")),
        }
    )
    return view


def _load(p: Principal, conversation_id: str, action: str) -> dict[str, Any]:
    state = conversations.service().by_conversation_id(conversation_id)
    if state is None or not p.can_see_unit(_unit_of(state)):
        deny_as_not_found(
            p,
            action,
            "conversation",
            conversation_id,
            reason="not visible" if state else "no such conversation",
            message="Không tìm thấy cuộc trò chuyện.",
        )
    return state


@router.get("/conversations", summary="Conversations handed off to officers, newest first")
def list_conversations(
    unit_id: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> dict[str, Any]:
    p = principal()
    require_role(p, "officer", "commander")
    if unit_id and not p.can_see_unit(unit_id):
        raise NotFound("Không tìm thấy đơn vị.")
    after = decode_cursor(cursor)
    if after is not None and not (
        isinstance(after, list) and len(after) == 2 and all(isinstance(x, str) for x in after)
    ):
        raise Unprocessable("Con trỏ phân trang không hợp lệ.", details=[{"loc": ["query", "cursor"]}])
    service = conversations.service()
    units = [unit_id] if unit_id else list(p.visible_units)
    page_rows, last = service.handoff_page(units, (after[0], after[1]) if after else None, limit)
    next_cursor = encode_cursor(list(last)) if last else None
    items = [{**_view(r, p), "last_text": service.last_inbound_text(r)} for r in page_rows]
    return {"items": items, "next_cursor": next_cursor, "count": len(items)}


@router.get("/conversations/<conversation_id>", summary="A handed-off conversation with its messages")
def get_conversation(
    conversation_id: ConversationId, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> dict[str, Any]:
    p = principal()
    require_role(p, "officer", "commander")
    state = _load(p, conversation_id, "conversation.read")
    messages = conversations.service().officer_messages(state, limit)
    audit.trail().record(
        p.username,
        "conversation.read",
        "conversation",
        conversation_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
    )
    return {**_view(state, p), "messages": messages}


class ConversationReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)
    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$"
    )


@router.post(
    "/conversations/<conversation_id>/replies",
    summary="Reply through the OA (queued, 202)",
    responses={202: {"description": "Queued for sending"}},
)
def reply_conversation(
    conversation_id: ConversationId, body: Annotated[ConversationReply, Body()]
) -> Response[dict[str, Any]]:
    p = principal()
    if not p.has_role("officer", "commander"):
        raise Forbidden()
    state = _load(p, conversation_id, "conversation.reply")
    if not body.text.strip():
        raise Unprocessable("Nội dung trả lời trống.", details=[{"loc": ["body", "text"], "type": "empty"}])
    header = router.current_event.get_header_value("idempotency-key", case_sensitive=False)
    client_key = (
        body.idempotency_key
        or (header if header and re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", header) else None)
        or p.request_id
        or "no-request-id"
    )
    oa_id, user_id = ConversationService.citizen(state)
    key = f"conv:{conversation_id}:{client_key}"
    outbox.enqueue(
        [outbox.text(oa_id, user_id, body.text.strip(), key=key, origin="officer", officer=p.username)]
    )
    at = iso(utcnow())
    audit.trail().record(
        p.username,
        "conversation.reply",
        "conversation",
        conversation_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        after={"key": key, "length": len(body.text)},
    )
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body={"key": key, "status": "queued", "at": at},
    )


@router.post("/conversations/<conversation_id>/close", summary="Hand the conversation back to the bot")
def close_conversation(conversation_id: ConversationId) -> dict[str, Any]:
    p = principal()
    if not p.has_role("officer", "commander"):
        raise Forbidden()
    state = _load(p, conversation_id, "conversation.close")
    at = iso(utcnow())
    state = conversations.service().close_handoff(state, p.username, at)
    audit.trail().record(
        p.username,
        "conversation.close",
        "conversation",
        conversation_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        before={"handed_off": True},
        after={"handed_off": False},
    )
    return _view(state, p)
