"""The shared rate limiter: one DynamoDB token bucket per Zalo app (`keys.rate_bucket(app_id)`).

Zalo allows an app a number of OA API requests per minute (4,000 by default), shared by every OA of
the app. Every broadcast sender of the app, in every concurrent Lambda, takes its tokens from the
same bucket item, so together they stay at or just under the limit.

Why these numbers: with refill rate r and capacity C, a token bucket lets at most C + r*T requests
through in any window of T seconds. Zalo counts a minute (fixed or sliding: we do not know which),
and senders spend a token a little after taking it (`spend_within`). So we refill at
`target_fraction` of the limit and keep C to half a second of refill: C + r*(60 + spend_within)
= r*61 = 0.98 * 61/60 = 99.6 % of the limit, in any 60-second window, fixed or sliding.

AWS calls: `acquire(n)` takes up to n tokens in one conditional update (optimistic concurrency on
the bucket's timestamp; a losing writer gets the current item back with the failure and retries
without another read), so a sender taking 4 tokens at a time makes ~0.25 limiter calls per message.

-32 from Zalo means the platform counted more than we did (another client of the app, or a window
misalignment): `penalize()` drains the bucket and blocks it for the rest of the current minute,
so every sender of the app pauses, then refills from empty.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from botocore.exceptions import ClientError

from anninh import aws, keys
from anninh.settings import get_settings


class Clock(Protocol):
    """Seconds on a clock shared by all senders (wall time in production; scaled in tests)."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


@dataclass
class Grant:
    tokens: int
    wait: float = 0.0  # when no token was granted: seconds until one is likely available


@dataclass
class _Bucket:
    tokens: float
    ts_us: int  # last update, integer microseconds (exact equality for the optimistic lock)
    blocked_until: float
    exists: bool

    @property
    def ts(self) -> float:
        return self.ts_us / 1e6


def _num(value: Any, default: float = 0.0) -> float:
    if value is None:
        return default
    if isinstance(value, dict):  # low-level attribute value
        return float(value.get("N", default))
    return float(value)


class RateLimiter:
    """Token bucket per app, shared through one DynamoDB item."""

    def __init__(
        self,
        per_minute: int | None = None,
        *,
        table: Any | None = None,
        clock: Clock | None = None,
        target_fraction: float = 0.98,
        spend_within: float = 0.5,
        penalty_seconds: float | None = None,
        max_attempts: int = 8,
    ) -> None:
        self.per_minute = per_minute or get_settings().zalo_rate_limit_per_minute
        self.rate = self.per_minute * target_fraction / 60.0  # tokens per second
        self.capacity = max(1.0, self.rate * spend_within)
        self.spend_within = spend_within
        self.penalty_seconds = penalty_seconds
        self.clock: Clock = clock or SystemClock()
        self._table = table
        self.max_attempts = max_attempts
        self._seen: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self.calls = 0  # DynamoDB calls made (bench figures)

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table()
        return self._table

    # ------------------------------------------------------------------ reading
    def _read(self, app_id: str) -> _Bucket:
        self.calls += 1
        item = self.table.get_item(Key=keys.rate_bucket(app_id), ConsistentRead=True).get("Item")
        return self._parse(item)

    def _parse(self, item: dict[str, Any] | None) -> _Bucket:
        if not item:
            return _Bucket(tokens=self.capacity, ts_us=0, blocked_until=0.0, exists=False)
        return _Bucket(
            tokens=_num(item.get("tokens")),
            ts_us=int(_num(item.get("ts_us"))),
            blocked_until=_num(item.get("blocked_until")),
            exists=True,
        )

    def _known(self, app_id: str) -> _Bucket:
        with self._lock:
            known = self._seen.get(app_id)
        return known if known is not None else self._read(app_id)

    def _remember(self, app_id: str, bucket: _Bucket) -> None:
        with self._lock:
            self._seen[app_id] = bucket

    # ------------------------------------------------------------------ taking tokens
    def acquire(self, app_id: str, want: int = 1) -> Grant:
        """Take up to `want` tokens now (at least one, or none with a wait hint). Never blocks."""
        want = max(1, want)
        bucket = self._known(app_id)
        for _ in range(self.max_attempts):
            now = self.clock.now()
            if bucket.blocked_until > now:
                return Grant(0, bucket.blocked_until - now)
            start = bucket.ts if bucket.exists else now
            elapsed = max(0.0, now - start)
            available = min(self.capacity, bucket.tokens + elapsed * self.rate)
            take = min(want, math.floor(available))
            if take < 1:
                return Grant(0, max(0.001, (1.0 - available) / self.rate))
            new_ts_us = max(int(now * 1e6), bucket.ts_us)
            new = _Bucket(
                tokens=available - take, ts_us=new_ts_us, blocked_until=bucket.blocked_until, exists=True
            )
            try:
                self._write(app_id, bucket, new)
            except _Conflict as conflict:
                bucket = conflict.current
                self._remember(app_id, bucket)
                continue
            self._remember(app_id, new)
            return Grant(take)
        # Heavy contention: back off a little and let the caller come back.
        return Grant(0, 1.0 / self.rate)

    def _write(self, app_id: str, old: _Bucket, new: _Bucket) -> None:
        self.calls += 1
        values: dict[str, Any] = {":t": Decimal(f"{new.tokens:.6f}"), ":ts": new.ts_us}
        if old.exists:
            condition = "ts_us = :old_ts"
            values[":old_ts"] = old.ts_us
        else:
            condition = "attribute_not_exists(PK)"
        try:
            self.table.update_item(
                Key=keys.rate_bucket(app_id),
                UpdateExpression="SET tokens = :t, ts_us = :ts",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            item: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
            raise _Conflict(self._parse(item) if item else self._read(app_id)) from exc

    def take(self, app_id: str, want: int = 1, max_wait: float = 30.0) -> int:
        """Block (on the limiter's clock) until at least one token is granted; 0 after `max_wait`."""
        waited = 0.0
        while True:
            grant = self.acquire(app_id, want)
            if grant.tokens:
                return grant.tokens
            if waited >= max_wait:
                return 0
            pause = min(grant.wait, 0.25, max_wait - waited + 0.001)
            self.clock.sleep(pause)
            waited += pause

    # ------------------------------------------------------------------ the platform said slow down
    def penalize(self, app_id: str, seconds: float | None = None) -> float:
        """Zalo answered -32: drain the bucket and block it for the rest of the minute (or `seconds`)."""
        now = self.clock.now()
        if seconds is None:
            seconds = self.penalty_seconds if self.penalty_seconds is not None else 60.0 - (now % 60.0)
        until = now + max(0.5, seconds)
        self.calls += 1
        try:
            self.table.update_item(
                Key=keys.rate_bucket(app_id),
                UpdateExpression="SET tokens = :zero, ts_us = :now, blocked_until = :until",
                ConditionExpression="attribute_not_exists(blocked_until) OR blocked_until < :until",
                ExpressionAttributeValues={
                    ":zero": Decimal(0),
                    ":now": int(now * 1e6),
                    ":until": Decimal(f"{until:.6f}"),
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
        self._remember(app_id, _Bucket(tokens=0.0, ts_us=int(now * 1e6), blocked_until=until, exists=True))
        return until


class _Conflict(Exception):
    def __init__(self, current: _Bucket) -> None:
        self.current = current
        super().__init__("rate bucket changed")


class LocalTokens:
    """A sender's small stash of tokens taken in one call and spent within `spend_within` seconds.

    The stash is sized to what this sender can actually spend in that time (it measures its own
    pace), so tokens are rarely left to go stale: a stale token is dropped unspent - never used
    late, which could burst past the minute - and a dropped token is rate the app never uses.
    """

    def __init__(self, limiter: RateLimiter, app_id: str, chunk: int = 4) -> None:
        self.limiter = limiter
        self.app_id = app_id
        self.chunk = chunk
        self._left = 0
        self._taken_at = 0.0
        self._last = 0.0
        self._pace = 0.0  # seconds between two sends of this sender (moving average)
        self.dropped = 0

    def _want(self, remaining_work: int) -> int:
        if self._pace <= 0:
            fits = 1
        else:
            fits = int(self.limiter.spend_within / self._pace)
        return max(1, min(self.chunk, remaining_work, fits))

    def take_one(self, remaining_work: int, max_wait: float = 30.0) -> bool:
        now = self.limiter.clock.now()
        if self._last:
            gap = now - self._last
            self._pace = gap if self._pace <= 0 else 0.8 * self._pace + 0.2 * gap
        if self._left and now - self._taken_at > self.limiter.spend_within:
            self.dropped += self._left
            self._left = 0  # stale: spending them now could burst past the window
        if not self._left:
            got = self.limiter.take(self.app_id, self._want(remaining_work), max_wait)
            if not got:
                return False
            self._left = got
            self._taken_at = self.limiter.clock.now()
        self._left -= 1
        self._last = self.limiter.clock.now()
        return True

    def drop(self) -> None:
        self.dropped += self._left
        self._left = 0
