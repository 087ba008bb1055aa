"""Inputs that crashed or misled (issue 11, items 6-10), against moto with the template's resources."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key

from anninh import aws, crypto, keys, wiring
from tests.integration.test_api_support import api_event, call, claims_for, open_case, outbox_messages
from tests.integration.test_inbound_support import drain_inbound, post
from tests.stack import zalo_signature

WARD_OA = "2200000000000000001"  # p-hiep-tan
CITIZEN = "8400000000000000077"


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    wiring.reset()
    yield
    wiring.reset()


def _webhook_event(registry: Any, body: dict[str, Any] | bytes, timestamp: str) -> dict[str, Any]:
    app = registry.apps[0]
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return {
        "version": "2.0",
        "routeKey": "POST /webhook/zalo",
        "rawPath": "/webhook/zalo",
        "headers": {
            "content-type": "application/json",
            "x-zevent-signature": zalo_signature(app.app_id, raw, timestamp, app.oa_secret_key),
        },
        "requestContext": {"http": {"method": "POST", "path": "/webhook/zalo"}, "requestId": "r"},
        "body": base64.b64encode(raw).decode(),
        "isBase64Encoded": True,
    }


def _text_event(registry: Any, text: str, msg_id: str, ts: str) -> dict[str, Any]:
    return {
        "app_id": registry.apps[0].app_id,
        "event_name": "user_send_text",
        "timestamp": ts,
        "sender": {"id": CITIZEN},
        "recipient": {"id": WARD_OA},
        "user_id_by_app": CITIZEN,
        "message": {"msg_id": msg_id, "text": text},
    }


def test_a_180_kb_signed_body_is_accepted_and_processed_within_the_real_queue_limit(aws_stack, registry):
    ts = str(int(time.time() * 1000))
    text = '"' * 60_000 + "Báo tin " * 7_500  # ~180 KB signed body, ~360 KB once escaped in a message
    body = _text_event(registry, text, "big-1", ts)
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert 170_000 < len(raw) < 200_000
    response = post(_webhook_event(registry, raw, ts))
    assert response["statusCode"] == 200 and json.loads(response["body"]) == {"status": "accepted"}
    results = drain_inbound(aws_stack)
    assert results and all(r == {"batchItemFailures": []} for r in results)
    stored = aws.table().query(
        KeyConditionExpression=Key("PK").eq(keys.conversation_pk(WARD_OA, CITIZEN))
        & Key("SK").begins_with("MSG#")
    )["Items"]
    assert len(stored) == 1
    # The receipt the queue message referred to keeps the body sealed, never as citizen text.
    receipt = aws.table().get_item(Key=keys.event_receipt("user_send_text:big-1"))["Item"]
    assert crypto.is_encrypted(receipt["raw"])
    assert "Báo tin" not in json.dumps(receipt, default=str, ensure_ascii=False)


def test_a_year_old_replay_is_kept_aside_by_the_deployed_window(aws_stack, registry, monkeypatch):
    from anninh.settings import reset_settings

    monkeypatch.setenv("WEBHOOK_MAX_EVENT_AGE_SECONDS", str(3 * 3600))  # production's window
    reset_settings()
    old = str(int((time.time() - 365 * 86400) * 1000))
    response = post(_webhook_event(registry, _text_event(registry, "tin cũ", "year-old", old), old))
    assert response["statusCode"] == 200 and json.loads(response["body"]) == {"status": "kept_aside"}
    assert drain_inbound(aws_stack) == []


def test_deeply_nested_or_non_utf8_webhook_bodies_never_answer_5xx(aws_stack, registry):
    ts = str(int(time.time() * 1000))
    app_id = registry.apps[0].app_id
    deep = (
        f'{{"app_id":"{app_id}","event_name":"user_send_text","timestamp":"{ts}","message":'.encode()
        + b"[" * 50_000
        + b"]" * 50_000
        + b"}"
    )
    response = post(_webhook_event(registry, deep, ts))
    assert response["statusCode"] == 200 and json.loads(response["body"]) == {"status": "kept_aside"}
    broken = (
        f'{{"app_id":"{app_id}","event_name":"user_send_text","timestamp":"{ts}","x":"'.encode() + b'\xff"}'
    )
    assert post(_webhook_event(registry, broken, ts))["statusCode"] == 200


def test_deeply_nested_or_non_utf8_officer_bodies_are_4xx(aws_stack, registry):
    from localcloud.lambdas import invoke

    ward = claims_for(registry, "hieptan.canbo")
    case = open_case(registry, "p-hiep-tan")
    deep = '{"status":' + "[" * 50_000 + "]" * 50_000 + "}"
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, deep)
    assert status == 422 and body["error"]["code"] == "validation_error"
    event = api_event("POST", f"/api/v1/tips/{case.case_id}/notes", ward)
    event["body"] = base64.b64encode(b'{"text": "\xff\xfe ghi ch\xfa"}').decode()
    event["isBase64Encoded"] = True
    response = invoke("ApiFunction", event)
    assert response["statusCode"] == 400 and "UTF-8" in json.loads(response["body"])["error"]["message"]


def test_citizen_text_that_looks_encrypted_is_just_text_and_stored_text_is_sealed(aws_stack, registry):
    ts = str(int(time.time() * 1000))
    typed = "enc:v1:AAAA:BBBB"
    post(_webhook_event(registry, _text_event(registry, "tôi cần gặp cán bộ", "c-1", ts), ts))
    post(_webhook_event(registry, _text_event(registry, typed, "c-2", str(int(ts) + 1)), str(int(ts) + 1)))
    drain_inbound(aws_stack)
    items = aws.table().query(
        KeyConditionExpression=Key("PK").eq(keys.conversation_pk(WARD_OA, CITIZEN))
        & Key("SK").begins_with("MSG#")
    )["Items"]
    inbound = [i for i in items if i.get("direction") == "in"]
    assert inbound and all(isinstance(i["text"], dict) and "ct" in i["text"] for i in inbound)
    assert typed not in json.dumps(inbound, default=str) and "cán bộ" not in json.dumps(inbound, default=str)
    for username in ("hieptan.canbo", "tanphu.chihuy"):
        status, _page = call("GET", "/api/v1/conversations", claims_for(registry, username))
        assert status == 200, username
    from anninh import conversations

    messages, _ = conversations.service().list_messages(WARD_OA, CITIZEN)
    assert [m.text for m in messages if m.direction == "in"] == ["tôi cần gặp cán bộ", typed]


def test_a_double_submitted_reply_with_one_key_is_queued_once(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan")
    ward = claims_for(registry, "hieptan.canbo")
    body = {"text": "Công an phường đã tiếp nhận, cảm ơn anh/chị.", "idempotency_key": "7f1c2a9e-key-1"}
    first = call("POST", f"/api/v1/tips/{case.case_id}/replies", ward, body)
    second = call("POST", f"/api/v1/tips/{case.case_id}/replies", ward, body)
    assert first[0] == second[0] == 202
    assert len(outbox_messages(aws_stack)) == 1
