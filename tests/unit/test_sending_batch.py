"""The outbox consumer: partial batch failures, per-item backoff through visibility, FIFO groups."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anninh.outbox import text
from anninh.sending.batch import handle_outbox_batch
from anninh.sending.sender import Outcome


class Sqs:
    def __init__(self) -> None:
        self.visibility: dict[str, int] = {}

    def change_message_visibility(self, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int) -> None:
        self.visibility[ReceiptHandle] = VisibilityTimeout


class Sender:
    """Delivers everything except the keys it is told to retry later."""

    def __init__(self, retry: dict[str, int]) -> None:
        self.retry = retry
        self.delivered: list[str] = []

    def deliver(self, msg: Any, receive_count: int = 1, deadline: float | None = None) -> Outcome:
        if msg.key in self.retry:
            return Outcome("retry", retry_after=self.retry[msg.key], reason="-32")
        self.delivered.append(msg.key)
        return Outcome("sent", message_id="z")


def record(n: int, user: str, body: str | None = None) -> dict[str, Any]:
    msg = text("oa-1", user, f"tin {n}", key=f"k{n}")
    return {
        "messageId": f"m{n}",
        "receiptHandle": f"r{n}",
        "body": body if body is not None else msg.model_dump_json(),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "MessageGroupId": f"oa-1:{user}",
            "SequenceNumber": str(n),
            "MessageDeduplicationId": f"d{n}",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:outbox.fifo",
        "awsRegion": "ap-southeast-1",
    }


@pytest.fixture(autouse=True)
def outbox_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from anninh.settings import reset_settings

    monkeypatch.setenv("OUTBOX_QUEUE_URL", "http://sqs/outbox.fifo")
    reset_settings()


def test_a_retry_holds_back_its_conversation_only() -> None:
    event = {"Records": [record(1, "a"), record(2, "a"), record(3, "b")]}
    sender, sqs = Sender(retry={"k1": 42}), Sqs()
    result = handle_outbox_batch(event, None, sender=sender, sqs=sqs)  # type: ignore[arg-type]
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == ["m1", "m2"]
    assert sender.delivered == ["k3"]  # the other citizen's reply is not held up
    # The held-back reply comes back together with the one it follows, after the backoff.
    assert sqs.visibility == {"r1": 42, "r2": 42}


def test_all_items_waiting_is_a_normal_partial_response() -> None:
    event = {"Records": [record(1, "a"), record(2, "b")]}
    result = handle_outbox_batch(event, None, sender=Sender(retry={"k1": 5, "k2": 0}), sqs=Sqs())  # type: ignore[arg-type]
    assert len(result["batchItemFailures"]) == 2


def test_malformed_item_is_dropped_not_retried_forever() -> None:
    event = {"Records": [record(1, "a", body=json.dumps({"oa_id": "x"})), record(2, "a")]}
    sender = Sender(retry={})
    result = handle_outbox_batch(event, None, sender=sender, sqs=Sqs())  # type: ignore[arg-type]
    assert result["batchItemFailures"] == []
    assert sender.delivered == ["k2"]
