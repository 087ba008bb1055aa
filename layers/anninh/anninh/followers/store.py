"""Data access for followers.

Item: `keys.follower(oa_id, user_id)` (PK=OA#<oa_id> SK=FOLLOWER#<user_hash>, the keyed hash of the
Zalo id), on `GSI1PK=keys.followers_by_interaction_gsi(oa_id)`, `GSI1SK=<last_interaction_iso>` so an
audience "interacted since T" is one range query. The `user_id` attribute (what campaigns send to) is
sealed to the item and field (`crypto.seal_field`) and opened when read. Every write is an upsert of
the one item; follow/unfollow and interactions are conditional so late events never move the record
backward. A record written before the keyed hash (`keys.follower_before_hash`) is still read by `get`
when the citizen has no new one yet (by `sealed_record`, for a commander's reveal, when the new one has
no shared info), and cleared on withdrawal; it is never written otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from anninh import aws, crypto, keys
from anninh.dynamo import condition_failed, query_items
from anninh.followers.rules import Follower

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class FollowerStore(Protocol):
    def touch(self, oa_id: str, user_id: str, at_iso: str) -> bool:
        """Move last_interaction_at forward to `at_iso` (False: it was already as late or later)."""

    def follow(self, oa_id: str, user_id: str, at_iso: str, source: str) -> bool:
        """Following since `at_iso` unless an unfollow after it is recorded."""

    def unfollow(self, oa_id: str, user_id: str, at_iso: str) -> bool:
        """Not following since `at_iso` unless a follow after it is recorded."""

    def put_info(self, oa_id: str, user_id: str, sealed: dict[str, str], at_iso: str) -> None: ...
    def withdraw(self, oa_id: str, user_id: str, at_iso: str) -> None: ...
    def add_tag(self, oa_id: str, user_id: str, tag: str) -> None: ...
    def remove_tag(self, oa_id: str, user_id: str, tag: str) -> None:
        """Take the tag off an existing follower (nothing for an unknown one)."""

    def get(self, oa_id: str, user_id: str) -> Follower | None: ...
    def sealed_record(self, oa_id: str, user_id: str) -> dict[str, Any] | None:
        """The follower item as stored, shared info still sealed; when it has no shared info, the record
        written before the keyed hash if that one has some."""

    def by_interaction(self, oa_id: str, since_iso: str | None) -> Iterator[Follower]:
        """The OA's followers (following or not) by last interaction, oldest first."""


def _from_item(item: dict[str, Any], user_id: str | None = None) -> Follower | None:
    """The record, its sealed user_id opened (None when it does not open here and is not known)."""
    data = {k: v for k, v in item.items() if k in Follower.model_fields}
    data["user_id"] = user_id or crypto.open_field(item, "user_id")
    if not data["user_id"]:
        return None
    data["tags"] = sorted(item.get("tags") or [])
    return Follower.model_validate(data)


class DynamoFollowerStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def _update(
        self,
        oa_id: str,
        user_id: str,
        sets: str,
        values: dict[str, Any],
        *,
        names: dict[str, str] | None = None,
        condition: str | None = None,
        add: str = "",
    ) -> bool:
        """An upsert of the follower item: `sets` (comma-separated assignments) plus identity fields."""
        expression = f"SET {sets + ', ' if sets else ''}oa_id = :oa_id, user_id = :user_id, #type = :ftype"
        if add:
            expression += f" ADD {add}"
        key = keys.follower(oa_id, user_id)
        kwargs: dict[str, Any] = {
            "Key": key,
            "UpdateExpression": expression,
            "ExpressionAttributeValues": {
                **values,
                ":oa_id": oa_id,
                ":user_id": crypto.seal_field(key, "user_id", user_id),
                ":ftype": "follower",
            },
            "ExpressionAttributeNames": {**(names or {}), "#type": "type"},
        }
        if condition:
            kwargs["ConditionExpression"] = condition
        try:
            self.table.update_item(**kwargs)
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def touch(self, oa_id: str, user_id: str, at_iso: str) -> bool:
        return self._update(
            oa_id,
            user_id,
            "last_interaction_at = :at, GSI1PK = :g, GSI1SK = :at",
            {":at": at_iso, ":g": keys.followers_by_interaction_gsi(oa_id)},
            condition="attribute_not_exists(last_interaction_at) OR last_interaction_at < :at",
        )

    def follow(self, oa_id: str, user_id: str, at_iso: str, source: str) -> bool:
        return self._update(
            oa_id,
            user_id,
            "following = :t, followed_at = :at, #src = :src",
            {":t": True, ":at": at_iso, ":src": source},
            names={"#src": "source"},
            condition="attribute_not_exists(unfollowed_at) OR unfollowed_at <= :at",
        )

    def unfollow(self, oa_id: str, user_id: str, at_iso: str) -> bool:
        return self._update(
            oa_id,
            user_id,
            "following = :f, unfollowed_at = :at",
            {":f": False, ":at": at_iso},
            condition="attribute_not_exists(followed_at) OR followed_at <= :at",
        )

    def put_info(self, oa_id: str, user_id: str, sealed: dict[str, str], at_iso: str) -> None:
        self._update(
            oa_id,
            user_id,
            "shared_info = :i, info_shared_at = :at, withdrawn = :f",
            {":i": sealed, ":at": at_iso, ":f": False},
        )

    def withdraw(self, oa_id: str, user_id: str, at_iso: str) -> None:
        self._update(
            oa_id,
            user_id,
            "withdrawn = :t, withdrawn_at = :at, shared_info = :empty",
            {":t": True, ":at": at_iso, ":empty": {}},
        )
        # A record written before the keyed hash keeps what was shared then: erase it there too.
        try:
            self.table.update_item(
                Key=keys.follower_before_hash(oa_id, user_id),
                UpdateExpression="SET withdrawn = :t, withdrawn_at = :at, shared_info = :empty",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":t": True, ":at": at_iso, ":empty": {}},
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise

    def add_tag(self, oa_id: str, user_id: str, tag: str) -> None:
        self._update(oa_id, user_id, "", {":t": {tag}}, add="tags :t")

    def remove_tag(self, oa_id: str, user_id: str, tag: str) -> None:
        try:
            self.table.update_item(
                Key=keys.follower(oa_id, user_id),
                UpdateExpression="DELETE tags :t",
                ExpressionAttributeValues={":t": {tag}},
                ConditionExpression="attribute_exists(PK)",
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise

    def get(self, oa_id: str, user_id: str) -> Follower | None:
        item = self.table.get_item(Key=keys.follower(oa_id, user_id)).get("Item")
        if item is None:  # a citizen not heard from since records were keyed by the hash
            item = self.table.get_item(Key=keys.follower_before_hash(oa_id, user_id)).get("Item")
        return _from_item(item, user_id) if item else None

    def sealed_record(self, oa_id: str, user_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.table.get_item(Key=keys.follower(oa_id, user_id)).get("Item")
        if item is None or not item.get("shared_info"):
            # shared info given before records were keyed by the hash of the Zalo id is still there
            before = self.table.get_item(Key=keys.follower_before_hash(oa_id, user_id)).get("Item")
            if before and before.get("shared_info"):
                return dict(before)
        return item

    def by_interaction(self, oa_id: str, since_iso: str | None) -> Iterator[Follower]:
        condition: Any = Key("GSI1PK").eq(keys.followers_by_interaction_gsi(oa_id))
        if since_iso is not None:
            condition = condition & Key("GSI1SK").gte(since_iso)
        for item in query_items(self.table, IndexName="GSI1", KeyConditionExpression=condition):
            follower = _from_item(item)
            if follower is not None:
                yield follower


def default_store() -> DynamoFollowerStore:
    """The follower store on the process's main table."""
    return DynamoFollowerStore(aws.table())
