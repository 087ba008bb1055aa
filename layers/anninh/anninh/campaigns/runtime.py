"""Wiring for the campaign functions: the real ports (DynamoDB, SQS, Zalo, the shared limiter),
built once per container so warm invocations reuse clients, cached tokens and the limiter's state."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, Field

from anninh.campaigns.gateway import ZaloGateway
from anninh.campaigns.model import Batch
from anninh.campaigns.planner import Planner, QueueWriter
from anninh.campaigns.sender import BroadcastSender, RetryBatch
from anninh.observability import logger
from anninh.ratelimit import RateLimiter
from anninh.registry.store import current_registry
from anninh.sending.tiers import QuotaLedger
from anninh.stats.counters import count


@cache
def _gateway() -> ZaloGateway:
    return ZaloGateway()


@cache
def _limiter() -> RateLimiter:
    return RateLimiter()


def planner(remaining_ms: Any | None = None) -> Planner:
    remaining = (lambda: remaining_ms() / 1000.0) if remaining_ms else None
    return Planner(
        articles=_gateway(), remaining_seconds=remaining, count_start=_count_broadcast, app_of=_app_of
    )


def _app_of(oa_id: str) -> str:
    oa = current_registry().oa(oa_id)
    return oa.app_id if oa is not None else ""


def _count_broadcast(campaign_id: str, oa_id: str, at: Any) -> None:
    oa = current_registry().oa(oa_id)
    if oa is not None:  # idempotent on the key: a planner retry does not count twice
        count(f"campaign:{campaign_id}:{oa_id}", oa_id, oa.unit_id, at, broadcasts=1)


def sender(remaining_ms: Any | None = None) -> BroadcastSender:
    remaining = (lambda: remaining_ms() / 1000.0) if remaining_ms else None
    writer = QueueWriter()
    return BroadcastSender(
        registry=current_registry(),
        gateway=_gateway(),
        limiter=_limiter(),
        enqueue=writer.batches,
        defer=writer.batches_later,
        remaining_seconds=remaining,
        ledger=QuotaLedger(),
    )


def send_batch(batch: Batch, worker: BroadcastSender) -> None:
    """One BroadcastQueue message: a batch of recipients. Raises RetryBatch to have it redelivered."""
    result = worker.send_batch(batch)
    if result.retry:
        raise RetryBatch(f"batch {batch.batch_id}: some recipients must be tried again later")


class CampaignJob(BaseModel):
    """One CampaignQueue message: the campaign to plan."""

    campaign_id: str = Field(min_length=1)


def plan(job: CampaignJob, worker: Planner) -> None:
    campaign_id = job.campaign_id
    outcome = worker.plan(campaign_id)
    logger.info(
        "campaign planned",
        extra={
            "campaign_id": campaign_id,
            "status": outcome.status,
            "batches": outcome.batches,
            "recipients": outcome.recipients,
        },
    )
