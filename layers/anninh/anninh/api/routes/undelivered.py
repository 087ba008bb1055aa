"""Messages the outbox sender could not deliver, for the officers of the units that sent them.

The sender keeps them per unit (`anninh.sending.list_undelivered`, GSI1PK=UNIT#<unit>#UNDELIVERED):
outside the citizen's 7-day interaction window, refused by Zalo, or given up after retries. Officers
see why (a Vietnamese label), what was meant to be said, when, the tip it belongs to and the opaque
conversation id (from the conversation state item) — never the Zalo user id nor the raw message key.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from anninh import conversations, crypto, sending
from anninh.api.auth import Principal, principal, require_role, require_visible_unit
from anninh.api.routes import tips as tip_routes
from anninh.observability import logger
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()

# What a non-text message was, in the officers' words.
_ATTACHMENT_LABELS = {
    "image": "(Hình ảnh)",
    "article": "(Bài viết)",
    "request_user_info": "(Yêu cầu chia sẻ thông tin liên hệ)",
    "buttons": "(Tin nhắn có nút bấm)",
}


def _kind_and_text(message: Any) -> tuple[str, str]:
    """The message kind and the text an officer reads (a label for attachments without text)."""
    if not isinstance(message, dict):
        return "other", ""
    attachment = message.get("attachment")
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    payload = payload if isinstance(payload, dict) else {}
    elements = payload.get("elements") if isinstance(payload.get("elements"), list) else []
    first = elements[0] if elements and isinstance(elements[0], dict) else {}
    if not attachment:
        kind = "text"
    elif payload.get("template_type") == "request_user_info":
        kind = "request_user_info"
    elif first.get("media_type") in ("image", "article"):
        kind = str(first["media_type"])
    elif payload.get("buttons"):
        kind = "buttons"
    else:
        kind = "other"
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return kind, text
    if isinstance(first.get("title"), str) and first["title"].strip():
        return kind, str(first["title"])
    return kind, _ATTACHMENT_LABELS.get(kind, "(Tin nhắn không có nội dung văn bản)")


def _conversation_id(oa_id: str, user_id: str, cache: dict[tuple[str, str], str | None]) -> str | None:
    if not oa_id or not user_id:
        return None
    if (oa_id, user_id) not in cache:
        try:
            state = conversations.service().get_state(oa_id, user_id)
        except ValueError:  # a state item without its opaque id: nothing to link to
            state = None
        cache[(oa_id, user_id)] = state.conversation_id if state and state.conversation_id else None
    return cache[(oa_id, user_id)]


def _case_code(case_id: str | None, cache: dict[str, str | None]) -> str | None:
    if not case_id:
        return None
    if case_id not in cache:
        item = tip_routes.service().case_item(case_id) or {}
        data = item.get("data") if isinstance(item.get("data"), dict) else item
        code = data.get("code") if isinstance(data, dict) else None
        cache[case_id] = str(code) if code else None
    return cache[case_id]


def _pseudonym(p: Principal, user_id: str) -> str:
    try:
        return crypto.pseudonym(p.unit_id, user_id)
    except Exception:
        logger.exception("pseudonym unavailable")
        return "Công dân"


def _view(
    row: dict[str, Any],
    unit_id: str,
    p: Principal,
    conversations: dict[tuple[str, str], str | None],
    codes: dict[str, str | None],
) -> dict[str, Any]:
    registry = current_registry()
    oa_id = str(row.get("oa_id") or "")
    user_id = str(row.get("user_id") or "")
    kind, text = _kind_and_text(row.get("message"))
    if user_id:  # a message that quotes the Zalo id back must not leak it
        text = text.replace(user_id, "…")
    unit = registry.unit(unit_id)
    oa = registry.oa(oa_id) if oa_id else None
    case_id = row.get("case_id") or None
    return {
        "id": hashlib.sha256(str(row.get("key", "")).encode()).hexdigest()[:24],
        "unit_id": unit_id,
        "unit_name": unit.name if unit else None,
        "oa_id": oa_id or None,
        "oa_name": oa.name if oa else None,
        "status": row.get("status"),
        "cause": row.get("cause") or None,
        "label": row.get("label"),
        "error_code": row.get("error_code"),
        "kind": kind,
        "text": text,
        "at": row.get("at"),
        "origin": row.get("origin"),
        "officer": row.get("officer"),
        "case_id": case_id,
        "case_code": _case_code(case_id, codes),
        "conversation_id": _conversation_id(oa_id, user_id, conversations),
        "pseudonym": _pseudonym(p, user_id) if user_id else None,
    }


@router.get(
    "/undelivered",
    summary="Messages to citizens that could not be delivered (newest first, the units the caller sees)",
)
def list_undelivered(
    unit_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    p = principal()
    require_role(p, "officer", "commander")
    if unit_id:
        require_visible_unit(p, unit_id, "undelivered.list")
    rows: list[tuple[str, dict[str, Any]]] = []
    for unit in [unit_id] if unit_id else p.visible_units:
        rows.extend((unit, row) for row in sending.list_undelivered(unit, limit=limit))
    rows.sort(key=lambda r: (str(r[1].get("at") or ""), str(r[1].get("key") or "")), reverse=True)
    conversations: dict[tuple[str, str], str | None] = {}
    codes: dict[str, str | None] = {}
    items = [_view(row, unit, p, conversations, codes) for unit, row in rows[:limit]]
    return {"items": items, "count": len(items)}
