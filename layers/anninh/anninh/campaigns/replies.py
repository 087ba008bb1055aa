"""Conversations of an OA still inside their free reply window, found through the campaigns' audience.

The count officers see as `free_replies_open` in an OA's quota figures (`sending.quota.oa_quota`
takes it as its `open_replies` figure; the quota route passes this function). It lives here, not in
`sending`, because its candidates are the campaigns' audience pages (followers by last interaction,
GSI1) and `campaigns` already depends on `sending` (docs/architecture.md, "Layering").
"""

from __future__ import annotations

from datetime import datetime

from anninh.campaigns.audience import AudienceFilter, AudienceSource
from anninh.campaigns.store import default_audience
from anninh.sending.tiers import REPLY_WINDOW, ConversationWindows

MAX_OPEN_CANDIDATES = 500  # conversations looked at for `free_replies_open`


def free_replies_open(
    oa_id: str,
    now: datetime,
    *,
    audience: AudienceSource | None = None,
    windows: ConversationWindows | None = None,
) -> int:
    """Conversations of the OA whose citizen wrote less than 48 hours ago and that have free replies
    left. Candidates come from the followers' last interaction (the campaigns' audience pages, GSI1),
    then each conversation's log."""
    audience = audience or default_audience()
    windows = windows or ConversationWindows()
    recent = AudienceFilter(interacted_within_days=REPLY_WINDOW.days)
    count, seen, cursor = 0, 0, None
    while seen < MAX_OPEN_CANDIDATES:
        page = audience.page(oa_id, recent, now, cursor, limit=100)
        for member in page.members:
            seen += 1
            if member.user_id and windows.window(oa_id, member.user_id).free_left(now) > 0:
                count += 1
        cursor = page.cursor
        if not cursor:
            break
    return count
