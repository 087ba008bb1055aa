"""The broadcast at a deployment's size, on a virtual clock: the real planner, senders and limiter.

What runs is product code: `Planner` pages the audience and queues batches (interleaving apps),
`BroadcastSender` claims, takes slots from `RateLimiter` (one bucket per app) and sends through
`ZaloGateway`/`ZaloClient` to a simulated Zalo that counts each app's requests per minute and answers
-32 past its limit. The stores are in memory with DynamoDB's semantics (from the broadcast simulation
in `tests/fakes/broadcast.py`) and every write is charged to the partition key DynamoDB would
charge it to, in write units, so the hottest key can be read off.

Scaling. A city's 5 M messages cannot go through Python here, so the run is scaled by `scale` = k:
1/k of the followers, and every duration stretched k times - Zalo's minute (4,000 requests per k
minutes), its latency, DynamoDB's latency and the limiter's time constants. Then the broadcast takes
as long as at full size, a sender handles 1/k as many messages a second while each message takes it
k times longer, so the same number of senders is busy (Little's law), and a key's writes per second
are 1/k of the full size's: the report multiplies them back.

The clock is virtual (discrete events): a thread that sleeps waits on its own event, and when every
simulated thread is asleep the clock jumps to the earliest wake-up. Nothing waits in real time, so
two hours of broadcast take as long as the CPU work of the messages.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from anninh import keys
from anninh.campaigns.audience import PAGE_SIZE, AudienceFilter, AudiencePage
from anninh.campaigns.eligibility import AudienceMember
from anninh.campaigns.model import Batch
from anninh.campaigns.planner import BATCH_SIZE
from tests.fakes.broadcast import (
    FakeTokens,
    MemoryBucketTable,
    MemoryCampaignStore,
    MemoryDeliveryStore,
    SimulatedZalo,
)

# 19:30 in Vietnam: an evening broadcast of a promotion-type message must end before 22:00.
EVENING = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)


class VirtualClock:
    """Seconds on a discrete-event clock shared by the simulated threads (see the module doc)."""

    def __init__(self, start: float) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._sleepers: list[tuple[float, int, threading.Event]] = []
        self._seq = itertools.count()
        self._running = 0

    def now(self) -> float:
        return self._now

    def enter(self) -> None:
        with self._lock:
            self._running += 1

    def leave(self) -> None:
        with self._lock:
            self._running -= 1
            self._advance()

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        event = threading.Event()
        with self._lock:
            heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), event))
            self._running -= 1
            self._advance()
        event.wait()

    def _advance(self) -> None:
        if self._running > 0 or not self._sleepers:
            return
        self._now = max(self._now, self._sleepers[0][0])
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, event = heapq.heappop(self._sleepers)
            self._running += 1  # on the woken thread's behalf, before it runs
            event.set()

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self._now, UTC)


@dataclass
class WriteLog:
    """Write (and read) units per partition key and virtual minute."""

    clock: VirtualClock
    writes: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    reads: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, pk: str, units: int, call: str) -> None:
        minute = int(self.clock.now() // 60)
        with self._lock:
            self.writes[pk][minute] += units
            self.calls[call] += 1

    def read(self, pk: str, units: int, call: str) -> None:
        minute = int(self.clock.now() // 60)
        with self._lock:
            self.reads[pk][minute] += units
            self.calls[call] += 1

    def hottest(self, scale: int, top: int = 7) -> list[dict[str, Any]]:
        """Partition keys by their busiest minute, in write units per second at full size."""
        rows: list[dict[str, Any]] = []
        for pk, minutes in self.writes.items():
            if not minutes:
                continue
            peak = max(minutes.values())
            rows.append(
                {
                    "key": pk,
                    "kind": _kind(pk).removeprefix("KIND:"),
                    "wcu_per_s": round(peak / 60.0 * scale, 1),
                }
            )
        rows.sort(key=lambda r: -float(r["wcu_per_s"]))
        # The same writes as if every delivery of the campaign shared one partition (the layout before
        # keys.campaign_delivery_pk split them per OA).
        together: Counter[int] = Counter()
        for pk, minutes in self.writes.items():
            if _kind(pk) == "KIND:campaign deliveries of one OA":
                together.update(minutes)
        if together:
            rows.append(
                {
                    "key": "CAMPAIGN#<id> (all deliveries, layout before the split)",
                    "kind": "deliveries in one partition (before)",
                    "wcu_per_s": round(max(together.values()) / 60.0 * scale, 1),
                }
            )
            rows.sort(key=lambda r: -float(r["wcu_per_s"]))
        seen: set[str] = set()
        out = []
        for row in rows:  # one row per kind of key: the hottest of each
            if row["kind"] in seen:
                continue
            seen.add(row["kind"])
            out.append(row)
        return out[:top]


def _kind(pk: str) -> str:
    if pk.startswith("CAMPAIGN#") and "#OA#" in pk:
        return "KIND:campaign deliveries of one OA"
    if pk.startswith("CAMPAIGN#"):
        return "KIND:campaign item (counters per batch, planner cursor, parked batches)"
    if pk.startswith("RATE#"):
        return "KIND:rate limiter bucket of one app"
    if pk.startswith("STATS#"):
        return "KIND:daily statistics (all OAs of the day)"
    if pk.startswith("FCAP#"):
        return "KIND:follower cap"
    if pk.startswith("COUNTED#"):
        return "KIND:counted-event marker"
    return "KIND:" + pk.split("#", 1)[0]


# ---------------------------------------------------------------------- stores charged per key


class Bucket(MemoryBucketTable):
    def __init__(self, log: WriteLog, latency: float) -> None:
        super().__init__(0.0)
        self.log, self.delay = log, latency

    def get_item(self, Key: dict[str, str], ConsistentRead: bool = False) -> dict[str, Any]:
        self.log.read(Key["PK"], 1, "GetItem")
        self.log.clock.sleep(self.delay)
        return super().get_item(Key, ConsistentRead)

    def update_item(self, **kw: Any) -> dict[str, Any]:
        self.log.write(kw["Key"]["PK"], 1, "UpdateItem")  # a failed condition is charged too
        self.log.clock.sleep(self.delay)
        return super().update_item(**kw)


class Deliveries(MemoryDeliveryStore):
    def __init__(self, log: WriteLog, latency: float) -> None:
        super().__init__(0.0)
        self.log, self.delay = log, latency

    def _charge(self, campaign_id: str, oa_id: str, user_id: str, units: int, call: str) -> None:
        self.log.write(keys.campaign_delivery(campaign_id, oa_id, user_id)["PK"], units, call)
        self.log.clock.sleep(self.delay)

    def _caps(self, oa_id: str, user_id: str, units: int) -> None:
        for period in ("DAY", "MONTH"):
            self.log.write(keys.follower_cap(oa_id, user_id, period)["PK"], units, "cap")

    def claim(self, campaign_id: str, oa_id: str, user_id: str, now: Any, capped: bool = False) -> Any:
        if capped:  # TransactWriteItems: the record and both caps, 2 units each
            self._charge(campaign_id, oa_id, user_id, 2, "TransactWriteItems")
            self._caps(oa_id, user_id, 2)
        else:
            self._charge(campaign_id, oa_id, user_id, 1, "PutItem")
        return super().claim(campaign_id, oa_id, user_id, now, capped)

    def finish(self, campaign_id: str, oa_id: str, user_id: str, claim_id: str, **kw: Any) -> bool:
        self._charge(campaign_id, oa_id, user_id, 1, "UpdateItem")
        return super().finish(campaign_id, oa_id, user_id, claim_id, **kw)

    def record(self, campaign_id: str, oa_id: str, user_id: str, **kw: Any) -> bool:
        self._charge(campaign_id, oa_id, user_id, 1, "PutItem")
        return super().record(campaign_id, oa_id, user_id, **kw)

    def release(self, campaign_id: str, oa_id: str, user_id: str, claim_id: str) -> None:
        self._charge(campaign_id, oa_id, user_id, 1, "DeleteItem")
        super().release(campaign_id, oa_id, user_id, claim_id)

    def uncount_cap(self, oa_id: str, user_id: str, now: Any) -> None:
        self._caps(oa_id, user_id, 2)
        self.log.clock.sleep(self.delay)
        super().uncount_cap(oa_id, user_id, now)


class Campaigns(MemoryCampaignStore):
    """The campaign item, with what the planner needs too (checkpoint, start)."""

    def __init__(self, item: dict[str, Any], log: WriteLog, latency: float) -> None:
        super().__init__(item, 0.0)
        self.log, self.delay = log, latency
        self.pk = keys.campaign(str(item["id"]))["PK"]

    def _w(self, call: str, units: int = 1) -> None:
        self.log.write(self.pk, units, call)
        self.log.clock.sleep(self.delay)

    def get_item(self, campaign_id: str, consistent: bool = True) -> dict[str, Any]:
        self.log.read(self.pk, 1 + len(json.dumps(self.item, default=str)) // 4096, "GetItem")
        self.log.clock.sleep(self.delay)
        return super().get_item(campaign_id, consistent)

    def add_counts(self, campaign_id: str, counts: dict[str, int], now: Any) -> dict[str, Any]:
        self._w("UpdateItem", 1 + len(json.dumps(self.item, default=str)) // 1024)
        return super().add_counts(campaign_id, counts, now)

    def park(self, campaign_id: str, batch: dict[str, Any], resume_at: str | None = None) -> None:
        self._w("PutItem")
        super().park(campaign_id, batch, resume_at)

    def set_fields(self, campaign_id: str, **fields: Any) -> None:
        self._w("UpdateItem")
        super().set_fields(campaign_id, **fields)

    def checkpoint(
        self,
        campaign_id: str,
        previous: dict[str, Any] | None,
        cursor: dict[str, Any],
        *,
        counts: dict[str, int],
        planning_done: bool,
        now: datetime,
    ) -> bool:
        self._w("UpdateItem", 1 + len(json.dumps(self.item, default=str)) // 1024)
        with self._lock:
            stored = self.item.get("cursor")
            if (json.dumps(previous, sort_keys=True) if previous is not None else None) != stored:
                return False
            self.item["cursor"] = json.dumps(cursor, sort_keys=True)
            self.item["planning_done"] = planning_done
            for k, v in counts.items():
                self.item[k] = self.item.get(k, 0) + v
            processed = sum(self.item.get(k, 0) for k in ("sent", "failed", "skipped"))
            if planning_done and processed >= self.item.get("total", 0):
                self.item["status"] = "done"
        return True


class Audience:
    """Followers of each OA, made up page by page (all following, interacted recently)."""

    def __init__(self, sizes: dict[str, int], log: WriteLog, latency: float) -> None:
        self.sizes, self.log, self.delay = sizes, log, latency

    def page(
        self, oa_id: str, flt: AudienceFilter, now: datetime, cursor: dict[str, Any] | None, limit: int = 1000
    ) -> AudiencePage:
        start = int((cursor or {}).get("n", 0))
        end = min(self.sizes[oa_id], start + limit)
        # A Query on the followers index: ~200 bytes an item, eventually consistent (0.5 unit / 4 KB).
        self.log.read(keys.followers_by_interaction_gsi(oa_id), max(1, (end - start) * 200 // 8192), "Query")
        self.log.clock.sleep(self.delay)
        seen = (now - timedelta(days=1)).isoformat()
        members = [
            AudienceMember(user_id=f"{oa_id[-4:]}{i:08d}", last_interaction_at=seen)
            for i in range(start, end)
        ]
        return AudiencePage(members, {"n": end} if end < self.sizes[oa_id] else None)


class Queue:
    """The broadcast queue, about first in first out like a busy SQS standard queue."""

    def __init__(self, log: WriteLog) -> None:
        self.items: list[Batch] = []
        self.head = 0
        self.log = log
        self._lock = threading.Lock()
        self.sent_calls = 0

    def batches(self, batches: list[Batch]) -> None:
        with self._lock:
            self.items.extend(batches)
            self.sent_calls += (len(batches) + 9) // 10

    def get(self) -> Batch | None:
        with self._lock:
            if self.head >= len(self.items):
                return None
            batch = self.items[self.head]
            self.head += 1
            return batch


class ZaloTime:
    """Zalo's minute, stretched like every other duration: Zalo sees the virtual clock divided by k."""

    def __init__(self, clock: VirtualClock, scale: int) -> None:
        self.clock, self.scale = clock, scale

    def now(self) -> float:
        return self.clock.now() / self.scale

    def sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds * self.scale)


class PerAppZalo:
    """Zalo's per-app limit: one `SimulatedZalo` (sliding minute, -32 past it) per app."""

    def __init__(
        self, app_of: dict[str, str], limit: int, clock: VirtualClock, latency: float, scale: int
    ) -> None:
        self.app_of, self.clock, self.latency, self.scale = app_of, clock, latency, scale
        zalo_time: Any = ZaloTime(clock, scale)
        self.apps = {
            app: SimulatedZalo(limit_per_minute=limit, clock=zalo_time)
            for app in sorted(set(app_of.values()))
        }

    def last_send(self) -> float | None:
        times = [t for z in self.apps.values() for t in z.arrivals]
        return max(times) * self.scale if times else None

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.clock.sleep(self.latency)
        oa_id = request.headers.get("access_token", "").removeprefix("tok-")
        return self.apps[self.app_of[oa_id]].handle(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


# ---------------------------------------------------------------------- the run


@dataclass
class SimResult:
    figures: dict[str, Any]
    log: WriteLog


def simulate(
    followers_per_oa: dict[str, int],
    app_of: dict[str, str],
    *,
    scale: int,
    senders: int,
    limit_per_minute: int = 4000,
    zalo_latency: float = 0.15,
    dynamodb_latency: float = 0.006,
    message_type: str = "promotion",
    stats_per_batch: bool = True,
    hours: float = 6.0,
    page_size: int | None = None,
) -> SimResult:
    """Send one campaign to every follower of every OA; figures at full size (see the module doc)."""
    from anninh.campaigns.gateway import ZaloGateway
    from anninh.campaigns.planner import Planner
    from anninh.campaigns.sender import BroadcastSender
    from anninh.ratelimit import DynamoBucketStore, LocalTokens, RateLimiter
    from anninh.registry import OA, App, Registry, Unit

    class StretchedTokens(LocalTokens):
        """The sender's wait for a slot (30 s) stretched like every other duration."""

        def take_one(self, remaining_work: int, max_wait: float = 30.0) -> bool:
            return super().take_one(remaining_work, max_wait * k)

    class Sender(BroadcastSender):
        def _tokens(self, app_id: str) -> LocalTokens:
            if app_id not in self._stash:
                self._stash[app_id] = StretchedTokens(self.limiter, app_id, self.chunk)
            return self._stash[app_id]

    from anninh.zalo.client import ZaloClient

    k = max(1, scale)
    clock = VirtualClock(EVENING.timestamp())
    log = WriteLog(clock)
    sizes = {oa: max(1, round(n / k)) for oa, n in followers_per_oa.items()}
    total = sum(sizes.values())
    zalo = PerAppZalo(app_of, limit_per_minute, clock, zalo_latency * k, k)
    apps = sorted(set(app_of.values()))
    registry = Registry(
        apps=[App(app_id=a, app_secret="s", oa_secret_key="k") for a in apps],
        units=[Unit(unit_id="sim", name="Đơn vị mô phỏng", kind="district")],
        oas=[OA(oa_id=o, app_id=app_of[o], name=o, unit_id="sim") for o in followers_per_oa],
    )
    tokens: Any = FakeTokens()
    gateway = ZaloGateway(
        client=ZaloClient(api_base="http://zalo.sim", transport=zalo.transport()), tokens=tokens
    )
    ddb = dynamodb_latency * k
    store = Campaigns(
        {
            "id": "city",
            "kind": "text",
            "message_type": message_type,
            "status": "running",
            "message": {"text": "Công an thành phố thông báo: cảnh giác với lừa đảo qua mạng."},
            "oa_ids": list(followers_per_oa),
            "total": 0,
            "sent": 0,
            "failed": 0,
            "skipped": 0,
        },
        log,
        ddb,
    )
    deliveries = Deliveries(log, ddb)
    bucket = Bucket(log, ddb)
    queue = Queue(log)
    planner = Planner(
        store=store,  # type: ignore[arg-type]
        audience=Audience(sizes, log, ddb),
        broadcast=queue,  # type: ignore[arg-type]
        requeue=lambda cid: None,
        now=clock.datetime,
        app_of=lambda oa: app_of[oa],
        page_size=page_size or max(BATCH_SIZE, PAGE_SIZE // k),
    )
    stats_day = keys.stats_day_unit("2026-11-30", "oa", "sim")["PK"]

    def count_stat(event_key: str, oa_id: str, unit_id: str, at: Any = None, **increments: int) -> bool:
        if stats_per_batch:  # TransactWriteItems: the marker and the day's item, 2 units each
            log.write(keys.counted_marker(event_key)["PK"], 2, "TransactWriteItems")
            log.write(stats_day, 2, "stats")
            clock.sleep(ddb)
        return True

    end = clock.now() + hours * 3600
    busy = 0
    peak_busy = 0
    busy_lock = threading.Lock()
    dropped = 0

    def plan() -> None:
        try:
            planner.plan("city")
        finally:
            clock.leave()

    def send() -> None:
        nonlocal busy, peak_busy, dropped
        limiter = RateLimiter(
            limit_per_minute / k,  # type: ignore[arg-type]
            store=DynamoBucketStore(bucket),  # type: ignore[arg-type]  # the bucket in memory
            clock=clock,
            spend_within=0.5 * k,
            horizon=1.0 * k,
            max_pause=0.5 * k,
        )
        sender = Sender(
            registry=registry,
            gateway=gateway,
            limiter=limiter,
            store=store,  # type: ignore[arg-type]
            deliveries=deliveries,  # type: ignore[arg-type]
            counter=count_stat,
            enqueue=queue.batches,
            now=clock.datetime,
        )
        try:
            while clock.now() < end and store.item.get("status") != "done":
                batch = queue.get()
                if batch is None:
                    clock.sleep(1.0 * k)  # an idle poller: no invocation
                    continue
                with busy_lock:
                    busy += 1
                    peak_busy = max(peak_busy, busy)
                try:
                    if sender.send_batch(batch).retry:
                        queue.batches([batch])
                finally:
                    with busy_lock:
                        busy -= 1
        finally:
            with busy_lock:
                dropped += sum(t.dropped for t in sender._stash.values())
            clock.leave()

    began = clock.now()
    threads = [threading.Thread(target=plan, daemon=True)]
    threads += [threading.Thread(target=send, daemon=True) for _ in range(senders)]
    for _ in threads:
        clock.enter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = int(store.item.get("sent", 0))
    done_at = zalo.last_send() or began
    minutes = (done_at - began) / 60.0
    received = Counter[tuple[str, str]]()
    for z in zalo.apps.values():
        received.update(z.received)
    calls = sum(log.calls.values()) - log.calls["cap"] - log.calls["stats"]
    figures = {
        "followers": sum(followers_per_oa.values()),
        "simulated_followers": total,
        "scale": k,
        "oas": len(followers_per_oa),
        "apps": len(apps),
        "senders": senders,
        "status": store.item.get("status"),
        "sent_fraction": round(sent / max(1, total), 4),
        "broadcast_minutes": round(minutes, 1),
        "ends_before_22h": store.item.get("status") == "done" and minutes <= 150,
        "duplicates": sum(1 for v in received.values() if v > 1),
        "rate_limited_by_us": sum(z.limited for z in zalo.apps.values()),
        "max_in_any_minute_per_app": max((z.max_in_any_minute() for z in zalo.apps.values()), default=0),
        "app_limit_per_minute": limit_per_minute,
        "messages_per_second": round(sent * k / max(1.0, minutes * 60), 1),
        "peak_busy_senders": peak_busy,
        "dynamodb_calls_per_message": round(calls / max(1, sent), 3),
        "sqs_calls_per_message": round(queue.sent_calls / max(1, sent), 4),
        "slots_dropped": dropped,
        "hottest_keys": log.hottest(k),
    }
    return SimResult(figures, log)
