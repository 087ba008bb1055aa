"""The audience of a campaign: followers of the chosen OAs, read page by page from the followers
index (GSI1PK=OA#<oa_id>#FOLLOWERS, GSI1SK=<last interaction>) with a resumable cursor.

The follower registry (`anninh.followers`) owns the items; the campaign store reads them
(`anninh.campaigns.store.DynamoAudience`), page by page with the DynamoDB cursor, because the planner
must checkpoint between pages. The same pages give the quota figures their open conversations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from anninh.campaigns.eligibility import AudienceMember

PAGE_SIZE = 1000


@dataclass
class AudiencePage:
    members: list[AudienceMember]
    cursor: dict[str, Any] | None  # None when the OA's audience is exhausted
    calls: int = 1


@dataclass
class AudienceFilter:
    interacted_within_days: int | None = None
    tags: list[str] = field(default_factory=list)

    def since(self, now: datetime) -> datetime | None:
        if self.interacted_within_days is None:
            return None
        return now - timedelta(days=self.interacted_within_days)


class AudienceSource(Protocol):
    def page(
        self,
        oa_id: str,
        flt: AudienceFilter,
        now: datetime,
        cursor: dict[str, Any] | None,
        limit: int = PAGE_SIZE,
    ) -> AudiencePage: ...


def members_of(items: list[dict[str, Any]], flt: AudienceFilter) -> list[AudienceMember]:
    """The followers of a page that the filter keeps (any of its tags, when it names some)."""
    wanted = set(flt.tags)
    members = [member_from_item(item) for item in items]
    return [m for m in members if not wanted or wanted.intersection(m.tags)]


def member_from_item(item: dict[str, Any]) -> AudienceMember:
    user_id = str(item.get("user_id") or "")  # opened by the store (sealed at rest)
    return AudienceMember(
        user_id=user_id,
        following=bool(item.get("following", True)),
        withdrawn=bool(item.get("withdrawn", False)),
        last_interaction_at=item.get("last_interaction_at") or item.get("GSI1SK"),
        tags=frozenset(item.get("tags") or ()),
    )
