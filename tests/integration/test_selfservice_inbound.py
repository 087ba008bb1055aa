"""A citizen's question through the inbound function: the bot's answer lands on the outbox."""

from __future__ import annotations

import json
from typing import Any

from anninh import aws
from anninh.settings import get_settings
from tests.conftest import load_event


def test_procedure_question_is_answered_through_the_outbox(aws_stack: Any) -> None:
    from localcloud.lambdas import invoke

    event = load_event("sqs_inbound_user_send_text.json")
    dedupe_key = json.loads(event["Records"][0]["body"])["dedupe_key"]
    result = invoke("InboundFunction", event)
    assert result == {"batchItemFailures": []}
    sqs = aws.client("sqs")
    got = sqs.receive_message(QueueUrl=get_settings().outbox_queue_url, MaxNumberOfMessages=10)
    bodies = [json.loads(m["Body"]) for m in got.get("Messages", [])]
    answer = next(b for b in bodies if b["key"] == f"bot:{dedupe_key}:0")
    assert answer["user_id"] == "8400000000000000001" and answer["oa_id"] == "2200000000000000001"
    assert answer["message"]["text"].startswith("ĐĂNG KÝ TẠM TRÚ")
