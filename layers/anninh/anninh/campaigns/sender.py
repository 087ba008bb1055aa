"""Sending one broadcast batch: per recipient, claim -> token -> send -> record (see `deliveries` for
the exactly-once reasoning and `anninh.ratelimit` for the shared limit).

The campaign's status is read once per batch, so pause and cancel take effect within one batch
(at most 50 recipients) of every sender. A paused campaign's batches are parked on the campaign and
put back on the queue by `resume`; promotion types reaching quiet hours are parked until 06:00.
Counters are added to the campaign item once per batch (one UpdateItem, no transaction on the hot
item), also when the batch ends in an error. A sender killed outright (timeout, out of memory)
loses that batch's increments; the delivery records stay right, and the due sweep recounts a
campaign from them once it has made no progress for 15 minutes (`CampaignStore.recount`).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from anninh import clock
from anninh.campaigns.eligibility import in_quiet_hours, quiet_hours_end, restricted
from anninh.campaigns.gateway import BroadcastGateway
from anninh.campaigns.model import Batch
from anninh.campaigns.store import (
    CampaignNotFound,
    CampaignStore,
    DeliveryStore,
    default_campaign_store,
    default_deliveries,
)
from anninh.clock import iso
from anninh.observability import logger
from anninh.ratelimit import LocalTokens, RateLimiter
from anninh.registry import Registry
from anninh.stats.counters import count
from anninh.zalo.errors import RATE_LIMITED, TokenUnavailableError, ZaloError

RECIPIENT_REASONS = {
    -213: "not_follower",
    -227: "inactive",
    -230: "outside_window",
    -232: "outside_window",
    -244: "restricted",
    -218: "recipient_limit",
}
MAX_ATTEMPTS = 4
MAX_DEFER_SECONDS = 900  # SQS DelaySeconds limit
ABANDONED_LOOKBACK_MS = 15 * 60 * 1000  # a dead sender's claim: look this far back in the conversation
SAFETY_SECONDS = 8.0  # stop taking recipients this long before the function's timeout


def _now() -> datetime:
    return clock.utcnow()  # looked up per call, so tests can move the clock


class RetryBatch(Exception):
    """Some recipients could not be settled now; SQS should deliver the batch again later."""


class ProactiveLedger(Protocol):
    """anninh.sending.tiers.QuotaLedger: proactive sends per OA and month, once per key."""

    def count_proactive(self, oa_id: str, message_key: str, at: datetime, n: int = 1) -> bool: ...


class StatsCounter(Protocol):
    def __call__(
        self, event_key: str, oa_id: str, unit_id: str, at: datetime | None = None, **increments: int
    ) -> bool: ...


@dataclass
class BatchResult:
    sent: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    parked: bool = False
    sent_now: list[str] = field(default_factory=list)
    continued: int = 0
    retry: bool = False
    deferred: int = 0  # seconds the batch was put back for (paused app), 0 if not


def _default_counter(
    event_key: str, oa_id: str, unit_id: str, at: datetime | None = None, **increments: int
) -> bool:
    return count(event_key, oa_id, unit_id, at, **increments)


class BroadcastSender:
    def __init__(
        self,
        *,
        registry: Registry,
        gateway: BroadcastGateway,
        limiter: RateLimiter,
        store: CampaignStore | None = None,
        deliveries: DeliveryStore | None = None,
        counter: StatsCounter | None = None,
        enqueue: Callable[[list[Batch]], None] | None = None,
        now: Callable[[], datetime] | None = None,
        remaining_seconds: Callable[[], float] | None = None,
        chunk: int = 4,
        backoff: Callable[[int], float] | None = None,
        ledger: ProactiveLedger | None = None,
        defer: Callable[[list[Batch], int], None] | None = None,
    ) -> None:
        self.registry = registry
        self.gateway = gateway
        self.limiter = limiter
        self.store = store or default_campaign_store()
        self.deliveries = deliveries or default_deliveries()
        self.counter = counter or _default_counter
        self.enqueue = enqueue
        self.now = now or _now
        self.remaining_seconds = remaining_seconds or (lambda: 1e9)
        self.chunk = chunk
        self.backoff = backoff or (lambda attempt: min(2.0, 0.2 * 2**attempt))
        self._stash: dict[str, LocalTokens] = {}
        # 1:1 campaign messages are proactive (docs/zalo.md): counted in the OA's month when given.
        self.ledger = ledger
        # Puts a batch back on the queue to be delivered after a delay (SQS DelaySeconds): used when the
        # app is paused after a -32, so the batch comes back when the pause ends rather than after the
        # queue's visibility timeout (540 s).
        self.defer = defer

    def _tokens(self, app_id: str) -> LocalTokens:
        if app_id not in self._stash:
            self._stash[app_id] = LocalTokens(self.limiter, app_id, self.chunk)
        return self._stash[app_id]

    # ------------------------------------------------------------------ one batch
    def send_batch(self, batch: Batch) -> BatchResult:
        result = BatchResult()
        try:
            item = self.store.get_item(batch.campaign_id)
        except CampaignNotFound:
            logger.warning("batch for an unknown campaign dropped", extra={"campaign_id": batch.campaign_id})
            return result
        status = item.get("status")
        if status in ("cancelled", "done"):
            return result
        if status != "running":  # paused (or back to scheduled): hold the batch until resume
            self._park(batch, None)
            result.parked = True
            return result
        kind, message_type = str(item["kind"]), str(item["message_type"])
        if restricted(message_type, kind) and in_quiet_hours(self.now()):
            self._park(batch, iso(quiet_hours_end(self.now())))
            result.parked = True
            return result
        oa = self.registry.oa(batch.oa_id)
        if oa is None:
            for user_id in batch.recipients:
                if self.deliveries.record(
                    batch.campaign_id,
                    batch.oa_id,
                    user_id,
                    status="failed",
                    reason="oa_error",
                    now=self.now(),
                ):
                    result.counts.update(["failed", "fail_oa_error"])
            self._flush(batch.campaign_id, result)
            return result
        tokens = self._tokens(oa.app_id)
        capped = message_type == "promotion" and kind not in ("article", "zns")
        oa_failure: str | None = None
        try:
            for index, user_id in enumerate(batch.recipients):
                if self.remaining_seconds() < SAFETY_SECONDS:
                    self._continue(batch, index, result)
                    break
                if oa_failure:
                    if self.deliveries.record(
                        batch.campaign_id,
                        batch.oa_id,
                        user_id,
                        status="failed",
                        reason=oa_failure,
                        now=self.now(),
                    ):
                        result.counts.update(["failed", f"fail_{oa_failure}"])
                    continue
                outcome = self._one(
                    batch,
                    item,
                    oa.app_id,
                    user_id,
                    tokens=tokens,
                    capped=capped,
                    result=result,
                    remaining=len(batch.recipients) - index,
                )
                if outcome in {"oa_error", "oa_token"}:
                    oa_failure = outcome
                elif outcome == "paused":
                    self._defer(batch, oa.app_id, result)
                    break
                elif outcome == "stop":
                    break
        finally:
            self._flush(batch.campaign_id, result)
            self._count_stat(batch, oa.unit_id, result)
            if kind not in ("article", "zns"):
                self._count_proactive(batch, result)
        return result

    def _defer(self, batch: Batch, app_id: str, result: BatchResult) -> None:
        """No send slot within the wait (the app is paused after a -32, or the bucket is far ahead):
        put the whole batch back to come again when the pause ends. Recipients already settled are
        skipped by their delivery records; one still being sent by another sender is retried then."""
        if self.defer is None:
            return  # the caller retries the batch (SQS visibility timeout)
        delay = min(MAX_DEFER_SECONDS, max(1, math.ceil(self.limiter.pause_left(app_id)) + 1))
        later = Batch(
            campaign_id=batch.campaign_id,
            batch_id=f"{batch.batch_id}~p",
            oa_id=batch.oa_id,
            recipients=batch.recipients,
        )
        self.defer([later], delay)
        result.retry = False
        result.deferred = delay
        logger.info(
            "app paused: batch put back until the pause ends",
            extra={"campaign_id": batch.campaign_id, "batch_id": batch.batch_id, "delay": delay},
        )

    def _flush(self, campaign_id: str, result: BatchResult) -> None:
        if result.counts:
            self.store.add_counts(campaign_id, dict(result.counts), self.now())
            result.counts.clear()

    def _park(self, batch: Batch, resume_at: str | None) -> None:
        self.store.park(batch.campaign_id, batch.model_dump(), resume_at)
        self.store.set_fields(batch.campaign_id, has_parked=True)

    def _continue(self, batch: Batch, index: int, result: BatchResult) -> None:
        """Out of time: hand the rest of the batch to another invocation instead of timing out."""
        rest = batch.recipients[index:]
        if self.enqueue is None:
            result.retry = True
            return
        self.enqueue(
            [
                Batch(
                    campaign_id=batch.campaign_id,
                    batch_id=f"{batch.batch_id}+{index}",
                    oa_id=batch.oa_id,
                    recipients=rest,
                )
            ]
        )
        result.continued = len(rest)

    # ------------------------------------------------------------------ one recipient
    def _one(
        self,
        batch: Batch,
        item: dict[str, Any],
        app_id: str,
        user_id: str,
        *,
        tokens: LocalTokens,
        capped: bool,
        result: BatchResult,
        remaining: int = 1,
    ) -> str:
        cid, oa_id = batch.campaign_id, batch.oa_id
        claim = self.deliveries.claim(cid, oa_id, user_id, self.now(), capped=capped)
        if claim.state == "done":
            return "done"
        if claim.state == "busy":
            result.retry = True
            return "busy"
        if claim.state == "capped":
            if self.deliveries.record(
                cid, oa_id, user_id, status="skipped", reason="follower_cap", now=self.now()
            ):
                result.counts.update(["skipped", "skip_follower_cap"])
            return "capped"
        if claim.state == "abandoned":
            # A sender died while sending to this recipient: ask Zalo before deciding.
            since_ms = int(self.now().timestamp() * 1000) - ABANDONED_LOOKBACK_MS
            found = self._find_sent(item, oa_id, user_id, since_ms)
            if found:
                return self._sent(cid, oa_id, user_id, claim.claim_id, str(found), result=result)
            if found is None:
                if self.deliveries.finish(
                    cid,
                    oa_id,
                    user_id,
                    claim.claim_id,
                    status="failed",
                    now=self.now(),
                    reason="outcome_unknown",
                ):
                    result.counts.update(["failed", "fail_outcome_unknown"])
                return "unknown"
        claim_id = claim.claim_id
        for attempt in range(MAX_ATTEMPTS):
            # Reserve no more slots than this batch still needs: the next batch may be another app's,
            # and slots left over here would go stale unspent (throughput lost, docs/capacity.md).
            if not tokens.take_one(remaining):
                self._give_back(cid, oa_id, user_id, claim_id, capped)
                result.retry = True
                return "paused"
            attempt_ms = int(self.now().timestamp() * 1000)
            try:
                message_id = self._send(item, oa_id, user_id, cid)
            except TokenUnavailableError:
                self._fail(cid, oa_id, user_id, claim_id, "oa_token", result=result)
                return "oa_token"
            except ZaloError as exc:
                if exc.code == RATE_LIMITED:
                    # The platform counted more than we did: every sender of the app pauses.
                    self.limiter.penalize(app_id)
                    tokens.drop()
                    continue
                if exc.kind == "transient":
                    if exc.maybe_delivered:
                        # The answer was lost after the request went out: ask Zalo whether it arrived.
                        found = self._find_sent(item, oa_id, user_id, attempt_ms - 60_000)
                        if found:
                            return self._sent(cid, oa_id, user_id, claim_id, str(found), result=result)
                        if found is None:
                            self._fail(cid, oa_id, user_id, claim_id, "outcome_unknown", result=result)
                            return "unknown"
                        continue  # Zalo shows it did not arrive: send it again
                    if exc.retry_at is not None:  # quiet hours: not accepted before 06:00
                        self._give_back(cid, oa_id, user_id, claim_id, capped)
                        rest = batch.recipients[batch.recipients.index(user_id) :]
                        self._park(
                            Batch(
                                campaign_id=cid, batch_id=f"{batch.batch_id}~q", oa_id=oa_id, recipients=rest
                            ),
                            iso(exc.retry_at),
                        )
                        result.parked = True
                        return "stop"
                    self.limiter.clock.sleep(self.backoff(attempt))
                    continue
                if exc.kind == "recipient":
                    self._fail(
                        cid,
                        oa_id,
                        user_id,
                        claim_id,
                        RECIPIENT_REASONS.get(exc.code, "not_follower"),
                        result=result,
                    )
                    return "failed"
                if exc.kind in ("oa", "token"):
                    reason = "oa_error" if exc.kind == "oa" else "oa_token"
                    self._fail(cid, oa_id, user_id, claim_id, reason, result=result)
                    return reason
                self._fail(cid, oa_id, user_id, claim_id, "invalid_request", result=result)
                return "failed"
            return self._sent(cid, oa_id, user_id, claim_id, message_id, result=result)
        # Still refused after retries (network down, repeated -32): try the batch again later.
        self._give_back(cid, oa_id, user_id, claim_id, capped)
        result.retry = True
        return "stop"

    def _sent(
        self, cid: str, oa_id: str, user_id: str, claim_id: str, message_id: str, *, result: BatchResult
    ) -> str:
        self.deliveries.finish(
            cid, oa_id, user_id, claim_id, status="sent", now=self.now(), message_id=message_id
        )
        result.sent += 1
        result.counts["sent"] += 1
        result.sent_now.append(user_id)
        return "sent"

    def _find_sent(self, item: dict[str, Any], oa_id: str, user_id: str, since_ms: int) -> str | bool | None:
        """Zalo's message id if the campaign message reached the recipient, False if Zalo shows it did
        not, None if Zalo cannot tell (ZNS, no text, lookup failed, or a gateway without lookups)."""
        find = getattr(self.gateway, "find_sent", None)
        if item["kind"] == "zns" or find is None:
            return None
        found: str | bool | None = find(oa_id, user_id, dict(item["message"]), since_ms)
        return found

    def _send(self, item: dict[str, Any], oa_id: str, user_id: str, campaign_id: str) -> str:
        if item["kind"] == "zns":
            spec = item.get("spec") or {}
            return self.gateway.send_template(
                oa_id,
                user_id,
                str(spec.get("template_id")),
                dict(spec.get("template_data") or {}),
                f"{campaign_id}:{user_id}",
            )
        return self.gateway.send(oa_id, user_id, dict(item["message"]), str(item["message_type"]))

    def _fail(
        self, cid: str, oa_id: str, user_id: str, claim_id: str, reason: str, *, result: BatchResult
    ) -> None:
        if self.deliveries.finish(
            cid, oa_id, user_id, claim_id, status="failed", now=self.now(), reason=reason
        ):
            result.counts.update(["failed", f"fail_{reason}"])

    def _give_back(self, cid: str, oa_id: str, user_id: str, claim_id: str, capped: bool) -> None:
        self.deliveries.release(cid, oa_id, user_id, claim_id)
        if capped:
            self.deliveries.uncount_cap(oa_id, user_id, self.now())

    def _count_stat(self, batch: Batch, unit_id: str, result: BatchResult) -> None:
        """broadcast_sent for the statistics, once per batch invocation rather than per recipient:
        per-recipient counting would put ~67 transactions a second on one OA's day item at the full
        rate, and concurrent transactions on one item conflict. The key names the batch and the first
        recipient this invocation sent to, a set no other invocation can send to again, so a
        retried count is never doubled."""
        if not result.sent_now:
            return
        key = f"bc:{batch.campaign_id}:{batch.batch_id}:{result.sent_now[0]}"
        try:
            self.counter(key, batch.oa_id, unit_id, self.now(), broadcast_sent=len(result.sent_now))
        except Exception:  # statistics must never make a delivered message look undelivered
            logger.exception("broadcast_sent not counted", extra={"campaign_id": batch.campaign_id})

    def _count_proactive(self, batch: Batch, result: BatchResult) -> None:
        """The batch's 1:1 sends drew on the OA's proactive quota; keyed like `_count_stat`."""
        if self.ledger is None or not result.sent_now:
            return
        key = f"bc:{batch.campaign_id}:{batch.batch_id}:{result.sent_now[0]}"
        try:
            self.ledger.count_proactive(batch.oa_id, key, self.now(), len(result.sent_now))
        except Exception:  # the quota figure must never make a delivered message look undelivered
            logger.exception("proactive sends not counted", extra={"campaign_id": batch.campaign_id})


def monotonic_deadline(seconds: float) -> Callable[[], float]:
    end = time.monotonic() + seconds
    return lambda: end - time.monotonic()
