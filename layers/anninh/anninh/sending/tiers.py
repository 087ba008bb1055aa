"""Zalo's message tiers: which messages are free replies, which draw on the OA's proactive quota.

Zalo (docs/zalo.md, S1-S3): after a citizen writes, the OA may send 8 free replies within 48 hours,
reset each time the citizen writes again, and only when the send names the citizen's message in
`recipient.message_id`; anything else sent 1:1 is a proactive message, counted against the OA's
monthly quota (Vietnam month; 1,000 free for a verified OA). Broadcasts and ZNS have their own quotas.

- `window_from_log(items)` / `decide(window, now)` — the pure rule, on the conversation log;
- `ConversationWindows` — the window from the latest items of a conversation (one query, at most 9
  items, read through the conversations' store);
- `QuotaLedger` — proactive sends per OA and month, counted once per outbox message key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from anninh import keys
from anninh.clock import VN_TZ, iso, parse_iso
from anninh.conversations.store import ConversationStore
from anninh.conversations.store import default_store as default_conversation_store
from anninh.sending.store import QuotaStore, default_sending_store

Tier = Literal["reply", "proactive", "broadcast", "zns"]
TIERS: tuple[Tier, ...] = ("reply", "proactive", "broadcast", "zns")
FREE_REPLIES = 8
REPLY_WINDOW = timedelta(hours=48)
# Items of the conversation to read: the latest citizen message is among them unless 8 or more of our
# messages followed it, in which case no free reply is left anyway.
LOOKBACK = FREE_REPLIES + 1
MARKER_TTL_SECONDS = 40 * 24 * 3600


@dataclass(frozen=True)
class ReplyWindow:
    """The citizen's latest message (if we know one) and how many messages the OA sent after it."""

    message_id: str | None = None
    user_at: datetime | None = None
    used: int = 0

    def until(self) -> datetime | None:
        return self.user_at + REPLY_WINDOW if self.user_at else None

    def free_left(self, now: datetime) -> int:
        until = self.until()
        if not self.message_id or until is None or now > until:
            return 0
        return max(0, FREE_REPLIES - self.used)


@dataclass(frozen=True)
class TierDecision:
    tier: Tier
    reply_to: str | None = None  # the citizen's message id carried by a reply
    free_left: int = 0  # free replies left before this send
    until: datetime | None = None  # end of the 48-hour window

    def as_json(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "reply_to": self.reply_to,
            "free_left": self.free_left,
            "free_until": iso(self.until) if self.until else None,
        }


def window_from_log(items: Iterable[Mapping[str, Any]]) -> ReplyWindow:
    """From conversation items newest first (`direction` in/out, `at`, `msg_id`)."""
    used = 0
    for item in items:
        if item.get("direction") == "in":
            try:
                at = parse_iso(str(item.get("at")))
            except ValueError:
                return ReplyWindow(used=used)
            msg_id = str(item.get("msg_id") or "")
            return ReplyWindow(message_id=msg_id or None, user_at=at, used=used)
        if item.get("direction") == "out":
            used += 1
            if used >= FREE_REPLIES:
                return ReplyWindow(used=used)
    return ReplyWindow(used=used)


def decide(window: ReplyWindow, now: datetime, kind: str = "cs") -> TierDecision:
    """The tier of one 1:1 send: a consultation message inside the free window is a reply."""
    left = window.free_left(now)
    if kind == "cs" and left > 0 and window.message_id:
        return TierDecision("reply", window.message_id, left, window.until())
    return TierDecision("proactive", None, left, window.until())


def vn_month(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%Y-%m")


class ConversationTail(Protocol):
    def latest(self, oa_id: str, user_id: str, limit: int) -> list[dict[str, Any]]:
        """The conversation's latest messages, newest first (`direction`, `at`, `msg_id`)."""
        ...


class ConversationLogTail:
    """The latest messages of a conversation, from the conversations' own store (one query)."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def latest(self, oa_id: str, user_id: str, limit: int) -> list[dict[str, Any]]:
        pk = keys.conversation_pk(oa_id, user_id)
        items, _ = self.store.messages_page(pk, "MSG#", "MSG#~", limit, start=None, newest_first=True)
        return items


class ConversationWindows:
    """Reads the reply window of a conversation from the conversation log (anninh.conversations)."""

    def __init__(self, log: ConversationTail | None = None) -> None:
        self.log: ConversationTail = log or ConversationLogTail(default_conversation_store())

    def window(self, oa_id: str, user_id: str) -> ReplyWindow:
        return window_from_log(self.log.latest(oa_id, user_id, LOOKBACK))


class QuotaLedger:
    """Proactive sends per OA and Vietnam month: `PK=OA#<oa_id> SK=QUOTA#<yyyy-mm>`, `proactive`.

    Counted in one transaction with a marker item per message key (`PK=QUOTA#MARK#<key>`), so a
    redelivered message (the sender repeats its bookkeeping) or a retried batch is never counted twice.
    """

    def __init__(self, store: QuotaStore | None = None) -> None:
        self.store: QuotaStore = store or default_sending_store()

    def count_proactive(self, oa_id: str, message_key: str, at: datetime, n: int = 1) -> bool:
        """Add `n` proactive sends to the OA's month, once per `message_key` (an outbox message key, or
        a campaign batch key); False when that key was counted already."""
        expires_at = int(at.timestamp()) + MARKER_TTL_SECONDS
        return self.store.add_proactive(oa_id, vn_month(at), message_key, n, expires_at)

    def used(self, oa_id: str, month: str) -> int:
        return self.store.proactive_used(oa_id, month)
