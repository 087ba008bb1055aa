"""An in-memory follower store with the DynamoDB store's conditions (late events never win)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from anninh.followers import Follower


@dataclass
class InMemoryFollowerStore:
    records: dict[tuple[str, str], Follower] = field(default_factory=dict)

    def _of(self, oa_id: str, user_id: str) -> Follower:
        return self.records.setdefault((oa_id, user_id), Follower(oa_id=oa_id, user_id=user_id))

    def touch(self, oa_id: str, user_id: str, at_iso: str) -> bool:
        f = self._of(oa_id, user_id)
        if f.last_interaction_at is not None and f.last_interaction_at >= at_iso:
            return False
        f.last_interaction_at = at_iso
        return True

    def follow(self, oa_id: str, user_id: str, at_iso: str, source: str) -> bool:
        f = self._of(oa_id, user_id)
        if f.unfollowed_at is not None and f.unfollowed_at > at_iso:
            return False
        f.following, f.followed_at, f.source = True, at_iso, source
        return True

    def unfollow(self, oa_id: str, user_id: str, at_iso: str) -> bool:
        f = self._of(oa_id, user_id)
        if f.followed_at is not None and f.followed_at > at_iso:
            return False
        f.following, f.unfollowed_at = False, at_iso
        return True

    def put_info(self, oa_id: str, user_id: str, sealed: dict[str, str], at_iso: str) -> None:
        f = self._of(oa_id, user_id)
        f.shared_info, f.withdrawn = dict(sealed), False

    def withdraw(self, oa_id: str, user_id: str, at_iso: str) -> None:
        f = self._of(oa_id, user_id)
        f.withdrawn, f.withdrawn_at, f.shared_info = True, at_iso, {}

    def add_tag(self, oa_id: str, user_id: str, tag: str) -> None:
        f = self._of(oa_id, user_id)
        f.tags = sorted({*f.tags, tag})

    def remove_tag(self, oa_id: str, user_id: str, tag: str) -> None:
        f = self.records.get((oa_id, user_id))
        if f is not None:
            f.tags = [t for t in f.tags if t != tag]

    def get(self, oa_id: str, user_id: str) -> Follower | None:
        f = self.records.get((oa_id, user_id))
        return f.model_copy(deep=True) if f else None

    def sealed_record(self, oa_id: str, user_id: str) -> dict[str, Any] | None:
        f = self.records.get((oa_id, user_id))
        return f.model_dump() if f else None

    def by_interaction(self, oa_id: str, since_iso: str | None) -> Iterator[Follower]:
        on_index = [
            f
            for (oa, _), f in self.records.items()
            if oa == oa_id
            and f.last_interaction_at is not None
            and (since_iso is None or f.last_interaction_at >= since_iso)
        ]
        yield from (
            f.model_copy(deep=True) for f in sorted(on_index, key=lambda f: f.last_interaction_at or "")
        )
