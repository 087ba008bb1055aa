"""The composition root: every Lambda function's real stores, services and clients are built here.

`functions/*/app.py` ask this module for what they need and hand it events; nothing below the
handlers builds its own table or client for a function. Each object is built on first use and kept for
the life of the process (warm invocations reuse it). Building is locked: the local stack and the bench
call handlers from several threads at once. Tests that switch endpoints or settings call `reset()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from anninh import aws
from anninh.intake.secrets import AppSecretCache
from anninh.intake.store import DynamoReceiptStore
from anninh.intake.webhook import SqsInboundQueue, Webhook
from anninh.settings import get_settings
from anninh.stats.store import DynamoStatsStore

_built: dict[str, Any] = {}
_lock = threading.Lock()


def _once[T](name: str, build: Callable[[], T]) -> T:
    found = _built.get(name)
    if found is None:
        with _lock:
            found = _built.get(name)
            if found is None:
                found = _built[name] = build()
    return found  # type: ignore[no-any-return]


def reset() -> None:
    """Forget everything built (the next call builds afresh from the current settings)."""
    with _lock:
        _built.clear()


def webhook() -> Webhook:
    """The webhook's acknowledgement path: app secrets (cached), receipts, the inbound queue."""

    def build() -> Webhook:
        settings = get_settings()
        return Webhook(
            secrets=AppSecretCache(),
            receipts=DynamoReceiptStore(aws.client("dynamodb"), settings.table_name, aws.client("kms")),
            queue=SqsInboundQueue(aws.client("sqs"), settings.inbound_queue_url),
            max_body_bytes=settings.webhook_max_body_bytes,
            max_event_age_seconds=settings.webhook_max_event_age_seconds,
            future_skew_seconds=settings.webhook_future_skew_seconds,
        )

    return _once("webhook", build)


def stats_store() -> DynamoStatsStore:
    """A stats store on the main table (new each call: it caches a day's items for one request or run)."""
    return DynamoStatsStore(aws.table())
