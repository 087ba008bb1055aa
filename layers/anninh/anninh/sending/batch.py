"""The outbox queue consumer: FIFO partial batches, with per-item backoff through SQS visibility."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from anninh import aws
from anninh.observability import logger
from anninh.outbox import OutboundMessage
from anninh.ratelimit import RateLimiter
from anninh.sending.sender import MAX_VISIBILITY, OutboxSender
from anninh.settings import get_settings
from anninh.sqs_batch import SqsRecord, process_models

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

_default: OutboxSender | None = None


def default_sender() -> OutboxSender:
    """One sender per container (it holds the HTTP connection pool and the token cache)."""
    global _default
    if _default is None:
        _default = OutboxSender(limiter=RateLimiter())
    return _default


def set_default_sender(sender: OutboxSender | None) -> None:
    """Replace the container's sender (tests inject a fake Zalo transport; None rebuilds it)."""
    global _default
    _default = sender


class RetryLaterError(Exception):
    """Reported as a batch item failure; the message comes back after `delay` seconds."""


def handle_outbox_batch(
    event: dict[str, Any], context: Any, sender: OutboxSender | None = None, sqs: SQSClient | None = None
) -> dict[str, Any]:
    sender = sender or default_sender()
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else 30.0
    deadline = time.monotonic() + remaining - 1.0
    delays: dict[str, int] = {}

    def deliver(msg: OutboundMessage, record: SqsRecord) -> str:
        outcome = sender.deliver(msg, receive_count=record.receive_count, deadline=deadline)
        if outcome.status == "retry":
            delays[record.message_id] = outcome.retry_after
            raise RetryLaterError(outcome.reason)
        return outcome.status

    # A batch whose every item is waiting for a retry is normal here: report it item by item (each
    # with its own backoff) instead of raising and letting the whole batch come back at once.
    # A malformed item is dropped (logged): nothing can ever send it, and failing it would only block
    # the citizen's FIFO group.
    response = process_models(
        event,
        OutboundMessage,
        deliver,
        on_invalid="drop",
        fifo=True,
        skip_group_on_error=True,
        raise_on_entire_batch_failure=False,
    )
    failed = {str(f["itemIdentifier"]) for f in response.get("batchItemFailures", [])}
    if failed:
        _delay_failed(event, failed, delays, sqs)
    return dict(response)


def _delay_failed(
    event: dict[str, Any], failed: set[str], delays: dict[str, int], sqs: SQSClient | None
) -> None:
    """Make failed items come back after their backoff; items skipped behind a failed one in the
    same FIFO group come back with it, so the citizen still receives replies in order."""
    queue_url = get_settings().outbox_queue_url
    sqs = sqs or aws.client("sqs")
    group_delay: dict[str, int] = {}
    for raw in event.get("Records", []):
        group = raw.get("attributes", {}).get("MessageGroupId", "")
        if raw["messageId"] in delays:
            group_delay.setdefault(group, delays[raw["messageId"]])
    for raw in event.get("Records", []):
        message_id = raw["messageId"]
        if message_id not in failed:
            continue
        group = raw.get("attributes", {}).get("MessageGroupId", "")
        delay = delays.get(message_id, group_delay.get(group))
        if delay is None:
            continue  # an unexpected error: the queue's own visibility timeout applies
        try:
            sqs.change_message_visibility(
                QueueUrl=queue_url,
                ReceiptHandle=raw["receiptHandle"],
                VisibilityTimeout=max(0, min(MAX_VISIBILITY, delay)),
            )
        except ClientError:
            logger.warning("could not set the retry delay", extra={"message_id": message_id})
