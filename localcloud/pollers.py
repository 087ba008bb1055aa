"""SQS event sources, locally: pollers that do what Lambda's event source mapping does.

Each source gets `concurrency` poller threads. A poller long-polls the queue (`wait_seconds`), hands up to
BatchSize messages to the function as a Lambda SQS event, then deletes what succeeded:
- the function raised: nothing is deleted; the messages come back after the queue's visibility
  timeout and, past the redrive policy's maxReceiveCount, moto moves them to the dead-letter queue;
- `ReportBatchItemFailures`: everything but the listed `itemIdentifier`s is deleted; an identifier
  that is empty or not in the batch fails the whole batch, as in AWS;
- otherwise the whole batch is deleted.
FIFO queues: moto does not hand out a message group while a message of it is in flight, so two
pollers never process one conversation concurrently (verified by tests/integration).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from localcloud.template import FunctionSpec, QueueSource

log = logging.getLogger("localcloud.pollers")

MAX_RECEIVE = 10  # SQS returns at most 10 messages per ReceiveMessage


@dataclass
class PollerStats:
    batches: int = 0
    delivered: int = 0
    deleted: int = 0
    failed: int = 0
    errors: int = 0
    last_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "delivered": self.delivered,
            "deleted": self.deleted,
            "failed": self.failed,
            "errors": self.errors,
            "last_error": self.last_error,
        }


def lambda_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, from a ReceiveMessage result message."""
    attributes = {k: str(v) for k, v in (message.get("Attributes") or {}).items()}
    message_attributes: dict[str, Any] = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        entry: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType", "String"),
        }
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            entry["binaryValue"] = base64.b64encode(raw).decode() if isinstance(raw, bytes) else raw
        message_attributes[name] = entry
    body = message.get("Body", "")
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody")
        or hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(
    messages: Sequence[Mapping[str, Any]], queue_arn: str, region: str = "ap-southeast-1"
) -> dict[str, Any]:
    """The event Lambda's SQS poller hands a function for these ReceiveMessage results."""
    return {"Records": [lambda_record(m, queue_arn, region) for m in messages]}


def receive_all(sqs: Any, queue_url: str, visibility_timeout: int | None = 30) -> list[dict[str, Any]]:
    """Every message now visible on a queue, received and deleted (a poller's work without the
    function: tests and scripts hand the messages to a function themselves, see `sqs_event`)."""
    out: list[dict[str, Any]] = []
    extra = {} if visibility_timeout is None else {"VisibilityTimeout": visibility_timeout}
    while True:
        got = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=MAX_RECEIVE,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            **extra,
        ).get("Messages", [])
        if not got:
            return out
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)],
        )
        out.extend(got)


def failed_ids(result: Any, message_ids: list[str], report_failures: bool) -> set[str]:
    """Which messages of a batch stay on the queue after the function returned `result`."""
    if not report_failures or not isinstance(result, dict) or not result.get("batchItemFailures"):
        return set()
    failures = result["batchItemFailures"]
    ids: set[str] = set()
    for failure in failures if isinstance(failures, list) else []:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in message_ids:
            log.warning("invalid batchItemFailures entry %r: the whole batch fails", failure)
            return set(message_ids)
        ids.add(identifier)
    return ids


class QueuePoller:
    """The event source mapping of one SQS event of one function."""

    def __init__(
        self,
        source: QueueSource,
        spec: FunctionSpec,
        *,
        queue_url: str,
        queue_arn: str,
        invoke: Callable[[FunctionSpec, dict[str, Any]], Any],
        client_factory: Callable[[], Any],
        region: str,
        concurrency: int = 2,
        wait_seconds: int = 1,
    ) -> None:
        self.source = source
        self.spec = spec
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.invoke = invoke
        self.client_factory = client_factory
        self.region = region
        self.concurrency = max(1, concurrency)
        self.wait_seconds = wait_seconds  # long poll; the embedded moto wakes it when a message arrives
        self.stats = PollerStats()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Batches being delivered: a stop waits for these, never for a poller idle in its long poll.
        self._busy = 0
        self._settled = threading.Condition()

    @property
    def name(self) -> str:
        return f"{self.spec.logical_id}<-{self.source.queue}"

    def start(self) -> None:
        for i in range(self.concurrency):
            thread = threading.Thread(target=self._run, name=f"poller-{self.name}-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Take no new batch and wait (up to `timeout`) for the batches being delivered to finish.

        The threads are daemons: one waiting in its long poll is left to end with the process."""
        with self._settled:
            self._stop.set()
            self._settled.wait_for(lambda: self._busy == 0, timeout)

    def _run(self) -> None:
        sqs = self.client_factory()
        while not self._stop.is_set():
            try:
                self.poll_once(sqs, self.wait_seconds)
            except Exception:  # a poller never dies: log and keep polling
                with self.stats.lock:
                    self.stats.errors += 1
                    self.stats.last_error = traceback.format_exc(limit=3)
                log.exception("poller %s failed; retrying", self.name)
                self._stop.wait(1.0)

    def poll_once(self, sqs: Any, wait_seconds: int = 1) -> int:
        """Receive one batch, deliver it, delete what succeeded; returns the batch size."""
        reply = sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.source.batch_size, MAX_RECEIVE),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = reply.get("Messages") or []
        if not messages:
            return 0
        with self._settled:
            if self._stop.is_set():
                return 0  # received while stopping: they come back after their visibility timeout
            self._busy += 1
        try:
            return self._deliver(sqs, messages)
        finally:
            with self._settled:
                self._busy -= 1
                self._settled.notify_all()

    def _deliver(self, sqs: Any, messages: list[dict[str, Any]]) -> int:
        event = {"Records": [lambda_record(m, self.queue_arn, self.region) for m in messages]}
        ids = [m["MessageId"] for m in messages]
        started = time.monotonic()
        try:
            result = self.invoke(self.spec, event)
        except Exception:
            log.error(
                "%s raised on a batch of %d from %s (messages stay on the queue):\n%s",
                self.spec.logical_id,
                len(messages),
                self.source.queue,
                traceback.format_exc(),
            )
            with self.stats.lock:
                self.stats.batches += 1
                self.stats.delivered += len(messages)
                self.stats.failed += len(messages)
                self.stats.errors += 1
                self.stats.last_error = traceback.format_exc(limit=3)
            return len(messages)
        keep = failed_ids(result, ids, self.source.report_failures)
        done = [m for m in messages if m["MessageId"] not in keep]
        for start in range(0, len(done), MAX_RECEIVE):
            chunk = done[start : start + MAX_RECEIVE]
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        with self.stats.lock:
            self.stats.batches += 1
            self.stats.delivered += len(messages)
            self.stats.deleted += len(done)
            self.stats.failed += len(keep)
        if keep:
            log.warning(
                "%s reported %d of %d failed from %s",
                self.spec.logical_id,
                len(keep),
                len(messages),
                self.source.queue,
            )
        log.info(
            "%s <- %s: %d message(s) in %.0f ms",
            self.spec.logical_id,
            self.source.queue,
            len(messages),
            (time.monotonic() - started) * 1000,
        )
        return len(messages)
