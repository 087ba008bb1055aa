"""Followers on an in-memory store: late events, audiences by interaction and tag, withdrawal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from anninh.followers import Followers
from tests.fakes.followers import InMemoryFollowerStore

OA = "1001"
T0 = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)


def test_a_late_unfollow_does_not_undo_a_newer_follow_and_interactions_only_move_forward() -> None:
    followers = Followers(InMemoryFollowerStore())
    followers.follow(OA, "u1", T0 + timedelta(minutes=5))
    followers.unfollow(OA, "u1", T0)  # arrives late
    f = followers.get_follower(OA, "u1")
    assert f is not None and f.following and f.source == "unknown"
    assert not followers.touch_interaction(OA, "u1", T0)
    assert followers.get_follower(OA, "u1").last_interaction_at == "2026-05-10T03:05:00.000Z"  # type: ignore[union-attr]


def test_audience_by_recent_interaction_and_tag_skips_those_who_left() -> None:
    followers = Followers(InMemoryFollowerStore())
    for n, user in enumerate(["old", "recent", "gone"]):
        followers.follow(OA, user, T0 + timedelta(days=n * 5))
    followers.unfollow(OA, "gone", T0 + timedelta(days=11))
    followers.add_tag(OA, ["recent", "gone"], "khu-pho-3")
    since = T0 + timedelta(days=3)
    assert [f.user_id for f in followers.iter_followers(OA, interacted_since=since)] == ["recent"]
    assert [f.user_id for f in followers.iter_followers(OA, tags=["khu-pho-3"])] == ["recent"]
    assert followers.remove_tag_everywhere(OA, "khu-pho-3") == 2
    assert list(followers.iter_followers(OA, tags=["khu-pho-3"], following_only=False)) == []


def test_withdrawal_erases_shared_info() -> None:
    store = InMemoryFollowerStore()
    followers = Followers(store)
    followers.follow(OA, "u1", T0)
    store.put_info(OA, "u1", {"name": "sealed"}, "2026-05-10T03:00:00Z")
    followers.withdraw(OA, "u1", T0 + timedelta(hours=1))
    f = followers.get_follower(OA, "u1")
    assert f is not None and f.withdrawn and f.shared_info == {}
