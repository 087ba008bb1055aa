"""Follower records (pure rules, store, service).

The module-level functions are the service on the process's main table, for the intake pipeline and
the senders; code that is given a store uses `Followers(store)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from anninh.followers.rules import PII_FIELDS, Follower, info_context, open_info, seal_info
from anninh.followers.service import Followers
from anninh.followers.store import DynamoFollowerStore, FollowerStore, default_store

__all__ = [
    "PII_FIELDS",
    "DynamoFollowerStore",
    "Follower",
    "FollowerStore",
    "Followers",
    "add_tag",
    "default_store",
    "follow",
    "get_follower",
    "info_context",
    "iter_followers",
    "open_info",
    "remove_tag",
    "remove_tag_everywhere",
    "seal_info",
    "service",
    "submit_info",
    "touch_interaction",
    "unfollow",
    "withdraw",
]


def service() -> Followers:
    """Followers on the process's main table."""
    return Followers(default_store())


def touch_interaction(oa_id: str, user_id: str, at: datetime) -> bool:
    return service().touch_interaction(oa_id, user_id, at)


def follow(oa_id: str, user_id: str, at: datetime, source: str | None = None) -> None:
    service().follow(oa_id, user_id, at, source)


def unfollow(oa_id: str, user_id: str, at: datetime) -> None:
    service().unfollow(oa_id, user_id, at)


def submit_info(oa_id: str, user_id: str, info: dict[str, str | None], at: datetime) -> None:
    service().submit_info(oa_id, user_id, info, at)


def add_tag(oa_id: str, user_ids: list[str], tag: str) -> None:
    service().add_tag(oa_id, user_ids, tag)


def remove_tag(oa_id: str, user_ids: list[str], tag: str) -> None:
    service().remove_tag(oa_id, user_ids, tag)


def remove_tag_everywhere(oa_id: str, tag: str) -> int:
    return service().remove_tag_everywhere(oa_id, tag)


def withdraw(oa_id: str, user_id: str, at: datetime) -> None:
    service().withdraw(oa_id, user_id, at)


def get_follower(oa_id: str, user_id: str) -> Follower | None:
    return service().get_follower(oa_id, user_id)


def iter_followers(
    oa_id: str,
    interacted_since: datetime | None = None,
    tags: list[str] | None = None,
    following_only: bool = True,
) -> Iterator[Follower]:
    return service().iter_followers(oa_id, interacted_since, tags, following_only)
