"""A citizen's question through the inbound function: the bot's answer lands on the outbox."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from anninh import aws, keys
from anninh.settings import get_settings
from tests.conftest import load_event


@pytest.fixture
def float_safe_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work around registry_store.put_unit writing float centroids (DynamoDB needs Decimal)."""
    from anninh import registry_store

    def put_unit(unit: Any) -> None:
        data = json.loads(json.dumps(unit.model_dump(mode="json")), parse_float=Decimal)
        aws.table().put_item(
            Item={
                **keys.unit(unit.unit_id),
                "GSI1PK": "UNITS",
                "GSI1SK": unit.unit_id,
                "type": "unit",
                "data": data,
            }
        )

    monkeypatch.setattr(registry_store, "put_unit", put_unit)


def test_procedure_question_is_answered_through_the_outbox(float_safe_registry: None, aws_stack: Any) -> None:
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
