"""The shared limiter (GCRA slots on one item) with an in-memory table and a hand-driven clock."""

from __future__ import annotations

from typing import Any

import pytest

from anninh.ratelimit import DynamoBucketStore, LocalTokens, RateLimiter
from tests.fakes.broadcast import MemoryBucketTable


def bucket(table: Any = None) -> DynamoBucketStore:
    """The limiter's real store over an in-memory bucket table."""
    return DynamoBucketStore(table if table is not None else MemoryBucketTable())


class ManualClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)


def test_slots_are_spaced_at_just_under_the_limit() -> None:
    clock = ManualClock()
    limiter = RateLimiter(600, store=bucket(), clock=clock)
    first = limiter.acquire("app", 4)
    second = limiter.acquire("app", 4)
    assert first.tokens == second.tokens == 4
    assert first.spacing == pytest.approx(60 / (600 * 0.98))
    # The second reservation starts where the first ends: no slot is handed out twice.
    assert second.start == pytest.approx(first.start + 4 * first.spacing, abs=1e-5)


def test_a_sender_cannot_reserve_beyond_the_horizon() -> None:
    clock = ManualClock()
    limiter = RateLimiter(60, store=bucket(), clock=clock, horizon=1.0)
    assert limiter.acquire("app", 3).tokens == 3  # ~3 s of slots (one per ~1.02 s)
    refused = limiter.acquire("app", 1)
    assert refused.tokens == 0 and refused.wait > 0


def test_two_lambdas_sharing_the_bucket_stay_under_the_limit_in_every_minute() -> None:
    clock = ManualClock()
    table = MemoryBucketTable()
    senders = [LocalTokens(RateLimiter(600, store=bucket(table), clock=clock), "app") for _ in range(2)]
    sends: list[float] = []
    # Alternate the two senders for five simulated minutes, each sending as fast as it is allowed.
    end = clock.t + 300
    while clock.t < end:
        for tokens in senders:
            assert tokens.take_one(50)
            sends.append(clock.t)
    sends.sort()
    lo = 0
    worst = 0
    for hi, t in enumerate(sends):
        while sends[lo] <= t - 60:
            lo += 1
        worst = max(worst, hi - lo + 1)
    assert worst <= 600
    assert len(sends) / 5 >= 0.95 * 600
    # One conditional write per several messages, not one per message.
    assert table.calls / len(sends) < 0.5


def test_minus_32_pauses_every_sender_of_the_app_until_the_end_of_the_minute() -> None:
    clock = ManualClock(start=1_800_000_030.0)  # half-way through a minute
    table = MemoryBucketTable()
    a = RateLimiter(600, store=bucket(table), clock=clock)
    b = RateLimiter(600, store=bucket(table), clock=clock)
    assert a.acquire("app").tokens == 1
    until = a.penalize("app")
    assert until == pytest.approx(1_800_000_060.0)
    assert b.acquire("app").tokens == 0  # b learns of the pause from the item itself
    clock.t = until + 0.01
    grant = b.acquire("app")
    assert grant.tokens == 1 and grant.start >= until


def test_stale_slots_are_dropped_not_spent_late() -> None:
    clock = ManualClock()
    tokens = LocalTokens(RateLimiter(600, store=bucket(), clock=clock), "app", chunk=4)
    assert tokens.take_one(10)  # one slot while the sender's pace is unknown
    assert tokens.take_one(10)  # a fast sender: a chunk of 4, one spent
    clock.t += 5.0  # the sender stalled far past its reserved slots
    assert tokens.take_one(10)
    assert tokens.dropped >= 1


class ContendedTable(MemoryBucketTable):
    """Another sender wins every conditional write first (the first minute of a campaign, when every
    sender holds the first app's batches)."""

    def update_item(self, **kw: Any) -> dict[str, Any]:
        current = self.items.get(kw["Key"]["PK"])
        if current is not None and ":until" not in kw["ExpressionAttributeValues"]:
            current["tat_us"] = int(current["tat_us"]) + 1
        return super().update_item(**kw)


def test_a_slow_sender_reserves_only_slots_it_can_reach_in_time() -> None:
    clock = ManualClock()
    limiter = RateLimiter(4000, store=bucket(), clock=clock)  # slots ~15 ms apart
    tokens = LocalTokens(limiter, "app", chunk=8)
    for _ in range(200):  # each message takes the sender 150 ms (Zalo's answer), ten times the spacing
        assert tokens.take_one(50)
        clock.t += 0.15
        clock.t += 2.0 if _ % 40 == 39 else 0.0  # now and then the app sits idle: the bucket lags
    # Given the whole burst each time, such a sender dropped 331 of its slots; now only the few it
    # held when it stood idle.
    assert tokens.dropped <= 10


def test_under_contention_a_sender_backs_off_instead_of_writing_again_and_again() -> None:
    clock = ManualClock()
    table = ContendedTable()
    RateLimiter(600, store=bucket(table), clock=clock).acquire("app", 1)  # the bucket exists
    limiter = RateLimiter(600, store=bucket(table), clock=clock)
    before = table.calls
    grant = limiter.acquire("app", 4)
    # one write, one retry with what the failure returned, then a jittered pause (no 8 writes)
    assert grant.tokens == 0 and 0 < grant.wait <= limiter.horizon / 2
    assert table.calls - before <= 3
