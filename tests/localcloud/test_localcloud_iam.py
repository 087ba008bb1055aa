"""IAM in the local cloud: each function runs with its own role from the SAM-expanded template, so a
call its role does not allow fails here with AccessDenied, as it would in AWS."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from anninh import aws, wiring
from anninh.campaigns.planner import QueueWriter
from anninh.intake.store import DynamoReceiptStore
from anninh.intake.webhook import SqsInboundQueue
from localcloud import iam
from localcloud.iam import acting_as
from localcloud.lambdas import invoke
from tests.conftest import load_event


def _denied(error: ClientError) -> bool:
    return error.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException")


def test_a_call_outside_the_functions_role_is_access_denied(aws_stack: Any) -> None:
    bucket = aws_stack.environment()["MEDIA_BUCKET"]
    s3 = boto3.client("s3", region_name="ap-southeast-1")
    with acting_as("StatsRollupFunction"), pytest.raises(ClientError) as denied:
        s3.put_object(Bucket=bucket, Key="media/evidence.jpg", Body=b"photo")
    assert _denied(denied.value)
    message = denied.value.response["Error"]["Message"]
    assert "StatsRollupFunctionRole" in message and "s3:PutObject" in message
    assert f"arn:aws:s3:::{bucket}/media/evidence.jpg" in message
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)  # nothing reached the bucket
    with acting_as("MediaFunction"):  # its role may write under media/ in the media bucket
        s3.put_object(Bucket=bucket, Key="media/evidence.jpg", Body=b"photo")
    with acting_as("WebhookFunction"), pytest.raises(ClientError) as wrong_queue:
        aws.client("sqs").send_message(QueueUrl=aws_stack.queue_urls["OutboxQueue"], MessageBody="{}")
    assert _denied(wrong_queue.value) and "sqs:SendMessage" in wrong_queue.value.response["Error"]["Message"]


def _roles_without(deployment: Any, function: str, drop: Any) -> dict[str, iam.Role]:
    """The roles of the template with some of `function`'s policies removed (the template as it was)."""
    template = copy.deepcopy(deployment.template)
    props = template["Resources"][function]["Properties"]
    props["Policies"] = [p for p in props["Policies"] if not drop(p)]
    return iam.roles(dataclasses.replace(deployment, template=template))


def _grants_broadcast_send(policy: Any) -> bool:
    queue = (policy.get("SQSSendMessagePolicy") or {}).get("QueueName", {})
    return bool(queue) and queue.get("Fn::GetAtt", [""])[0] == "BroadcastQueue"


def _grants_delete_item(policy: Any) -> bool:
    """Drops the receipt statement, putting back the PutItem it also grants (DynamoDBWritePolicy had it)."""
    for statement in policy.get("Statement", []) or []:
        actions = statement.get("Action")
        if isinstance(actions, list) and "dynamodb:DeleteItem" in actions:
            actions.remove("dynamodb:DeleteItem")
    return False


@pytest.mark.parametrize(
    ("function", "drop"),
    [
        ("WebhookFunction", _grants_delete_item),
        ("ApiFunction", _grants_broadcast_send),
        ("BroadcastSenderFunction", _grants_broadcast_send),
    ],
)
def test_the_three_missing_grants_are_fixed(aws_stack: Any, function: str, drop: Any) -> None:
    """Each call below is the one the function's code makes; it was denied with the old grants."""
    settings_env = aws_stack.environment()

    def the_call() -> None:
        if function == "WebhookFunction":  # the receipt removed after a failed hand-off
            receipts = DynamoReceiptStore(aws.client("dynamodb"), settings_env["TABLE_NAME"])
            assert receipts.put_new("k-" + function, {"type": "event_receipt"})
            receipts.delete("k-" + function)
        else:  # resume (requeue_parked) and the rest of a cut-short batch both use QueueWriter
            QueueWriter().send([{"campaign_id": "c1", "batch_id": "c1:0", "oa_id": "1", "recipients": ["u"]}])

    with acting_as(function):
        the_call()  # granted now
    authorizer = iam.active()
    assert authorizer is not None
    before = iam.Authorizer(_roles_without(aws_stack, function, drop), authorizer.aliases)
    iam._active = before
    try:
        with acting_as(function), pytest.raises(ClientError) as denied:
            the_call()
        assert _denied(denied.value)
    finally:
        iam._active = authorizer


def test_webhook_failed_handoff_removes_the_receipt_so_zalos_retry_is_taken(
    aws_stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    wiring.reset()
    event = load_event("webhook_user_send_text.json")

    def queue_down(self: Any, body: str, group_id: str, deduplication_id: str) -> None:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessage")

    monkeypatch.setattr(SqsInboundQueue, "send", queue_down)
    first = invoke("WebhookFunction", event)
    assert first["statusCode"] == 503
    monkeypatch.undo()
    retry = invoke("WebhookFunction", event)  # Zalo retries: taken, not a "duplicate"
    assert retry["statusCode"] == 200 and json.loads(retry["body"])["status"] == "accepted"
    wiring.reset()
