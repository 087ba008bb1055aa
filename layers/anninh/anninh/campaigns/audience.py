"""The audience of a campaign: followers of the chosen OAs, read page by page from the followers
index (GSI1PK=OA#<oa_id>#FOLLOWERS, GSI1SK=<last interaction>) with a resumable cursor.

The follower registry (`anninh.followers`) owns the items; this module only reads them, page by page
with the DynamoDB cursor, because the planner must checkpoint between pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from boto3.dynamodb.conditions import Key

from anninh import aws, keys
from anninh.campaigns.eligibility import AudienceMember
from anninh.clock import iso

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


def member_from_item(item: dict[str, Any]) -> AudienceMember:
    user_id = str(item.get("user_id") or str(item.get("SK", "")).removeprefix("FOLLOWER#"))
    return AudienceMember(
        user_id=user_id,
        following=bool(item.get("following", True)),
        withdrawn=bool(item.get("withdrawn", False)),
        last_interaction_at=item.get("last_interaction_at") or item.get("GSI1SK"),
        tags=frozenset(item.get("tags") or ()),
    )


class DynamoAudience:
    """Followers from the main table's GSI1 (one Query per page)."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table()
        return self._table

    def page(
        self,
        oa_id: str,
        flt: AudienceFilter,
        now: datetime,
        cursor: dict[str, Any] | None,
        limit: int = PAGE_SIZE,
    ) -> AudiencePage:
        condition: Any = Key("GSI1PK").eq(keys.followers_by_interaction_gsi(oa_id))
        since = flt.since(now)
        if since is not None:
            condition = condition & Key("GSI1SK").gte(iso(since))
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": condition,
            "Limit": limit,
            "ProjectionExpression": "PK, SK, GSI1PK, GSI1SK, user_id, following, withdrawn, "
            "last_interaction_at, tags",
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        result = self.table.query(**kwargs)
        wanted = set(flt.tags)
        members = []
        for item in result.get("Items", []):
            member = member_from_item(item)
            if wanted and not wanted.intersection(member.tags):
                continue
            members.append(member)
        return AudiencePage(members=members, cursor=result.get("LastEvaluatedKey"))
