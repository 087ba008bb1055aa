"""The SQS poller against moto: partial batch failures, whole-batch failure, redrive, FIFO groups."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud.pollers import QueuePoller
from localcloud.template import FunctionSpec, QueueSource

REGION = "ap-southeast-1"


@pytest.fixture
def sqs() -> Any:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def make_queue(sqs: Any, name: str, fifo: bool = False, max_receive: int = 2) -> tuple[str, str, str]:
    suffix = ".fifo" if fifo else ""
    extra = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    dlq = sqs.create_queue(QueueName=f"{name}-dlq{suffix}", Attributes=extra)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=f"{name}{suffix}",
        Attributes={
            **extra,
            "VisibilityTimeout": "1",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive}),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq


def poller(sqs: Any, url: str, arn: str, handler: Any, batch: int = 10, report: bool = True) -> QueuePoller:
    spec = FunctionSpec("ProbeFunction", "x/", "app.handler", 5, {})
    return QueuePoller(
        QueueSource("ProbeFunction", "ProbeQueue", batch, report),
        spec,
        queue_url=url,
        queue_arn=arn,
        invoke=lambda _spec, event: handler(event),
        client_factory=lambda: sqs,
        region=REGION,
        concurrency=1,
    )


def bodies(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_reported_failures_stay_and_the_rest_is_deleted_then_redriven(sqs: Any) -> None:
    url, arn, dlq = make_queue(sqs, "partial")
    for n in (1, 2, 3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    seen: list[int] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            n = json.loads(record["body"])["n"]
            seen.append(n)
            assert record["eventSourceARN"] == arn and record["attributes"]["ApproximateReceiveCount"]
            if n == 2:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    p = poller(sqs, url, arn, handler)
    assert p.poll_once(sqs, wait_seconds=0) == 3
    assert p.poll_once(sqs, wait_seconds=0) == 0  # the failed one is invisible for 1 s
    time.sleep(1.1)
    assert p.poll_once(sqs, wait_seconds=0) == 1  # second receive
    time.sleep(1.1)
    assert p.poll_once(sqs, wait_seconds=0) == 0  # third receive would exceed maxReceiveCount: DLQ
    assert sorted(seen) == [1, 2, 2, 3]
    assert bodies(sqs, dlq) == [{"n": 2}]
    assert p.stats.as_json()["deleted"] == 2 and p.stats.failed == 2


def test_a_raising_function_deletes_nothing(sqs: Any) -> None:
    url, arn, _dlq = make_queue(sqs, "raising", max_receive=5)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 1}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 2}))

    def handler(event: dict[str, Any]) -> Any:
        raise RuntimeError("down")

    p = poller(sqs, url, arn, handler)
    assert p.poll_once(sqs, wait_seconds=0) == 2
    time.sleep(1.1)
    assert sorted(b["n"] for b in bodies(sqs, url)) == [1, 2]
    assert p.stats.errors == 1 and p.stats.deleted == 0


def test_without_report_failures_a_returned_batch_is_all_deleted(sqs: Any) -> None:
    url, arn, _dlq = make_queue(sqs, "plain")
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    p = poller(sqs, url, arn, lambda e: {"batchItemFailures": [{"itemIdentifier": "x"}]}, report=False)
    assert p.poll_once(sqs, wait_seconds=0) == 1
    time.sleep(1.1)
    assert bodies(sqs, url) == []


def test_moto_holds_back_a_fifo_group_while_one_of_its_messages_is_in_flight(sqs: Any) -> None:
    url, _arn, _dlq = make_queue(sqs, "groups", fifo=True)
    for n in range(2):
        for group in ("a", "b"):
            sqs.send_message(QueueUrl=url, MessageGroupId=group, MessageBody=json.dumps({"g": group, "n": n}))
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"]
    group = first[0]["Attributes"]["MessageGroupId"]
    # a second poller only gets the other group while the first message is in flight
    others = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert {m["Attributes"]["MessageGroupId"] for m in others} == {"a", "b"} - {group}
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    after = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert [json.loads(m["Body"]) for m in after] == [{"g": group, "n": 1}]
