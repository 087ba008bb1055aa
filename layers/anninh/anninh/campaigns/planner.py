"""Planning a campaign: page through its audience and put recipient batches on the broadcast queue.

Resumable and never duplicating: batch ids are deterministic (`<campaign>:<oa#>:<page>:<n>`), and
after each page one conditional update moves the checkpoint cursor from the page's start to its end
and adds the page's counts. A planner that dies after enqueuing a page but before the checkpoint is
retried from the page's start: the same batches go out again with the same ids, and the delivery
records make their second delivery a no-op; the counts are added exactly once (the checkpoint).

Scheduled campaigns start from the due sweep (EventBridge `rate(1 minute)`): see docs/campaigns.md
for why a sweep over the GSI2 index rather than one EventBridge Scheduler schedule per campaign.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from anninh import aws, clock
from anninh.campaigns.audience import PAGE_SIZE, AudienceFilter, AudienceSource
from anninh.campaigns.eligibility import in_quiet_hours, ineligible_reason, quiet_hours_end, restricted
from anninh.campaigns.model import Batch
from anninh.campaigns.store import CampaignNotFound, CampaignStore, default_audience, default_campaign_store
from anninh.clock import parse_iso
from anninh.observability import logger
from anninh.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH_SIZE = 50  # recipients per SQS message
SAFETY_SECONDS = 20.0


def _now() -> datetime:
    return clock.utcnow()  # looked up per call, so tests can move the clock


class QueueWriter:
    """SendMessageBatch in tens onto a standard queue; counts calls for the bench."""

    def __init__(self, queue_url: str | None = None, sqs: SQSClient | None = None) -> None:
        self._url = queue_url
        self._sqs = sqs
        self.calls = 0

    @property
    def url(self) -> str:
        return self._url or get_settings().broadcast_queue_url

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            self._sqs = aws.client("sqs")
        return self._sqs

    def send(self, bodies: list[dict[str, Any]], delay_seconds: int = 0) -> None:
        for start in range(0, len(bodies), 10):
            chunk = bodies[start : start + 10]
            entries: list[dict[str, Any]] = [
                {"Id": str(i), "MessageBody": json.dumps(b, separators=(",", ":"))}
                for i, b in enumerate(chunk)
            ]
            if delay_seconds > 0:
                for entry in entries:
                    entry["DelaySeconds"] = min(900, int(delay_seconds))
            self.calls += 1
            result = self.sqs.send_message_batch(QueueUrl=self.url, Entries=entries)
            failed = result.get("Failed") or []
            if failed:  # retry the failed entries once, then give up loudly (the planner is retried)
                retry = [e for e in entries if e["Id"] in {f["Id"] for f in failed}]
                self.calls += 1
                again = self.sqs.send_message_batch(QueueUrl=self.url, Entries=retry)
                if again.get("Failed"):
                    raise RuntimeError(f"could not enqueue {len(again['Failed'])} messages")

    def batches(self, batches: list[Batch]) -> None:
        self.send([b.model_dump() for b in batches])

    def batches_later(self, batches: list[Batch], delay_seconds: int) -> None:
        """Batches delivered to the senders only after `delay_seconds` (at most 900)."""
        self.send([b.model_dump() for b in batches], delay_seconds)


@dataclass
class PlanResult:
    status: str
    pages: int = 0
    batches: int = 0
    recipients: int = 0
    continued: bool = False


class Planner:
    def __init__(
        self,
        *,
        store: CampaignStore | None = None,
        audience: AudienceSource | None = None,
        broadcast: QueueWriter | None = None,
        requeue: Callable[[str], None] | None = None,
        articles: Any | None = None,
        now: Callable[[], datetime] | None = None,
        remaining_seconds: Callable[[], float] | None = None,
        page_size: int = PAGE_SIZE,
        count_start: Callable[[str, str, datetime], None] | None = None,
        app_of: Callable[[str], str] | None = None,
    ) -> None:
        self.store = store or default_campaign_store()
        self.audience = audience or default_audience()
        self.broadcast = broadcast or QueueWriter()
        self.requeue = requeue or enqueue_campaign
        self.articles = articles
        self.now = now or _now
        self.remaining_seconds = remaining_seconds or (lambda: 1e9)
        self.page_size = page_size
        # Counts one broadcast per campaign and OA when a campaign starts (statistics: "broadcasts").
        self.count_start = count_start
        # The Zalo app of an OA: the planner interleaves apps (see `lanes_from_cursor`).
        self.app_of = app_of

    # ------------------------------------------------------------------ one campaign
    def plan(self, campaign_id: str) -> PlanResult:
        try:
            item = self.store.get_item(campaign_id)
        except CampaignNotFound:
            logger.warning("planner: unknown campaign", extra={"campaign_id": campaign_id})
            return PlanResult("missing")
        now = self.now()
        status = str(item["status"])
        if status == "scheduled":
            send_at = item.get("deferred_until") or item.get("send_at")
            if send_at and parse_iso(str(send_at)) > now:
                return PlanResult("not_due")
            if restricted(str(item["message_type"]), str(item["kind"])) and in_quiet_hours(now):
                self.store.defer(campaign_id, quiet_hours_end(now), "quiet_hours")
                return PlanResult("deferred")
            if not self.store.start(campaign_id, now):
                return PlanResult("raced")
            item = self.store.get_item(campaign_id)
            if self.count_start:
                for oa_id in item.get("oa_ids") or []:
                    self.count_start(campaign_id, str(oa_id), now)
        elif status != "running":
            return PlanResult(status)
        if item.get("planning_done"):
            return PlanResult("planned")
        if item["kind"] == "article":
            from anninh.campaigns.articles import broadcast_articles

            broadcast_articles(item, self.store, self.articles, now)
            return PlanResult("articles")
        if item["kind"] == "zns":
            return self._plan_phones(item)
        return self._plan_followers(item)

    def _plan_phones(self, item: dict[str, Any]) -> PlanResult:
        cid, oa_id = str(item["id"]), str(item["oa_ids"][0])
        phones = [str(p) for p in (item.get("spec") or {}).get("phones", [])]
        batches = [
            Batch(
                campaign_id=cid,
                batch_id=f"{cid}:0:0:{i}",
                oa_id=oa_id,
                recipients=phones[start : start + BATCH_SIZE],
            )
            for i, start in enumerate(range(0, len(phones), BATCH_SIZE))
        ]
        self.broadcast.batches(batches)
        self.store.checkpoint(
            cid,
            None,
            {"oa": 1, "key": None, "page": 1},
            counts={"total": len(phones)},
            planning_done=True,
            now=self.now(),
        )
        return PlanResult("planned", 1, len(batches), len(phones))

    def _plan_followers(self, item: dict[str, Any]) -> PlanResult:
        cid = str(item["id"])
        oa_ids = [str(o) for o in item["oa_ids"]]
        flt = AudienceFilter(
            interacted_within_days=item.get("interacted_within_days"),
            tags=[str(t) for t in item.get("tags") or []],
        )
        message_type = str(item["message_type"])
        raw_cursor = item.get("cursor")
        cursor: dict[str, Any] | None = json.loads(str(raw_cursor)) if raw_cursor else None
        position = lanes_from_cursor(cursor, oa_ids, self.app_of)
        result = PlanResult("running")
        while True:
            if self.remaining_seconds() < SAFETY_SECONDS:
                self.requeue(cid)  # continue in a fresh invocation from the checkpoint
                result.continued = True
                return result
            lanes = position["lanes"]
            if not lanes:  # nothing left (e.g. no OAs): close the plan
                self.store.checkpoint(cid, cursor, position, counts={}, planning_done=True, now=self.now())
                result.status = "planned"
                return result
            turn = int(position["turn"]) % len(lanes)
            lane = lanes[turn]
            oa_index, page_no = int(lane["oas"][0]), int(lane["page"])
            oa_id = oa_ids[oa_index]
            page = self.audience.page(oa_id, flt, self.now(), lane.get("key"), self.page_size)
            eligible: list[str] = []
            counts: Counter[str] = Counter()
            for member in page.members:
                reason = ineligible_reason(member, message_type, self.now())
                if reason:
                    counts.update(["skipped", f"skip_{reason}"])
                else:
                    eligible.append(member.user_id)
            counts["total"] = len(page.members)
            batches = [
                Batch(
                    campaign_id=cid,
                    batch_id=f"{cid}:{oa_index}:{page_no}:{i}",
                    oa_id=oa_id,
                    recipients=eligible[start : start + BATCH_SIZE],
                )
                for i, start in enumerate(range(0, len(eligible), BATCH_SIZE))
            ]
            self.broadcast.batches(batches)
            nxt = _advance(position, turn, page.cursor)
            done = not nxt["lanes"]
            if not self.store.checkpoint(
                cid, cursor, nxt, counts=dict(counts), planning_done=done, now=self.now()
            ):
                # Another planner moved the checkpoint first (a duplicate message): it owns the plan.
                result.status = "raced"
                return result
            result.pages += 1
            result.batches += len(batches)
            result.recipients += len(eligible)
            cursor = position = nxt
            if done:
                result.status = "planned"
                return result
            # Pause/cancel stop the paging too (resume re-queues the planner).
            if result.pages % 5 == 0 and self.store.get_item(cid).get("status") != "running":
                result.status = "stopped"
                return result

    # ------------------------------------------------------------------ the due sweep
    def sweep(self) -> dict[str, int]:
        """Every minute: start campaigns whose time has come; put parked batches whose quiet hours
        are over back on the queue."""
        now = self.now()
        started = 0
        for cid in self.store.due(now):
            if self.remaining_seconds() < SAFETY_SECONDS:
                self.requeue(cid)  # the planner queue takes it from here
                continue
            if self.plan(cid).status not in ("not_due", "raced", "deferred"):
                started += 1
        resumed = 0
        for cid in self.store.running_with_parked(now):
            resumed += requeue_parked(self.store, self.broadcast, cid, now, only_due=True)
        recounted = 0
        for cid in self.store.stalled(now):
            self.store.recount(cid, now)
            recounted += 1
        return {"due": started, "parked_requeued": resumed, "recounted": recounted}


def requeue_parked(
    store: CampaignStore, broadcast: QueueWriter, campaign_id: str, now: datetime, only_due: bool = False
) -> int:
    """Put a campaign's parked batches back on the broadcast queue (resume, or quiet hours over)."""
    count = 0
    remaining = 0
    for sk, batch, resume_at in list(store.parked(campaign_id)):
        if only_due and resume_at and parse_iso(resume_at) > now:
            remaining += 1
            continue
        broadcast.send([batch])
        store.unpark(campaign_id, sk)
        count += 1
    if not remaining:
        store.set_fields(campaign_id, has_parked=False)
    return count


def enqueue_campaign(campaign_id: str, sqs: SQSClient | None = None) -> None:
    """Ask the planner to (re)start a campaign: one message on the campaign queue."""
    sqs = sqs or aws.client("sqs")
    sqs.send_message(
        QueueUrl=get_settings().campaign_queue_url, MessageBody=json.dumps({"campaign_id": campaign_id})
    )


# ---------------------------------------------------------------------- interleaving apps
# Each Zalo app has its own send limit (4,000 requests a minute), so a campaign over OAs of several
# apps finishes only as fast as its apps send side by side. Senders take batches off the queue about
# in the order they were planned; planning OA after OA would queue one app's work ahead of the others
# and leave the other apps idle. So the OAs are grouped into lanes, one per app (in the campaign's
# order), and the planner takes one page from each lane in turn: the queue alternates apps page by
# page. With one app there is one lane and the order is OA after OA, as before.
#
# Cursor: {"lanes": [{"oas": [oa indexes left, current first], "key": page cursor, "page": n}],
#          "turn": index of the lane to page next}. Batch ids keep `<campaign>:<oa#>:<page>:<n>`.


def lanes_from_cursor(
    cursor: dict[str, Any] | None, oa_ids: list[str], app_of: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """The planner's position: the stored cursor, an older OA-after-OA cursor ({"oa", "key",
    "page"}, continued as one lane), or the start (one lane per app)."""
    if cursor is not None and "lanes" in cursor:
        return cursor
    if cursor is not None:  # planned OA after OA by an earlier version: carry on the same way
        rest = list(range(int(cursor["oa"]), len(oa_ids)))
        lanes = [{"oas": rest, "key": cursor.get("key"), "page": int(cursor.get("page", 0))}] if rest else []
        return {"lanes": lanes, "turn": 0}
    by_app: dict[str, list[int]] = {}
    for index, oa_id in enumerate(oa_ids):
        by_app.setdefault(app_of(oa_id) if app_of else "", []).append(index)
    return {"lanes": [{"oas": oas, "key": None, "page": 0} for oas in by_app.values()], "turn": 0}


def _advance(position: dict[str, Any], turn: int, page_cursor: dict[str, Any] | None) -> dict[str, Any]:
    """The position after lane `turn` planned one page ending at `page_cursor` (None: OA exhausted)."""
    lanes = [dict(lane, oas=list(lane["oas"])) for lane in position["lanes"]]
    lane = lanes[turn]
    if page_cursor:
        lane.update(key=page_cursor, page=int(lane["page"]) + 1)
        return {"lanes": lanes, "turn": (turn + 1) % len(lanes)}
    lane["oas"].pop(0)
    lane.update(key=None, page=0)
    if lane["oas"]:
        return {"lanes": lanes, "turn": (turn + 1) % len(lanes)}
    del lanes[turn]
    return {"lanes": lanes, "turn": turn % len(lanes) if lanes else 0}
