"""Follower registry: who follows each OA, since when, from where, with which tags and shared info,
and when they last interacted (Zalo's 7-day consultation and 48-hour free windows depend on it).

Item: PK=OA#<oa_id> SK=FOLLOWER#<user_id>; GSI1PK=OA#<oa_id>#FOLLOWERS GSI1SK=<last_interaction_iso>
so an audience "interacted since T" is one range query. Shared info (name, phone, address, ...) is
encrypted field by field with the PII key. `user_withdraw` erases it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from anninh import aws, keys
from anninh.clock import iso
from anninh.crypto import decrypt_text, encrypt_text

PII_FIELDS = ("name", "phone", "address", "city", "district", "ward", "dob", "gender")


class Follower(BaseModel):
    oa_id: str
    user_id: str
    following: bool = False
    followed_at: str | None = None
    unfollowed_at: str | None = None
    source: str | None = None
    tags: list[str] = Field(default_factory=list)
    shared_info: dict[str, Any] = Field(default_factory=dict)  # sealed values (anninh.crypto)
    last_interaction_at: str | None = None
    withdrawn: bool = False
    withdrawn_at: str | None = None

    def decrypted_info(self) -> dict[str, str | None]:
        return open_info(self.oa_id, self.user_id, self.shared_info)


def info_context(oa_id: str, user_id: str, name: str) -> str:
    """Associated data of a shared-info field: bound to this follower and this field."""
    return f"FOLLOWER#{oa_id}#{user_id}|{name}"


def open_info(oa_id: str, user_id: str, sealed: dict[str, Any]) -> dict[str, str | None]:
    return {k: decrypt_text(v, context=info_context(oa_id, user_id, k)) for k, v in sealed.items()}


def _from_item(item: dict[str, Any]) -> Follower:
    data = {k: v for k, v in item.items() if k in Follower.model_fields}
    data["tags"] = sorted(item.get("tags") or [])
    return Follower.model_validate(data)


def _update(
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
    kwargs: dict[str, Any] = {
        "Key": keys.follower(oa_id, user_id),
        "UpdateExpression": expression,
        "ExpressionAttributeValues": {**values, ":oa_id": oa_id, ":user_id": user_id, ":ftype": "follower"},
        "ExpressionAttributeNames": {**(names or {}), "#type": "type"},
    }
    if condition:
        kwargs["ConditionExpression"] = condition
    try:
        aws.table().update_item(**kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def touch_interaction(oa_id: str, user_id: str, at: datetime) -> bool:
    """Move last_interaction_at forward to `at` (never backward: events may arrive late)."""
    at_iso = iso(at)
    return _update(
        oa_id,
        user_id,
        "last_interaction_at = :at, GSI1PK = :g, GSI1SK = :at",
        {":at": at_iso, ":g": keys.followers_by_interaction_gsi(oa_id)},
        condition="attribute_not_exists(last_interaction_at) OR last_interaction_at < :at",
    )


def follow(oa_id: str, user_id: str, at: datetime, source: str | None = None) -> None:
    """A follow (counts as an interaction). Out-of-order follow/unfollow: the later one wins."""
    at_iso = iso(at)
    _update(
        oa_id,
        user_id,
        "following = :t, followed_at = :at, #src = :src",
        {":t": True, ":at": at_iso, ":src": source or "unknown"},
        names={"#src": "source"},
        condition="attribute_not_exists(unfollowed_at) OR unfollowed_at <= :at",
    )
    touch_interaction(oa_id, user_id, at)


def unfollow(oa_id: str, user_id: str, at: datetime) -> None:
    _update(
        oa_id,
        user_id,
        "following = :f, unfollowed_at = :at",
        {":f": False, ":at": iso(at)},
        condition="attribute_not_exists(followed_at) OR followed_at <= :at",
    )


def submit_info(oa_id: str, user_id: str, info: dict[str, str | None], at: datetime) -> None:
    """Shared info from a user_submit_info event, encrypted field by field."""
    sealed = {
        k: encrypt_text(v, context=info_context(oa_id, user_id, k))
        for k, v in info.items()
        if k in PII_FIELDS and v
    }
    _update(
        oa_id,
        user_id,
        "shared_info = :i, info_shared_at = :at, withdrawn = :f",
        {":i": sealed, ":at": iso(at), ":f": False},
    )
    touch_interaction(oa_id, user_id, at)


def add_tag(oa_id: str, user_ids: list[str], tag: str) -> None:
    for user_id in user_ids:
        _update(oa_id, user_id, "", {":t": {tag}}, add="tags :t")


def remove_tag(oa_id: str, user_ids: list[str], tag: str) -> None:
    for user_id in user_ids:
        try:
            aws.table().update_item(
                Key=keys.follower(oa_id, user_id),
                UpdateExpression="DELETE tags :t",
                ExpressionAttributeValues={":t": {tag}},
                ConditionExpression="attribute_exists(PK)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise


def remove_tag_everywhere(oa_id: str, tag: str) -> int:
    """The OA deleted a tag: take it off every follower carrying it."""
    users = [f.user_id for f in iter_followers(oa_id, tags=[tag], following_only=False)]
    remove_tag(oa_id, users, tag)
    return len(users)


def withdraw(oa_id: str, user_id: str, at: datetime) -> None:
    """user_withdraw: erase the citizen's personal data and remember the request."""
    _update(
        oa_id,
        user_id,
        "withdrawn = :t, withdrawn_at = :at, shared_info = :empty",
        {":t": True, ":at": iso(at), ":empty": {}},
    )


def get_follower(oa_id: str, user_id: str) -> Follower | None:
    item = aws.table().get_item(Key=keys.follower(oa_id, user_id)).get("Item")
    return _from_item(item) if item else None


def iter_followers(
    oa_id: str,
    interacted_since: datetime | None = None,
    tags: list[str] | None = None,
    following_only: bool = True,
) -> Iterator[Follower]:
    """Followers of an OA by last interaction (oldest first), optionally since a time / with any tag."""
    condition: Any = Key("GSI1PK").eq(keys.followers_by_interaction_gsi(oa_id))
    if interacted_since is not None:
        condition = condition & Key("GSI1SK").gte(iso(interacted_since))
    kwargs: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": condition}
    wanted = set(tags or [])
    while True:
        page = aws.table().query(**kwargs)
        for item in page.get("Items", []):
            follower = _from_item(item)
            if following_only and not follower.following:
                continue
            if wanted and not wanted.intersection(follower.tags):
                continue
            yield follower
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
