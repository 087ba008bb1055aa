"""After a -32 the whole app pauses until the end of the minute, and no batch waits out the queue's
visibility timeout: a campaign hit by one -32 on its first send finishes at most a minute later than
without it. Runs on a scaled clock (1 simulated minute = 3 real seconds) with a model of the queue:
a batch reported as failed comes back after the visibility timeout (540 s), a deferred batch after its
DelaySeconds."""

from __future__ import annotations

import heapq
import itertools
import threading
from typing import Any

from anninh.campaigns.gateway import ZaloGateway
from anninh.campaigns.model import Batch
from anninh.campaigns.sender import BroadcastSender
from anninh.ratelimit import DynamoBucketStore, RateLimiter
from anninh.registry import OA, App, Registry, Unit
from anninh.zalo.client import ZaloClient
from tests.fakes.broadcast import (
    FakeTokens,
    MemoryBucketTable,
    MemoryCampaignStore,
    MemoryDeliveryStore,
    ScaledClock,
    SimulatedZalo,
)

VISIBILITY_TIMEOUT = 540.0  # BroadcastQueue in template.yaml
FOLLOWERS = 150
LIMIT = 600  # per minute: 150 sends take 15 s of simulated time


class ModelQueue:
    """Batches become visible at a clock time; thread-safe."""

    def __init__(self, clock: ScaledClock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Batch]] = []
        self._n = itertools.count()
        self._lock = threading.Lock()

    def put(self, batch: Batch, delay: float = 0.0) -> None:
        with self._lock:
            heapq.heappush(self._heap, (self.clock.now() + delay, next(self._n), batch))

    def get(self) -> Batch | None:
        with self._lock:
            if self._heap and self._heap[0][0] <= self.clock.now():
                return heapq.heappop(self._heap)[2]
        return None


def run_campaign(inject_32: bool) -> float:
    """Simulated seconds from the start until every follower got the message."""
    # 5 s into a minute: the -32 pauses the app for the 55 s left, longer than a sender waits inline.
    clock = ScaledClock(20.0, start=1_800_000_005.0)
    zalo = SimulatedZalo(limit_per_minute=LIMIT, clock=clock)
    if inject_32:
        zalo.inject("-32")
    registry = Registry(
        apps=[App(app_id="sim-app", app_secret="s", oa_secret_key="k")],
        units=[Unit(unit_id="sim", name="Đơn vị mô phỏng", kind="district")],
        oas=[OA(oa_id="9900000000000000000", app_id="sim-app", name="OA", unit_id="sim")],
    )
    tokens: Any = FakeTokens()
    gateway = ZaloGateway(
        client=ZaloClient(api_base="http://zalo.sim", transport=zalo.transport()), tokens=tokens
    )
    store: Any = MemoryCampaignStore(
        {
            "id": "sim",
            "kind": "text",
            "message_type": "cs",
            "status": "running",
            "message": {"text": "Thông báo."},
            "total": FOLLOWERS,
            "planning_done": True,
            "sent": 0,
            "failed": 0,
            "skipped": 0,
        }
    )
    deliveries: Any = MemoryDeliveryStore()
    bucket = MemoryBucketTable()
    queue = ModelQueue(clock)
    users = [f"u{i:05d}" for i in range(FOLLOWERS)]
    for n, first in enumerate(range(0, FOLLOWERS, 50)):
        queue.put(
            Batch(
                campaign_id="sim",
                batch_id=f"b{n}",
                oa_id=registry.oas[0].oa_id,
                recipients=users[first : first + 50],
            )
        )
    start = clock.now()

    def worker() -> None:
        sender = BroadcastSender(
            registry=registry,
            gateway=gateway,
            limiter=RateLimiter(LIMIT, store=DynamoBucketStore(bucket), clock=clock),
            store=store,
            deliveries=deliveries,
            counter=lambda *a, **k: True,
            enqueue=lambda batches: [queue.put(b) for b in batches],
            defer=lambda batches, delay: [queue.put(b, delay) for b in batches],
        )
        while clock.now() - start < 3 * VISIBILITY_TIMEOUT and len(zalo.received) < FOLLOWERS:
            batch = queue.get()
            if batch is None:
                clock.sleep(0.5)
                continue
            if sender.send_batch(batch).retry:
                queue.put(batch, VISIBILITY_TIMEOUT)  # a failed item: back after the visibility timeout

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(zalo.received) == FOLLOWERS and max(zalo.received.values()) == 1  # everyone, once
    return max(zalo.arrivals) - start


def test_one_minus_32_on_the_first_batch_delays_the_campaign_by_at_most_a_minute() -> None:
    baseline = run_campaign(inject_32=False)
    hit = run_campaign(inject_32=True)
    assert baseline < 45
    assert hit - baseline <= 60 + 10, (baseline, hit)  # the pause lasts to the end of that minute
