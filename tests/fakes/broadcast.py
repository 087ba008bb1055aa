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

    from anninh import crypto, keys
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
            key = keys.follower(oa_id, user_id)
            writer.put_item(
                Item={
                    **key,
                    "GSI1PK": keys.followers_by_interaction_gsi(oa_id),
                    "GSI1SK": iso(at),
                    "type": "follower",
                    "oa_id": oa_id,
                    "user_id": crypto.seal_field(key, "user_id", user_id),  # as the follower store writes it
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
    errors: int = 0
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
            except Exception:
                with self._lock:
                    self.errors += 1
                continue  # a failed invocation: the same
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


# ---------------------------------------------------------------------- in-memory stores
# The load figures need thousands of sends a minute from concurrent senders; moto's in-process
# DynamoDB manages a few dozen calls a second on a busy machine and is not thread-safe under
# transactions. These stores keep the same semantics (conditional claim, lease, counters) in
# memory, with a per-call latency like DynamoDB's, and count the calls each would make.


def _conditional_failure(item: dict[str, Any] | None) -> Exception:
    from botocore.exceptions import ClientError

    response: dict[str, Any] = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "failed"}}
    if item is not None:
        response["Item"] = item
    return ClientError(response, "UpdateItem")  # type: ignore[arg-type]


class MemoryBucketTable:
    """The rate bucket item as a table, with the two conditional updates DynamoBucketStore makes."""

    def __init__(self, latency: float = 0.0) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.latency = latency
        self.calls = 0
        self._lock = threading.Lock()

    def _pause(self) -> None:
        self.calls += 1
        if self.latency:
            time.sleep(self.latency)

    def get_item(self, Key: dict[str, str], ConsistentRead: bool = False) -> dict[str, Any]:
        self._pause()
        with self._lock:
            item = self.items.get(Key["PK"])
            return {"Item": dict(item)} if item else {}

    def update_item(self, **kw: Any) -> dict[str, Any]:
        self._pause()
        key, values, condition = kw["Key"]["PK"], kw["ExpressionAttributeValues"], kw["ConditionExpression"]
        with self._lock:
            item = self.items.get(key)
            if ":until" not in values:  # reserve slots
                if condition.startswith("attribute_not_exists"):
                    ok = item is None
                else:
                    ok = item is not None and item.get("tat_us") == values[":old"]
                if not ok:
                    raise _conditional_failure(dict(item) if item else None)
                self.items[key] = {**(item or {}), "PK": key, "tat_us": values[":tat"]}
            else:  # penalize
                if item is not None and float(item.get("blocked_until", 0)) >= float(values[":until"]):
                    raise _conditional_failure(None)
                self.items[key] = {
                    **(item or {}),
                    "PK": key,
                    "tat_us": values[":tat"],
                    "blocked_until": values[":until"],
                }
        return {}


class MemoryDeliveryStore:
    """DeliveryStore's contract in memory (claims with leases judged by the send ledger's rule, final
    records)."""

    def __init__(self, latency: float = 0.0, lease_seconds: int = 180) -> None:
        self.records: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.latency = latency
        self.lease_seconds = lease_seconds
        self.calls = 0
        self._lock = threading.Lock()

    def _pause(self) -> None:
        self.calls += 1
        if self.latency:
            time.sleep(self.latency)

    def claim(self, campaign_id: str, oa_id: str, user_id: str, now: Any, capped: bool = False) -> Any:
        from anninh.sending.ledger import Claim, judge, lease_end

        self._pause()
        key = (campaign_id, oa_id, user_id)
        with self._lock:
            existing = self.records.get(key)
            if existing is None:
                claim_id = uuid.uuid4().hex
                self.records[key] = {
                    "status": "claimed",
                    "claim_id": claim_id,
                    "claim_until": lease_end(now, self.lease_seconds),
                }
                return Claim("mine", claim_id)
            return judge(existing, now, "claimed")

    def finish(
        self,
        campaign_id: str,
        oa_id: str,
        user_id: str,
        claim_id: str,
        *,
        status: str,
        now: Any,
        reason: str | None = None,
        message_id: str | None = None,
    ) -> bool:
        self._pause()
        with self._lock:
            record = self.records.get((campaign_id, oa_id, user_id))
            if not record or record["status"] != "claimed" or record["claim_id"] != claim_id:
                return False
            record.update(status=status, reason=reason, message_id=message_id)
            return True

    def record(
        self, campaign_id: str, oa_id: str, user_id: str, *, status: str, reason: str, now: Any
    ) -> bool:
        self._pause()
        with self._lock:
            if (campaign_id, oa_id, user_id) in self.records:
                return False
            self.records[(campaign_id, oa_id, user_id)] = {"status": status, "reason": reason}
            return True

    def release(self, campaign_id: str, oa_id: str, user_id: str, claim_id: str) -> None:
        self._pause()
        with self._lock:
            record = self.records.get((campaign_id, oa_id, user_id))
            if record and record["status"] == "claimed" and record["claim_id"] == claim_id:
                del self.records[(campaign_id, oa_id, user_id)]

    def uncount_cap(self, oa_id: str, user_id: str, now: Any) -> None:
        self._pause()

    def capped(self, members: list[tuple[str, str]], at: Any) -> int:
        self._pause()
        return 0

    def page(
        self,
        campaign_id: str,
        oa_id: str,
        *,
        status: str | None = None,
        cursor: dict[str, str] | None = None,
        limit: int = 50,
    ) -> tuple[list[Any], dict[str, str] | None]:
        """An OA's records of the campaign as typed `Delivery` records, in user order; the cursor is
        the last user id given (like DynamoDB's LastEvaluatedKey, only when more may follow)."""
        from anninh.campaigns.deliveries import Delivery

        self._pause()
        with self._lock:
            rows = sorted(
                (user_id, record)
                for (cid, oa, user_id), record in self.records.items()
                if cid == campaign_id and oa == oa_id and (status is None or record["status"] == status)
            )
        after = (cursor or {}).get("SK", "")
        rows = [(u, r) for u, r in rows if u > after]
        page = rows[:limit]
        records = [Delivery.from_item({**r, "user_id": u, "oa_id": oa_id}, campaign_id) for u, r in page]
        more = len(rows) > limit
        return records, ({"PK": oa_id, "SK": page[-1][0]} if more and page else None)


class MemoryCampaignStore:
    """The parts of CampaignStore a sender uses: the campaign item, counters, parking."""

    def __init__(self, item: dict[str, Any], latency: float = 0.0) -> None:
        self.item = dict(item)
        self.parked_batches: list[dict[str, Any]] = []
        self.latency = latency
        self.calls = 0
        self._lock = threading.Lock()

    def _pause(self) -> None:
        self.calls += 1
        if self.latency:
            time.sleep(self.latency)

    def get_item(self, campaign_id: str, consistent: bool = True) -> dict[str, Any]:
        self._pause()
        with self._lock:
            return dict(self.item)

    def add_counts(self, campaign_id: str, counts: dict[str, int], now: Any) -> dict[str, Any]:
        self._pause()
        with self._lock:
            for k, v in counts.items():
                self.item[k] = self.item.get(k, 0) + v
            processed = sum(self.item.get(k, 0) for k in ("sent", "failed", "skipped"))
            if self.item.get("planning_done") and processed >= self.item.get("total", 0):
                self.item["status"] = "done"
            return dict(self.item)

    def park(self, campaign_id: str, batch: dict[str, Any], resume_at: str | None = None) -> None:
        self._pause()
        with self._lock:
            self.parked_batches.append(batch)

    def set_fields(self, campaign_id: str, **fields: Any) -> None:
        self._pause()
        with self._lock:
            self.item.update(fields)


def run_memory_load(
    followers: int = 3000,
    *,
    oas: int = 2,
    limit: int = 600,
    factor: float = 20.0,
    senders: int = 4,
    latency: float = 0.003,
    zalo_latency: float = 0.0,
    timeout: float = 120.0,
) -> dict[str, Any]:
    """A campaign of `followers` recipients sent by `senders` concurrent BroadcastSenders sharing one
    limiter bucket, against SimulatedZalo; returns the figures (rate fraction, -32s, duplicates...)."""
    import queue

    from anninh.campaigns.gateway import ZaloGateway
    from anninh.campaigns.model import Batch
    from anninh.campaigns.sender import BroadcastSender
    from anninh.ratelimit import DynamoBucketStore, RateLimiter
    from anninh.registry import OA, App, Registry, Unit
    from anninh.zalo.client import ZaloClient

    clock = ScaledClock(factor)
    zalo = SimulatedZalo(limit_per_minute=limit, clock=clock, latency=zalo_latency)
    oa_ids = [f"99000000000000000{i:02d}" for i in range(oas)]
    registry = Registry(
        apps=[App(app_id="sim-app", app_secret="s", oa_secret_key="k")],
        units=[Unit(unit_id="sim", name="Đơn vị mô phỏng", kind="district")],
        oas=[OA(oa_id=o, app_id="sim-app", name=o, unit_id="sim") for o in oa_ids],
    )
    tokens: Any = FakeTokens()
    gateway = ZaloGateway(
        client=ZaloClient(api_base="http://zalo.sim", transport=zalo.transport()), tokens=tokens
    )
    store = MemoryCampaignStore(
        {
            "id": "sim",
            "kind": "text",
            "message_type": "cs",
            "status": "running",
            "message": {"text": "Thông báo thử nghiệm."},
            "total": followers,
            "planning_done": True,
            "sent": 0,
            "failed": 0,
            "skipped": 0,
        },
        latency,
    )
    deliveries = MemoryDeliveryStore(latency)
    bucket = MemoryBucketTable(latency)
    work: queue.Queue[Batch] = queue.Queue()
    per_oa: dict[str, list[str]] = {o: [] for o in oa_ids}
    for i in range(followers):
        per_oa[oa_ids[i % oas]].append(f"u{i:07d}")
    n = 0
    for oa_id, users in per_oa.items():
        for first in range(0, len(users), 50):
            work.put(
                Batch(
                    campaign_id="sim", batch_id=f"sim:{n}", oa_id=oa_id, recipients=users[first : first + 50]
                )
            )
            n += 1
    limiters: list[RateLimiter] = []
    stashes: list[BroadcastSender] = []

    def requeue(batches: list[Batch]) -> None:
        for b in batches:
            work.put(b)

    def no_stats(*args: Any, **kwargs: Any) -> bool:
        return True

    memory_store: Any = store
    memory_deliveries: Any = deliveries
    memory_bucket: Any = bucket  # a table-like fake with the two calls the bucket store makes

    def worker(deadline: float) -> None:
        limiter = RateLimiter(limit, store=DynamoBucketStore(memory_bucket), clock=clock)
        sender = BroadcastSender(
            registry=registry,
            gateway=gateway,
            limiter=limiter,
            store=memory_store,
            deliveries=memory_deliveries,
            counter=no_stats,
            enqueue=requeue,
        )
        limiters.append(limiter)
        stashes.append(sender)
        while time.monotonic() < deadline and store.item.get("status") != "done":
            try:
                batch = work.get(timeout=0.05)
            except queue.Empty:
                continue
            if sender.send_batch(batch).retry:
                work.put(batch)

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(began + timeout,), daemon=True) for _ in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    sent = int(store.item.get("sent", 0))
    calls = bucket.calls + deliveries.calls + store.calls
    return {
        "followers": followers,
        "senders": senders,
        "limit_per_minute": limit,
        "clock_factor": factor,
        "sent": sent,
        "status": store.item.get("status"),
        "rate_fraction": round(zalo.rate_fraction(), 4),
        "max_in_any_minute": zalo.max_in_any_minute(),
        "rate_limited_by_us": zalo.limited,
        "duplicates": sum(1 for v in zalo.received.values() if v > 1),
        "missing": followers - len(zalo.received),
        "dynamodb_calls_per_message": round(calls / max(1, sent), 3),
        "limiter_calls_per_message": round(bucket.calls / max(1, sent), 3),
        "real_seconds": round(elapsed, 1),
        "simulated_minutes": round(elapsed * factor / 60, 2),
        "slots_dropped": sum(t.dropped for s in stashes for t in s._stash.values()),
    }
