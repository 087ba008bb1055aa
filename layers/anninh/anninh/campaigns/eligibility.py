"""Who may receive a campaign now, and why not: the rules the platform enforces per message type.

- Consultation messages (`cs`) need an interaction within the last 7 days (Zalo answers -230).
- Promotion types (promotion messages, article broadcasts, ZNS) are refused 22:00-06:00 Vietnam time
  (-234) and are capped per follower: at most 1 a day and 4 a month.
- Nobody who unfollowed or asked for their data to be withdrawn (`user_withdraw`) receives anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from anninh.clock import VN_TZ, parse_iso
from anninh.zalo.errors import end_of_quiet_hours

WINDOW = timedelta(days=7)
QUIET_START_HOUR = 22
QUIET_END_HOUR = 6
CAP_PER_DAY = 1
CAP_PER_MONTH = 4


@dataclass(frozen=True)
class AudienceMember:
    user_id: str
    following: bool = True
    withdrawn: bool = False
    last_interaction_at: str | None = None
    tags: frozenset[str] = frozenset()


def in_quiet_hours(at: datetime) -> bool:
    hour = at.astimezone(VN_TZ).hour
    return hour >= QUIET_START_HOUR or hour < QUIET_END_HOUR


def quiet_hours_end(at: datetime) -> datetime:
    return end_of_quiet_hours(at)


def restricted(message_type: str, kind: str) -> bool:
    """True for the types Zalo treats as promotions (quiet hours and per-follower caps)."""
    return message_type == "promotion" or kind in ("article", "zns")


def ineligible_reason(member: AudienceMember, message_type: str, now: datetime) -> str | None:
    """Why this follower cannot receive the campaign at `now` (None when they can)."""
    if member.withdrawn:
        return "withdrawn"
    if not member.following:
        return "unfollowed"
    if message_type == "cs" and (
        not member.last_interaction_at or parse_iso(member.last_interaction_at) < now - WINDOW
    ):
        return "outside_window"
    return None
