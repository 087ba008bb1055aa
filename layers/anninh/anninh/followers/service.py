"""Followers as Zalo events change them (intake) and as sending and campaigns read them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anninh.clock import iso
from anninh.followers.rules import Follower, seal_info
from anninh.followers.store import FollowerStore


@dataclass
class Followers:
    store: FollowerStore

    def touch_interaction(self, oa_id: str, user_id: str, at: datetime) -> bool:
        """Move last_interaction_at forward to `at` (never backward: events may arrive late)."""
        return self.store.touch(oa_id, user_id, iso(at))

    def follow(self, oa_id: str, user_id: str, at: datetime, source: str | None = None) -> None:
        """A follow (counts as an interaction). Out-of-order follow/unfollow: the later one wins."""
        self.store.follow(oa_id, user_id, iso(at), source or "unknown")
        self.touch_interaction(oa_id, user_id, at)

    def unfollow(self, oa_id: str, user_id: str, at: datetime) -> None:
        self.store.unfollow(oa_id, user_id, iso(at))

    def submit_info(self, oa_id: str, user_id: str, info: dict[str, str | None], at: datetime) -> None:
        """Shared info from a user_submit_info event, encrypted field by field."""
        self.store.put_info(oa_id, user_id, seal_info(oa_id, user_id, info), iso(at))
        self.touch_interaction(oa_id, user_id, at)

    def add_tag(self, oa_id: str, user_ids: list[str], tag: str) -> None:
        for user_id in user_ids:
            self.store.add_tag(oa_id, user_id, tag)

    def remove_tag(self, oa_id: str, user_ids: list[str], tag: str) -> None:
        for user_id in user_ids:
            self.store.remove_tag(oa_id, user_id, tag)

    def remove_tag_everywhere(self, oa_id: str, tag: str) -> int:
        """The OA deleted a tag: take it off every follower carrying it."""
        users = [f.user_id for f in self.iter_followers(oa_id, tags=[tag], following_only=False)]
        self.remove_tag(oa_id, users, tag)
        return len(users)

    def withdraw(self, oa_id: str, user_id: str, at: datetime) -> None:
        """user_withdraw: erase the citizen's personal data and remember the request."""
        self.store.withdraw(oa_id, user_id, iso(at))

    def get_follower(self, oa_id: str, user_id: str) -> Follower | None:
        return self.store.get(oa_id, user_id)

    def sealed_record(self, oa_id: str, user_id: str) -> dict[str, Any] | None:
        """The record as stored, its shared info still sealed (a commander's reveal opens it)."""
        return self.store.sealed_record(oa_id, user_id)

    def iter_followers(
        self,
        oa_id: str,
        interacted_since: datetime | None = None,
        tags: list[str] | None = None,
        following_only: bool = True,
    ) -> Iterator[Follower]:
        """Followers of an OA by last interaction (oldest first), optionally since a time / with any tag."""
        wanted = set(tags or [])
        since = iso(interacted_since) if interacted_since is not None else None
        for follower in self.store.by_interaction(oa_id, since):
            if following_only and not follower.following:
                continue
            if wanted and not wanted.intersection(follower.tags):
                continue
            yield follower
