"""Conversations and hand-offs: the records and the pure rules (no I/O).

Messages: PK=CONV#<oa>#<user_hash>, SK=MSG#<iso>#<msg_id>, oldest first (`keys.citizen_ref`: the keyed
hash of the Zalo id, never the id). Every inbound message is keyed by
Zalo's timestamp and msg_id, so a redelivered event writes nothing new. Outbound messages (our sends,
OA echoes, human admin replies) also write a marker SK=MSGID#<msg_id> in the same transaction: whichever
of "our sender recorded it" and "Zalo echoed it" comes second is a no-op.

State: SK=STATE holds the opaque conversation_id officers see (GSI2), the open tip case and its
window, the bot's state, and the hand-off flag (GSI1 = the unit's hand-off list while set).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from anninh.clock import iso

MAX_STORED_TEXT = 8000
MAX_PAGE = 200
# Hand-offs read per unit for one page of the officers' list (a unit never has more open at once).
MAX_HANDOFFS_PER_UNIT = 2000


class ConversationMessage(BaseModel):
    oa_id: str
    user_id: str
    at: str
    msg_id: str
    direction: str
    kind: str = "text"  # text, image, video, file, location, ... for inbound; "text"/"template" out
    text: str | None = None
    message: dict[str, Any] = Field(default_factory=dict)
    origin: str | None = None  # outbound: bot, officer, system, reminder, oa, admin
    officer: str | None = None
    case_id: str | None = None
    message_key: str | None = None
    event_key: str | None = None


class ConversationState(BaseModel):
    oa_id: str
    user_id: str
    conversation_id: str
    unit_id: str | None = None
    open_case_id: str | None = None
    case_window_until: str | None = None
    bot: dict[str, Any] = Field(default_factory=dict)
    handed_off: bool = False
    handed_off_at: str | None = None
    last_inbound_at: str | None = None
    # Cases an officer wrote to the citizen about: case_id -> until when the citizen's messages go to
    # that case rather than to the bot (set by the officer's reply; see anninh.cases.service).
    officer_threads: dict[str, str] = Field(default_factory=dict)

    def active_threads(self, now: datetime) -> list[str]:
        """Case ids with an officer thread still open, the most recent officer reply first."""
        stamp = iso(now)
        live = [(until, case_id) for case_id, until in self.officer_threads.items() if until > stamp]
        return [case_id for _, case_id in sorted(live, reverse=True)]

    def case_window_open(self, now: datetime) -> bool:
        return bool(self.open_case_id and self.case_window_until and self.case_window_until > iso(now))


def outbound_kind(message: dict[str, Any]) -> str:
    return "text" if "text" in message and len(message) == 1 else "template"


def capped(item: dict[str, Any]) -> dict[str, Any]:
    """Zalo caps a text at 2,000 characters; a hostile signed body may carry far more. Keep the item
    under DynamoDB's 400 KB whatever arrives (the raw body stays in the event receipt for 30 days)."""
    out = dict(item)
    if isinstance(out.get("text"), str):
        out["text"] = out["text"][:MAX_STORED_TEXT]
    if isinstance(out.get("message"), dict) and isinstance(out["message"].get("text"), str):
        out["message"] = {**out["message"], "text": out["message"]["text"][:MAX_STORED_TEXT]}
    return out


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode_cursor(cursor: str | None, pk: str) -> dict[str, Any] | None:
    """The start key of a message page; ValueError for anything but a key of this conversation."""
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:
        raise ValueError("invalid cursor") from exc
    if not isinstance(value, dict) or set(value) != {"PK", "SK"} or value["PK"] != pk:
        raise ValueError("invalid cursor")
    return value


def handoff_order(row: dict[str, Any]) -> tuple[str, str]:
    """Sort key of a hand-off in the officers' list: when it was handed off, then its id."""
    return (str(row.get("GSI1SK", "")), str(row.get("conversation_id", "")))


def handoff_page(
    rows: list[dict[str, Any]], after: tuple[str, str] | None, limit: int
) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
    """Newest first, strictly after the cursor; the next cursor when more remain."""
    ordered = sorted(rows, key=handoff_order, reverse=True)
    if after is not None:
        ordered = [r for r in ordered if handoff_order(r) < after]
    page = ordered[:limit]
    return page, (handoff_order(page[-1]) if len(ordered) > limit else None)


def last_inbound(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest inbound message with text among `items` (newest first)."""
    return next((i for i in items if i.get("direction") == "in" and i.get("text") is not None), None)
