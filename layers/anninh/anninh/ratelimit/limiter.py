"""The shared rate limiter: one DynamoDB item per Zalo app (`keys.rate_bucket(app_id)`).

Zalo allows an app a number of OA API requests per minute (4,000 by default), shared by every OA of
the app. Every broadcast sender of the app, in every concurrent Lambda, reserves its send slots on
the same item, so together they stay at or just under the limit.

The algorithm is a token bucket kept as GCRA (generic cell rate algorithm): the item holds the
theoretical arrival time (TAT) of the next free slot; slots are spaced T = 1/rate apart. A sender
reserves n consecutive slots in one conditional update (optimistic concurrency on the TAT; a losing
writer gets the current item back with the failure and retries without another read), then sends
each message at its slot - sleeping locally until then rather than polling the table. So a busy
bucket costs one write per n messages, not a retry storm.

Why these numbers: with rate r and a burst allowance C (slots may start up to C/r in the past), at
most C + r*T requests are reserved in any window of T seconds. Zalo counts a minute (fixed or
sliding: we do not know which), and a sender may send a little after its slot (at most
`spend_within`; later slots are dropped unspent). So we reserve at `target_fraction` of the limit
with C = half a second of slots: C + r*(60 + spend_within) = r*61 = 0.98 * 61/60 = 99.6 % of the
limit in any 60-second window, fixed or sliding.

-32 from Zalo means the platform counted more than we did (another client of the app, or a window
misalignment): `penalize()` moves the next free slot to the end of the current minute (or a set
pause), so every sender of the app pauses, then resumes at the normal pace.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from anninh.ratelimit.store import BucketChanged, BucketStore, default_bucket_store
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
    wait: float = 0.0  # when nothing was granted: seconds until a slot is likely available
    start: float = 0.0  # clock time of the first reserved slot (may be in the past: burst)
    spacing: float = 0.0  # seconds between two reserved slots


@dataclass
class _Bucket:
    tat_us: int  # theoretical arrival time of the next free slot, integer microseconds
    blocked_until: float
    exists: bool

    @property
    def tat(self) -> float:
        return self.tat_us / 1e6


def _num(value: Any, default: float = 0.0) -> float:
    if value is None:
        return default
    if isinstance(value, dict):  # low-level attribute value
        return float(value.get("N", default))
    return float(value)


class RateLimiter:
    """GCRA slots per app, shared through one DynamoDB item (`anninh.ratelimit.store`)."""

    def __init__(
        self,
        per_minute: int | None = None,
        *,
        store: BucketStore | None = None,
        clock: Clock | None = None,
        target_fraction: float = 0.98,
        spend_within: float = 0.5,
        horizon: float = 1.0,
        penalty_seconds: float | None = None,
        max_attempts: int = 8,
        max_pause: float = 0.5,
        retries_on_conflict: int = 1,
        horizon_jitter: float = 0.0,
    ) -> None:
        self.per_minute = per_minute or get_settings().zalo_rate_limit_per_minute
        self.rate = self.per_minute * target_fraction / 60.0  # slots per second
        self.spacing = 1.0 / self.rate
        self.capacity = max(1.0, self.rate * spend_within)  # burst, in slots
        self.burst = self.capacity / self.rate  # seconds a reservation may start in the past
        self.spend_within = spend_within
        self.horizon = max(horizon, self.spacing)  # how far ahead a sender may reserve
        self.penalty_seconds = penalty_seconds
        self.clock: Clock = clock or SystemClock()
        self.store: BucketStore = store or default_bucket_store()
        self.max_attempts = max_attempts
        self.max_pause = max_pause  # longest sleep between two tries in take()
        self.retries_on_conflict = retries_on_conflict  # immediate retries before backing off
        self.horizon_jitter = horizon_jitter
        self._seen: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        """DynamoDB calls made (bench figures)."""
        return self.store.calls

    # ------------------------------------------------------------------ reading
    def _read(self, app_id: str) -> _Bucket:
        return self._parse(self.store.read(app_id))

    def _parse(self, item: dict[str, Any] | None) -> _Bucket:
        if not item:
            return _Bucket(tat_us=0, blocked_until=0.0, exists=False)
        return _Bucket(
            tat_us=int(_num(item.get("tat_us"))), blocked_until=_num(item.get("blocked_until")), exists=True
        )

    def _known(self, app_id: str) -> _Bucket:
        with self._lock:
            known = self._seen.get(app_id)
        return known if known is not None else self._read(app_id)

    def _remember(self, app_id: str, bucket: _Bucket) -> None:
        with self._lock:
            self._seen[app_id] = bucket

    # ------------------------------------------------------------------ reserving slots
    def acquire(self, app_id: str, want: int = 1, backdate: float | None = None) -> Grant:
        """Reserve up to `want` consecutive slots (none, with a wait hint, when the app is paused
        after a -32 or the next free slot is further ahead than the horizon). Never sleeps.
        `backdate` caps how far in the past the first slot may start (default: the burst)."""
        burst = self.burst if backdate is None else max(0.0, min(self.burst, backdate))
        want = max(1, want)
        bucket = self._known(app_id)
        conflicts = 0
        for _ in range(self.max_attempts):
            now = self.clock.now()
            if bucket.blocked_until > now:
                return Grant(0, bucket.blocked_until - now)
            base = max(bucket.tat if bucket.exists else 0.0, now - burst)
            if base - now > self.horizon:
                # Every waiting sender would come back the moment the next slot enters the horizon;
                # coming back a little later, spread out, still finds slots ahead and costs fewer
                # conflicting writes.
                return Grant(0, base - now - self.horizon + self._jitter(0.0, self.horizon_jitter))
            new = _Bucket(
                tat_us=int((base + want * self.spacing) * 1e6),
                blocked_until=bucket.blocked_until,
                exists=True,
            )
            try:
                self._write(app_id, bucket, new)
            except _Conflict as conflict:
                bucket = conflict.current
                self._remember(app_id, bucket)
                conflicts += 1
                if conflicts > self.retries_on_conflict:
                    # Many senders on one app (a campaign's first minute: every sender holds the
                    # first app's batches): retrying at once would cost each of them a write per
                    # winner. Back off with full jitter, so the bucket item stays far below a
                    # partition's 1,000 writes a second (docs/capacity.md).
                    return Grant(0, self._jitter(self.spacing, self.horizon / 2))
                continue
            self._remember(app_id, new)
            return Grant(want, start=base, spacing=self.spacing)
        return Grant(0, self.spacing)  # heavy contention: back off a little

    @staticmethod
    def _jitter(low: float, high: float) -> float:
        return random.uniform(low, max(low, high))  # noqa: S311  # nosec B311 - spreading retries, not a secret

    def _write(self, app_id: str, old: _Bucket, new: _Bucket) -> None:
        try:
            self.store.reserve(app_id, old.tat_us if old.exists else None, new.tat_us)
        except BucketChanged as changed:
            raise _Conflict(self._parse(changed.current)) from changed

    def take(
        self, app_id: str, want: int = 1, max_wait: float = 30.0, backdate: float | None = None
    ) -> Grant:
        """Reserve slots, sleeping (on the limiter's clock) through a pause; Grant(0) after max_wait."""
        waited = 0.0
        while True:
            grant = self.acquire(app_id, want, backdate)
            if grant.tokens:
                return grant
            if waited >= max_wait:
                return grant
            pause = min(grant.wait, self.max_pause, max_wait - waited + 0.001)
            self.clock.sleep(pause)
            waited += pause

    def pause_left(self, app_id: str) -> float:
        """Seconds until the app can expect a slot again (0 when it can now): the rest of a -32
        pause, or how far the next free slot lies beyond the horizon. From the last bucket seen."""
        bucket = self._known(app_id)
        now = self.clock.now()
        ahead = bucket.tat - now - self.horizon if bucket.exists else 0.0
        return max(0.0, bucket.blocked_until - now, ahead)

    # ------------------------------------------------------------------ the platform said slow down
    def penalize(self, app_id: str, seconds: float | None = None) -> float:
        """Zalo answered -32: no slot before the end of the minute (or `seconds` from now)."""
        now = self.clock.now()
        if seconds is None:
            seconds = self.penalty_seconds if self.penalty_seconds is not None else 60.0 - (now % 60.0)
        until = now + max(0.5, seconds)
        self.store.block(app_id, int(until * 1e6), until)
        self._remember(app_id, _Bucket(tat_us=int(until * 1e6), blocked_until=until, exists=True))
        return until


class _Conflict(Exception):
    def __init__(self, current: _Bucket) -> None:
        self.current = current
        super().__init__("rate bucket changed")


class LocalTokens:
    """A sender's reserved slots: each message goes out at its slot (the sender sleeps until then).

    The number reserved at once is sized to this sender's own pace: a sender slower than the slot
    spacing falls behind its slots, and a slot more than `spend_within` in the past is dropped
    unspent (sending late could bunch requests past the minute's limit).
    """

    def __init__(self, limiter: RateLimiter, app_id: str, chunk: int = 8) -> None:
        self.limiter = limiter
        self.app_id = app_id
        self.chunk = chunk
        self._start = 0.0
        self._next = 0
        self._left = 0
        self._returned_at = 0.0
        self._work = 0.0  # seconds of the sender's own work per message (moving average)
        self.dropped = 0

    def _want(self, remaining_work: int) -> int:
        if not self._returned_at:
            # The sender's pace is not known yet: a full chunk at the limiter's spacing would be
            # spent too slowly by a sender that takes longer per message, and its last slots dropped.
            return 1
        behind_per_message = self._work - self.limiter.spacing
        fits = self.chunk if behind_per_message <= 0 else int(self.limiter.spend_within / behind_per_message)
        return max(1, min(self.chunk, remaining_work, fits))

    def _backdate(self, want: int) -> float | None:
        """How far in the past the reservation may start so that this sender, at its own pace, still
        reaches the last slot within `spend_within` (a slow sender given the whole burst would reach
        only its first slots in time and drop the rest)."""
        behind_per_message = self._work - self.limiter.spacing
        if not self._returned_at or behind_per_message <= 0:
            return None
        return max(0.0, self.limiter.spend_within - behind_per_message * (want - 1))

    def take_one(self, remaining_work: int, max_wait: float = 30.0) -> bool:
        clock = self.limiter.clock
        now = clock.now()
        if self._returned_at:
            work = now - self._returned_at
            self._work = work if self._work <= 0 else 0.8 * self._work + 0.2 * work
        while True:
            if self._left:
                slot = self._start + self._next * self.limiter.spacing
                if now - slot <= self.limiter.spend_within:
                    if slot > now:
                        clock.sleep(slot - now)
                    self._next += 1
                    self._left -= 1
                    self._returned_at = clock.now()
                    return True
                self.dropped += self._left  # stale slots
                self._left = 0
            want = self._want(remaining_work)
            grant = self.limiter.take(self.app_id, want, max_wait, self._backdate(want))
            if not grant.tokens:
                return False
            self._start, self._next, self._left = grant.start, 0, grant.tokens
            now = clock.now()

    def drop(self) -> None:
        self.dropped += self._left
        self._left = 0
