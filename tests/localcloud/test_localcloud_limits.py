"""AWS's limits in the local cloud: where moto is looser than AWS, the local cloud is not."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from anninh import aws, wiring
from localcloud import iam
from localcloud.lambdas import LambdaTimeout, forget_handlers, invoke, invoke_spec
from localcloud.pollers import QueuePoller
from localcloud.template import FunctionSpec, QueueSource
from scripts.make_events import api_event, signed
from tests.integration.test_inbound_support import as_sqs_event, receive_all


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_sqs_counts_bytes_and_batches_like_aws(aws_stack: Any) -> None:
    sqs = aws.client("sqs")
    url = aws_stack.queue_urls["MediaQueue"]
    # 90,000 characters but 270,000 UTF-8 bytes: moto counts characters, AWS counts bytes.
    with pytest.raises(ClientError) as too_big:
        sqs.send_message(QueueUrl=url, MessageBody="ệ" * 90_000)
    assert _code(too_big) == "InvalidParameterValue"
    sqs.send_message(QueueUrl=url, MessageBody="ệ" * 80_000)  # 240,000 bytes: fine
    with pytest.raises(ClientError) as eleven:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
    assert "TooManyEntriesInBatchRequest" in _code(eleven)
    with pytest.raises(ClientError) as long_batch:
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x" * 30_000} for i in range(9)]
        )
    assert "BatchRequestTooLong" in _code(long_batch)


def test_dynamodb_item_and_transaction_limits(aws_stack: Any) -> None:
    ddb = aws.client("dynamodb")
    table = aws_stack.environment()["TABLE_NAME"]
    with pytest.raises(ClientError) as item:
        ddb.put_item(TableName=table, Item={"PK": {"S": "X"}, "SK": {"S": "Y"}, "blob": {"S": "ệ" * 140_000}})
    assert _code(item) == "ValidationException"
    with pytest.raises(ClientError) as many:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"PK": {"S": f"T{i}"}, "SK": {"S": "S"}}}}
                for i in range(101)
            ]
        )
    assert _code(many) == "ValidationException"


def _webhook_event(aws_stack: Any, text: str) -> dict[str, Any]:
    app = next(iter(json.loads(Path("demo/registry.json").read_text(encoding="utf-8"))["apps"]))
    oa = next(
        o
        for o in json.loads(Path("demo/registry.json").read_text(encoding="utf-8"))["oas"]
        if o["app_id"] == app["app_id"]
    )
    body = {
        "event_name": "user_send_text",
        "sender": {"id": "big-sender"},
        "recipient": {"id": oa["oa_id"]},
        "user_id_by_app": "big-sender",
        "timestamp": str(int(time.time() * 1000)),
        "message": {"msg_id": f"big-{len(text)}-{text[:1]!r}", "text": text},
    }
    raw, signature = signed(body, app["app_id"], app["oa_secret_key"])
    assert 190_000 < len(raw) <= 200_000  # a "200 KB" event, within the webhook's own body limit
    return api_event(raw, signature)


@pytest.mark.parametrize("filler", ["a", '"'], ids=["plain", "quotes-double-when-escaped"])
def test_200_kb_signed_event_is_refused_with_413_or_processed_fully_never_5xx(
    aws_stack: Any, filler: str
) -> None:
    wiring.reset()
    size = 195_000 if filler == "a" else 97_000  # a quote is 2 bytes in the body (\")
    response = invoke("WebhookFunction", _webhook_event(aws_stack, filler * size))
    assert response["statusCode"] in (200, 413), response
    messages = receive_all(aws.client("sqs"), aws_stack.queue_urls["InboundQueue"])
    if response["statusCode"] == 413:
        assert json.loads(response["body"])["error"]["code"] == "too_large" and messages == []
        return
    assert len(messages) == 1
    arn = aws.client("sqs").get_queue_attributes(
        QueueUrl=aws_stack.queue_urls["InboundQueue"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert invoke("InboundFunction", as_sqs_event(messages, arn)) == {"batchItemFailures": []}
    wiring.reset()


SLOW = """
import time

def handler(event, context):
    time.sleep(float(event.get("sleep", 0)))
    return {"slept": event.get("sleep")}
"""


def test_a_handler_over_its_timeout_is_cut_off_and_its_batch_comes_back(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SLOW, encoding="utf-8")
    spec = FunctionSpec("SlowFunction", str(tmp_path), "app.handler", timeout=1, environment={})
    try:
        assert invoke_spec(spec, {"sleep": 0}) == {"slept": 0}
        began = time.monotonic()
        with pytest.raises(LambdaTimeout, match="timed out after 1"):
            invoke_spec(spec, {"sleep": 5})
        assert time.monotonic() - began < 3  # cut off at its timeout, not when it finished
        with mock_aws():
            iam.deactivate()
            sqs = boto3.client("sqs", region_name="ap-southeast-1")
            url = sqs.create_queue(QueueName="slow", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="{}")
            poller = QueuePoller(
                QueueSource("SlowFunction", "SlowQueue", 10, True),
                spec,
                queue_url=url,
                queue_arn="arn:aws:sqs:ap-southeast-1:123456789012:slow",
                invoke=lambda s, e: invoke_spec(s, {**e, "sleep": 5}),
                client_factory=lambda: sqs,
                region="ap-southeast-1",
            )
            assert poller.poll_once(sqs, wait_seconds=0) == 1
            assert poller.stats.failed == 1 and poller.stats.deleted == 0
            time.sleep(1.2)  # the visibility timeout: the batch is delivered again
            again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
            assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    finally:
        forget_handlers()
