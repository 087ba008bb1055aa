"""The composition root: every Lambda function's real stores, services and clients are built here.

`functions/*/app.py` ask this module for what they need and hand it events; areas below take their
stores and clients in their constructors and never build them for a function. (An area also offers
`service()` on the process's main table for the routes and domain code that call it directly.)

Each builder imports its area when it is first called, so a function's cold start loads only the
areas that function uses (docs/architecture.md, "Cold start"). Long-lived objects (the webhook with
its secret cache, the inbound pipeline, the media worker) are built once per container and reused on
warm invocations; building is locked because the local stack and the bench call handlers from
several threads at once. Tests that switch endpoints or settings call `reset()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anninh.campaigns.planner import Planner
    from anninh.campaigns.sender import BroadcastSender
    from anninh.cases.store import DynamoCaseStore
    from anninh.intake.pipeline import Pipeline
    from anninh.intake.webhook import Webhook
    from anninh.media.worker import MediaWorker
    from anninh.queueing import Queue
    from anninh.reports.service import ReportPorts
    from anninh.retention import Retention
    from anninh.sending import OutboxSender
    from anninh.stats.store import DynamoStatsStore
    from anninh.zalo.tokens import TokenStore

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


def reset(*names: str) -> None:
    """Forget what was built (everything, or the named builders): the next call builds afresh."""
    with _lock:
        if not names:
            _built.clear()
        for name in names:
            _built.pop(name, None)


def provide(name: str, value: Any) -> None:
    """Use a ready-made object for a builder (by its function name) until `reset`: tests and tools."""
    if name not in _BUILDERS:
        raise KeyError(f"no builder named {name!r}")
    with _lock:
        _built[name] = value


def webhook() -> Webhook:
    """The webhook's acknowledgement path: app secrets (cached), receipts, the inbound queue."""

    def build() -> Webhook:
        from anninh import aws
        from anninh.intake.secrets import AppSecretCache
        from anninh.intake.store import DynamoReceiptStore
        from anninh.intake.webhook import SqsInboundQueue, Webhook
        from anninh.settings import get_settings

        settings = get_settings()
        return Webhook(
            secrets=AppSecretCache(),
            receipts=DynamoReceiptStore(aws.client("dynamodb"), settings.table_name),
            queue=SqsInboundQueue(aws.client("sqs"), settings.inbound_queue_url),
            max_body_bytes=settings.webhook_max_body_bytes,
            max_event_age_seconds=settings.webhook_max_event_age_seconds,
            future_skew_seconds=settings.webhook_future_skew_seconds,
        )

    return _once("webhook", build)


def inbound_pipeline() -> Pipeline:
    """The inbound pipeline (conversations, followers, cases, the bot), once per container."""
    from anninh.intake.pipeline import default_pipeline

    return _once("inbound_pipeline", default_pipeline)


def media_worker() -> MediaWorker:
    """The media worker (allow-listed fetcher, S3 sink, the case store's media items), once per container."""

    def build() -> MediaWorker:
        from anninh import aws
        from anninh.cases.store import DynamoCaseStore
        from anninh.media.fetcher import MediaFetcher
        from anninh.media.guard import parse_allowlist
        from anninh.media.storage import S3Sink
        from anninh.media.worker import MediaWorker
        from anninh.settings import get_settings

        settings = get_settings()
        s3 = aws.client("s3")
        cases = DynamoCaseStore(aws.table())
        return MediaWorker(
            fetcher=MediaFetcher(parse_allowlist(settings.media_allowed_hosts)),
            sink_for=lambda key, tags: S3Sink(s3, settings.media_bucket, key, tags),
            get_media=cases.get_media,
            update_media=cases.update_media,
        )

    return _once("media_worker", build)


def case_store() -> DynamoCaseStore:
    """The case store on the main table (the reminders' overdue digest)."""
    from anninh import aws
    from anninh.cases.store import DynamoCaseStore

    return DynamoCaseStore(aws.table())


def stats_store() -> DynamoStatsStore:
    """A stats store on the main table (new each call: it caches a day's items for one request or run)."""
    from anninh import aws
    from anninh.stats.store import DynamoStatsStore

    return DynamoStatsStore(aws.table())


def report_ports() -> ReportPorts:
    """What rendering a report needs: the registry, figures, the report records, titles of KB entries."""
    from anninh.registry.store import current_registry
    from anninh.reports.service import ReportPorts, kb_titles

    return ReportPorts(current_registry(), stats_store(), kb_titles=kb_titles())


def retention() -> Retention:
    """The retention purge on the main table, the media bucket and the configured period."""
    from anninh import retention

    return retention.service()


def queue() -> Queue:
    """Queue numbers on the main table (reminders)."""
    from anninh import queueing

    return queueing.service()


def token_store() -> TokenStore:
    """OA access tokens (Secrets Manager, with the refresh lease in the table)."""
    from anninh.zalo.tokens import TokenStore

    return TokenStore()


def outbox_sender() -> OutboxSender:
    """The outbox sender: one per container (HTTP pool, token cache, the shared limiter)."""
    from anninh.sending import default_sender

    return default_sender()


def broadcast_sender(remaining_ms: Callable[[], int] | None = None) -> BroadcastSender:
    """The campaign batch sender (registry, Zalo gateway, shared limiter, quota ledger, queue writer)."""
    from anninh.campaigns import runtime

    return runtime.sender(remaining_ms)


def campaign_planner(remaining_ms: Callable[[], int] | None = None) -> Planner:
    """The campaign planner (audience, batches, article creation through the gateway)."""
    from anninh.campaigns import runtime

    return runtime.planner(remaining_ms)


# The builders whose result is kept per container (what `provide` may stand in for).
_BUILDERS = frozenset({"webhook", "inbound_pipeline", "media_worker"})
