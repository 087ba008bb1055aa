"""Conversations and hand-offs: what intake, cases, sending and the officer API call.

The service takes its store in the constructor; `anninh.conversations.service()` builds the real one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from anninh import keys
from anninh.clock import iso
from anninh.conversations.rules import (
    MAX_HANDOFFS_PER_UNIT,
    MAX_PAGE,
    ConversationMessage,
    ConversationState,
    decode_cursor,
    encode_cursor,
    handoff_page,
    last_inbound,
    outbound_kind,
)
from anninh.conversations.sealed import officer_view, open_message, open_user_id, seal_message, seal_user_id
from anninh.conversations.store import ConversationStore
from anninh.dynamo import plain, to_dynamo


def _state(item: dict[str, Any], user_id: str | None = None) -> ConversationState:
    """The state record; the Zalo id from the caller when it knows it, else opened from the item."""
    data = {k: plain(v) for k, v in item.items() if k in ConversationState.model_fields}
    data["user_id"] = user_id or open_user_id(item) or ""
    return ConversationState.model_validate(data)


class ConversationService:
    def __init__(
        self, store: ConversationStore, retention_days: int, new_id: Callable[[], str] | None = None
    ):
        self.store = store
        self.retention_days = retention_days
        self.new_id = new_id or (lambda: uuid.uuid4().hex)

    def _expires_at(self, at: datetime) -> int:
        return int((at + timedelta(days=self.retention_days)).timestamp())

    # --- the log ---------------------------------------------------------------------------------

    def record_inbound(  # noqa: PLR0917 - the order of a conversation message
        self,
        oa_id: str,
        user_id: str,
        at: datetime,
        msg_id: str,
        kind: str,
        message: dict[str, Any],
        event_key: str,
        text: str | None = None,
    ) -> bool:
        """Store a citizen's message; False when it was stored already (redelivery)."""
        at_iso = iso(at)
        item = {
            **keys.message(oa_id, user_id, at_iso, msg_id),
            "type": "message",
            "direction": "in",
            "oa_id": oa_id,
            "at": at_iso,
            "msg_id": msg_id,
            "kind": kind,
            "text": text,
            "message": to_dynamo(message),
            "event_key": event_key,
            "expires_at": self._expires_at(at),
        }
        return self.store.put_new(seal_message({k: v for k, v in item.items() if v is not None}))

    def record_outbound(  # noqa: PLR0917 - the interface other areas call
        self,
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
        """Store a message the OA sent (ours, an echo, or a human admin's); False if already recorded.

        Deduplicated on Zalo's msg_id: our sender records with the id Zalo returned, and the echo
        (oa_send_*) carries the same id.
        """
        at_iso = iso(at)
        key = keys.message(oa_id, user_id, at_iso, msg_id)
        item: dict[str, Any] = {
            **key,
            "type": "message",
            "direction": "out",
            "oa_id": oa_id,
            "at": at_iso,
            "msg_id": msg_id,
            "kind": outbound_kind(message),
            "text": message.get("text"),
            "message": to_dynamo(message),
            "origin": origin,
            "officer": officer,
            "case_id": case_id,
            "message_key": message_key,
            "expires_at": self._expires_at(at),
        }
        item = seal_message({k: v for k, v in item.items() if v is not None})
        marker = {
            "PK": key["PK"],
            "SK": f"MSGID#{msg_id}",
            "type": "message_marker",
            "message_sk": key["SK"],
            "expires_at": item["expires_at"],
        }
        return self.store.put_outbound(item, marker)

    def list_messages(  # noqa: PLR0917 - the interface other areas call
        self,
        oa_id: str,
        user_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> tuple[list[ConversationMessage], str | None]:
        """A page of the conversation between `since` and `until` (oldest first unless asked otherwise)."""
        pk = keys.conversation_pk(oa_id, user_id)
        low = "MSG#" + (iso(since) if since else "")
        high = "MSG#" + (iso(until) if until else "~")
        start = decode_cursor(cursor, pk)
        size = max(1, min(limit, MAX_PAGE))
        items, last = self.store.messages_page(pk, low, high, size, start=start, newest_first=newest_first)
        messages = [
            ConversationMessage.model_validate({**plain(open_message(i)), "user_id": user_id}) for i in items
        ]
        return messages, encode_cursor(last)

    def stored_messages(
        self, oa_id: str, user_id: str, start_iso: str, end_iso: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """The messages between two instants (to the end without `end_iso`) as stored (sealed), oldest
        first, at most `limit`: what a case shows of the citizen's conversation."""
        pk = keys.conversation_pk(oa_id, user_id)
        high = f"MSG#{end_iso}" if end_iso else "MSG#\uffff"
        out: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while len(out) < limit:
            items, start = self.store.messages_page(
                pk, f"MSG#{start_iso}", high, limit - len(out), start=start, newest_first=False
            )
            out.extend(items)
            if not start:
                break
        return out

    # --- state -----------------------------------------------------------------------------------

    def get_state(self, oa_id: str, user_id: str) -> ConversationState | None:
        item = self.store.get_state(oa_id, user_id)
        return _state(item, user_id) if item else None

    def ensure_state(self, oa_id: str, user_id: str, unit_id: str, at: datetime) -> ConversationState:
        """The state item, created on first contact with a fresh opaque conversation_id."""
        sealed = seal_user_id(keys.conversation_pk(oa_id, user_id), user_id)
        fields = {"oa_id": oa_id, "user_id": sealed, "unit_id": unit_id, "last_inbound_at": iso(at)}
        return _state(self.store.ensure_state(oa_id, user_id, fields, self.new_id()), user_id)

    def set_open_case(self, oa_id: str, user_id: str, case_id: str, window_until: datetime) -> None:
        self.store.set_open_case(oa_id, user_id, case_id, iso(window_until))

    def extend_case_window(self, oa_id: str, user_id: str, case_id: str, window_until: datetime) -> None:
        """Keep the window open while the citizen keeps sending (only for the same case, only forward)."""
        self.store.extend_case_window(oa_id, user_id, case_id, iso(window_until))

    def set_officer_thread(self, oa_id: str, user_id: str, case_id: str, until: datetime) -> None:
        """An officer wrote to the citizen about a case: their next messages go to it until `until`."""
        self.store.set_officer_thread(oa_id, user_id, case_id, iso(until))

    def save_bot_state(self, oa_id: str, user_id: str, bot: dict[str, Any]) -> None:
        self.store.save_bot_state(oa_id, user_id, to_dynamo(bot))

    # --- hand-offs -------------------------------------------------------------------------------

    def set_handoff(self, oa_id: str, user_id: str, unit_id: str, at: datetime) -> None:
        """Flag the conversation for a human: it appears in the unit's hand-off list (GSI1)."""
        self.store.set_handoff(oa_id, user_id, unit_id, iso(at))

    def handoffs_waiting(self, unit_id: str) -> int:
        """Conversations of the unit waiting for an officer (the inbox's navigation badge)."""
        return self.store.handoff_count(unit_id)

    def list_handoffs(self, unit_id: str, limit: int = 50) -> list[ConversationState]:
        return [_state(i) for i in self.store.handoffs(unit_id, limit)[:limit]]

    def handoff_page(
        self, units: list[str], after: tuple[str, str] | None, limit: int
    ) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
        """One page of the hand-off state items of `units`, newest first (officers' list)."""
        rows = [row for unit in units for row in self.store.handoffs(unit, MAX_HANDOFFS_PER_UNIT)]
        return handoff_page(rows, after, limit)

    def by_conversation_id(self, conversation_id: str) -> dict[str, Any] | None:
        """The state item behind the opaque id officers see."""
        return self.store.state_by_conversation_id(conversation_id)

    def officer_messages(self, state: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        """The newest `limit` messages of a conversation as officers see them, oldest first."""
        items, _ = self.store.messages_page(
            str(state["PK"]), "MSG#", "MSG#~", limit, start=None, newest_first=True
        )
        return [officer_view(m) for m in reversed(items)]

    def last_inbound_text(self, state: dict[str, Any]) -> str | None:
        """What the citizen last wrote (the question the bot could not answer, usually)."""
        items, _ = self.store.messages_page(
            str(state["PK"]), "MSG#", "MSG#~", 10, start=None, newest_first=True
        )
        item = last_inbound(items)
        text = officer_view(item).get("text") if item else None
        return text if isinstance(text, str) else None

    def close_handoff(self, state: dict[str, Any], by: str, at: str) -> dict[str, Any]:
        """Hand the conversation back to the bot; the state item as it is now."""
        self.store.close_handoff(str(state["PK"]), at, by)
        out = {**state, "handed_off": False, "handoff_closed_at": at, "handoff_closed_by": by}
        out.pop("GSI1PK", None)
        out.pop("GSI1SK", None)
        return out

    @staticmethod
    def citizen(state: dict[str, Any]) -> tuple[str, str]:
        """(oa_id, Zalo user_id) of a state item: the id is opened from its sealed field (the key
        holds only its keyed hash); "" when it does not open."""
        parts = str(state.get("PK", "")).split("#")
        oa_id = str(state.get("oa_id") or (parts[1] if len(parts) > 1 else ""))
        return oa_id, open_user_id(state) or ""
