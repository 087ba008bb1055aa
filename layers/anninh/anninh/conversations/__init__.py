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


def record_inbound(*args: Any, **kwargs: Any) -> bool:
    return service().record_inbound(*args, **kwargs)


def record_outbound(*args: Any, **kwargs: Any) -> bool:
    return service().record_outbound(*args, **kwargs)


def list_messages(*args: Any, **kwargs: Any) -> tuple[list[ConversationMessage], str | None]:
    return service().list_messages(*args, **kwargs)


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
