"""The conversation log of each citizen with each OA, its state item, and hand-offs to officers.

`rules` (records, pure rules), `sealed` (citizen content sealed at rest), `store` (the only module that
builds DynamoDB requests), `service` (what callers use). `service()` builds the real service; the
module-level functions are that service's methods, for the areas that call them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anninh.conversations.rules import MAX_STORED_TEXT, ConversationMessage, ConversationState
from anninh.conversations.sealed import (
    OFFICER_MESSAGE_FIELDS,
    SEALED_MESSAGE_FIELDS,
    message_context,
    officer_view,
    open_message,
    seal_message,
)
from anninh.conversations.service import ConversationService
from anninh.conversations.store import ConversationStore, DynamoConversationStore, default_store
from anninh.settings import get_settings

__all__ = [
    "MAX_STORED_TEXT",
    "OFFICER_MESSAGE_FIELDS",
    "SEALED_MESSAGE_FIELDS",
    "ConversationMessage",
    "ConversationService",
    "ConversationState",
    "ConversationStore",
    "DynamoConversationStore",
    "message_context",
    "officer_view",
    "open_message",
    "seal_message",
    "service",
]


def service() -> ConversationService:
    """The service over the main table."""
    return ConversationService(default_store(), get_settings().retention_days)


def record_inbound(  # noqa: PLR0917 - the order of a conversation message
    oa_id: str,
    user_id: str,
    at: datetime,
    msg_id: str,
    kind: str,
    message: dict[str, Any],
    event_key: str,
    text: str | None = None,
) -> bool:
    return service().record_inbound(oa_id, user_id, at, msg_id, kind, message, event_key, text)


def record_outbound(  # noqa: PLR0917 - the interface other areas call
    oa_id: str,
    user_id: str,
    at: datetime,
    msg_id: str,
    message: dict[str, Any],
    origin: str,
    officer: str | None = None,
    case_id: str | None = None,
    message_key: str | None = None,
) -> bool:
    return service().record_outbound(
        oa_id, user_id, at, msg_id, message, origin, officer, case_id, message_key
    )


def list_messages(  # noqa: PLR0917 - the interface other areas call
    oa_id: str,
    user_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
    newest_first: bool = False,
) -> tuple[list[ConversationMessage], str | None]:
    return service().list_messages(oa_id, user_id, since, until, limit, cursor, newest_first)


def get_state(oa_id: str, user_id: str) -> ConversationState | None:
    return service().get_state(oa_id, user_id)


def ensure_state(oa_id: str, user_id: str, unit_id: str, at: datetime) -> ConversationState:
    return service().ensure_state(oa_id, user_id, unit_id, at)


def set_open_case(oa_id: str, user_id: str, case_id: str, window_until: datetime) -> None:
    service().set_open_case(oa_id, user_id, case_id, window_until)


def extend_case_window(oa_id: str, user_id: str, case_id: str, window_until: datetime) -> None:
    service().extend_case_window(oa_id, user_id, case_id, window_until)


def set_officer_thread(oa_id: str, user_id: str, case_id: str, until: datetime) -> None:
    service().set_officer_thread(oa_id, user_id, case_id, until)


def save_bot_state(oa_id: str, user_id: str, bot: dict[str, Any]) -> None:
    service().save_bot_state(oa_id, user_id, bot)


def set_handoff(oa_id: str, user_id: str, unit_id: str, at: datetime) -> None:
    service().set_handoff(oa_id, user_id, unit_id, at)


def list_handoffs(unit_id: str, limit: int = 50) -> list[ConversationState]:
    return service().list_handoffs(unit_id, limit)
