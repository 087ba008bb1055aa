"""The conversation log of each citizen with each OA, its state item, and hand-offs to officers.

`rules` (records, pure rules), `sealed` (citizen content sealed at rest), `store` (the only module that
builds DynamoDB requests), `service` (what callers use). `service()` builds the real service, which
the areas that log or read a conversation call.
"""

from __future__ import annotations

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
