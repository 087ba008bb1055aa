"""What the sender needs from other areas, behind small ports so the logic is tested with fakes.

The defaults delegate to the owning modules: `anninh.followers` (last interaction),
`anninh.conversations` (the conversation log), `anninh.stats.counters`, `anninh.registry.store`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from anninh import conversations, followers
from anninh.clock import parse_iso
from anninh.outbox import OutboundMessage
from anninh.registry.store import current_registry
from anninh.sending.tiers import ReplyWindow
from anninh.stats import counters


class SendLimiter(Protocol):
    """The app-wide shared rate limiter (anninh.ratelimit.RateLimiter) that broadcasts also draw from."""

    def take(self, app_id: str, want: int = 1, max_wait: float = 30.0) -> Any: ...


class Followers(Protocol):
    def last_interaction(self, oa_id: str, user_id: str) -> datetime | None: ...


class Conversations(Protocol):
    def record_outbound(self, msg: OutboundMessage, message_id: str, at: datetime) -> None: ...


class ReplyWindows(Protocol):
    """The citizen's latest message and our messages since (anninh.sending.tiers.ConversationWindows)."""

    def window(self, oa_id: str, user_id: str) -> ReplyWindow: ...


class Ledger(Protocol):
    """Proactive sends per OA and month (anninh.sending.tiers.QuotaLedger)."""

    def count_proactive(self, oa_id: str, message_key: str, at: datetime, n: int = 1) -> bool: ...


class Stats(Protocol):
    def count_sent(self, msg: OutboundMessage, unit_id: str, at: datetime) -> None: ...


class FollowerRegistry:
    """Last interaction of a follower (following counts as one); None when we have no record."""

    def last_interaction(self, oa_id: str, user_id: str) -> datetime | None:
        follower = followers.get_follower(oa_id, user_id)
        if follower is None or not follower.last_interaction_at:
            return None
        try:
            return parse_iso(follower.last_interaction_at)
        except ValueError:
            return None


class ConversationLog:
    """Stores the sent message in the citizen's conversation history with Zalo's message id."""

    def record_outbound(self, msg: OutboundMessage, message_id: str, at: datetime) -> None:
        conversations.service().record_outbound(
            oa_id=msg.oa_id,
            user_id=msg.user_id,
            at=at,
            msg_id=message_id,
            message=msg.message,
            origin=msg.origin,
            officer=msg.officer,
            case_id=msg.case_id,
            message_key=msg.key,
        )


class CounterStats:
    def count_sent(self, msg: OutboundMessage, unit_id: str, at: datetime) -> None:
        if unit_id:
            counters.count(f"out:{msg.key}", msg.oa_id, unit_id, at, messages_out=1)


def unit_of(oa_id: str) -> str:
    oa = current_registry().oa(oa_id)
    return oa.unit_id if oa else ""


def app_of(oa_id: str) -> str:
    oa = current_registry().oa(oa_id)
    return oa.app_id if oa else ""
