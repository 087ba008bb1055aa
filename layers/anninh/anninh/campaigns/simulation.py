"""A simulated Zalo send endpoint and a scaled clock, for the broadcast tests and `make bench`.

`SimulatedZalo` is an httpx transport handler that enforces the app-wide limit the way Zalo does
(requests per minute, counted over a sliding minute on a shared clock), answers -32 past it, and
records every accepted message per (OA, user) so a test can check "exactly once". Faults can be
injected: an error code (e.g. -32 not caused by us), a connection refused before Zalo sees the
request, a read timeout after Zalo accepted it, or a sender killed right after Zalo accepted it.

`ScaledClock` runs `factor` times faster than real time, so a one-minute window passes in
60/factor real seconds: the limiter and the simulated Zalo share it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import httpx


class ScaledClock:
    def __init__(self, factor: float = 1.0, start: float | None = None) -> None:
        self.factor = factor
        self._t0 = start if start is not None else time.time()
        self._m0 = time.monotonic()

    def now(self) -> float:
        return self._t0 + (time.monotonic() - self._m0) * self.factor

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.factor)


class SenderKilled(BaseException):
    """Raised inside a sender to simulate the function dying (not caught by `except Exception`)."""


@dataclass
class SimulatedZalo:
    limit_per_minute: int
    clock: ScaledClock
    latency: float = 0.0  # real seconds per request
    received: Counter[tuple[str, str]] = field(default_factory=Counter)
    arrivals: list[float] = field(default_factory=list)  # accepted sends, clock seconds
    limited: int = 0  # -32 answers because the limit was exceeded (caused by the senders)
    injected: Counter[str] = field(default_factory=Counter)
    faults: deque[str] = field(default_factory=deque)
    requests: int = 0
    _window: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def inject(self, fault: str, count: int = 1) -> None:
        """fault: "-32" (or any error code), "connect", "read_timeout", "kill"."""
        with self._lock:
            self.faults.extend([fault] * count)

    @staticmethod
    def _oa_of(request: httpx.Request) -> str:
        return request.headers.get("access_token", "").removeprefix("tok-")

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.latency:
            time.sleep(self.latency)
        path = request.url.path
        if "/message/" not in path and "/article/" not in path:
            return httpx.Response(200, json={"error": -201, "message": f"not simulated: {path}"})
        body = json.loads(request.content or b"{}")
        oa_id = self._oa_of(request)
        user_id = str((body.get("recipient") or {}).get("user_id") or body.get("phone") or "")
        with self._lock:
            self.requests += 1
            fault = self.faults.popleft() if self.faults else None
            if fault == "ok":
                fault = None
            if fault and fault.lstrip("-").isdigit():
                self.injected[fault] += 1
                return httpx.Response(200, json={"error": int(fault), "message": "injected"})
            if fault == "connect":
                self.injected[fault] += 1
                raise httpx.ConnectError("injected: connection refused", request=request)
            now = self.clock.now()
            while self._window and self._window[0] <= now - 60.0:
                self._window.popleft()
            if len(self._window) >= self.limit_per_minute:
                self.limited += 1
                return httpx.Response(200, json={"error": -32, "message": "rate limit exceeded"})
            self._window.append(now)
            self.arrivals.append(now)
            self.received[(oa_id, user_id)] += 1
            remain = self.limit_per_minute - len(self._window)
        if fault == "read_timeout":
            self.injected[fault] += 1
            raise httpx.ReadTimeout("injected: answer lost after delivery", request=request)
        if fault == "kill":
            self.injected[fault] += 1
            raise SenderKilled("injected: sender died after Zalo accepted the message")
        data = {"message_id": uuid.uuid4().hex, "user_id": user_id}
        if "/article/create" in path:
            data = {"token": f"atok-{uuid.uuid4().hex[:8]}"}
        elif "/article/verify" in path:
            data = {"id": f"art-{uuid.uuid4().hex[:8]}"}
        headers = {"X-RateLimit-Limit": str(self.limit_per_minute), "X-RateLimit-Remain": str(remain)}
        return httpx.Response(200, json={"error": 0, "message": "Success", "data": data}, headers=headers)

    def rate_fraction(self, skip_first: int = 0) -> float:
        """Accepted sends per minute over the run, as a fraction of the limit."""
        times = sorted(self.arrivals)[skip_first:]
        if len(times) < 2:
            return 0.0
        minutes = (times[-1] - times[0]) / 60.0
        return (len(times) - 1) / minutes / self.limit_per_minute if minutes > 0 else 0.0

    def max_in_any_minute(self) -> int:
        times = sorted(self.arrivals)
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while times[lo] <= t - 60.0:
                lo += 1
            best = max(best, hi - lo + 1)
        return best


class FakeTokens:
    """Stands in for TokenStore: the OA's token is "tok-<oa_id>" (the simulated Zalo reads it)."""

    def access_token(self, oa_id: str) -> str:
        return f"tok-{oa_id}"

    def refresh(self, oa_id: str, stale_access_token: str) -> str:
        return f"tok-{oa_id}"


def fake_tokens() -> Any:
    return FakeTokens()


def seed_followers(
    table: Any,
    oa_ids: list[str],
    count: int,
    now: Any,
    *,
    outside_window: int = 0,
    unfollowed: int = 0,
    prefix: str = "81",
) -> list[tuple[str, str]]:
    """Write `count` following followers spread over the OAs (interacted within the last 3 days),
    plus some that are not eligible. Returns the (oa_id, user_id) pairs of the eligible ones."""
    from datetime import timedelta

    from anninh import keys
    from anninh.clock import iso

    eligible: list[tuple[str, str]] = []
    with table.batch_writer() as writer:
        total = count + outside_window + unfollowed
        for i in range(total):
            oa_id = oa_ids[i % len(oa_ids)]
            user_id = f"{prefix}{i:017d}"
            at = now - (
                timedelta(days=10) if count <= i < count + outside_window else timedelta(minutes=1 + i % 4000)
            )
            following = i < count + outside_window
            writer.put_item(
                Item={
                    **keys.follower(oa_id, user_id),
                    "GSI1PK": keys.followers_by_interaction_gsi(oa_id),
                    "GSI1SK": iso(at),
                    "type": "follower",
                    "oa_id": oa_id,
                    "user_id": user_id,
                    "following": following,
                    "last_interaction_at": iso(at),
                }
            )
            if i < count:
                eligible.append((oa_id, user_id))
    return eligible


@dataclass
class SenderPool:
    """Concurrent senders: each thread receives batches from the queue and calls the handler with
    them, deleting what the handler reports as done, like the Lambda SQS poller."""

    handler: Any
    context_factory: Any
    sqs: Any
    queue_url: str
    threads: int = 4
    per_call: int = 2
    visibility: int = 10
    crashes: int = 0
    invocations: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:local:0:broadcast",
            "awsRegion": "ap-southeast-1",
        }

    def _work(self, done: Any, deadline: float) -> None:
        while time.monotonic() < deadline and not done():
            out = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=self.per_call, VisibilityTimeout=self.visibility
            )
            messages = out.get("Messages", [])
            if not messages:
                time.sleep(0.05)
                continue
            event = {"Records": [self._record(m) for m in messages]}
            try:
                response = self.handler(event, self.context_factory())
            except SenderKilled:
                with self._lock:
                    self.crashes += 1
                continue  # the messages stay in flight and come back after the visibility timeout
            with self._lock:
                self.invocations += 1
            failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
            for m in messages:
                if m["MessageId"] not in failed:
                    self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])

    def run(self, done: Any, timeout: float = 120.0) -> float:
        """Run until done() or timeout; returns the real seconds it took."""
        start = time.monotonic()
        workers = [
            threading.Thread(target=self._work, args=(done, start + timeout), daemon=True)
            for _ in range(self.threads)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return time.monotonic() - start
