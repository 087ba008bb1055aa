"""Outbound messaging end to end: outbox queue -> SenderFunction -> the local fake Zalo, with faults."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.stack import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_stack")]

OA_ID = "2200000000000000001"  # Công an phường Hiệp Tân
SEND = "/v3.0/oa/message/cs"


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def citizen(stack: LocalStack, last_interaction: datetime) -> str:
    user_id = "88" + uuid.uuid4().hex[:16]
    at = iso(last_interaction)
    stack.table().put_item(
        Item={
            "PK": f"OA#{OA_ID}",
            "SK": f"FOLLOWER#{user_id}",
            "type": "follower",
            "oa_id": OA_ID,
            "user_id": user_id,
            "following": True,
            "followed_at": at,
            "last_interaction_at": at,
            "GSI1PK": f"OA#{OA_ID}#FOLLOWERS",
            "GSI1SK": at,
        }
    )
    return user_id


def enqueue(stack: LocalStack, user_id: str, text: str) -> str:
    key = f"e2e:{uuid.uuid4().hex}"
    body = {
        "oa_id": OA_ID,
        "user_id": user_id,
        "message": {"text": text},
        "key": key,
        "origin": "officer",
        "officer": "hieptan.canbo",
    }
    stack.aws_client("sqs").send_message(
        QueueUrl=stack.environment["OUTBOX_QUEUE_URL"],
        MessageBody=json.dumps(body, ensure_ascii=False),
        MessageGroupId=f"{OA_ID}:{user_id}",
        MessageDeduplicationId=key,
    )
    return key


def outbox_status(stack: LocalStack, key: str) -> str:
    item = stack.table().get_item(Key={"PK": f"OUTBOX#{key}", "SK": "OUTBOX"}).get("Item") or {}
    return str(item.get("status", ""))


def send_attempts(stack: LocalStack, user_id: str) -> list[dict[str, Any]]:
    return [r for r in stack.zalo_requests(endpoint=SEND) if json.dumps(r).find(user_id) >= 0]


def test_reply_survives_token_rate_limit_and_network_faults_exactly_once(local_stack: LocalStack) -> None:
    user_id = citizen(local_stack, datetime.now(UTC) - timedelta(hours=1))
    try:
        # The network fault goes first: the fake consumes the head fault when it checks for a network
        # one, so a network fault queued behind others would swallow them (reported to its owner).
        # tests/integration/test_sender.py covers the order -216, -32 x5, network with a strict fake.
        local_stack.fault("network", 1, user_id=user_id)
        local_stack.fault(-216, 1, user_id=user_id)
        local_stack.fault(-32, 5, user_id=user_id)
        key = enqueue(local_stack, user_id, "Cán bộ đã tiếp nhận phản ánh của anh/chị.")
        sent = local_stack.wait_sent(user_id, count=1, timeout=90)
        assert [s["body"]["message"]["text"] for s in sent] == ["Cán bộ đã tiếp nhận phản ánh của anh/chị."]
        local_stack.wait_for(
            lambda: outbox_status(local_stack, key) == "sent", 20, "outbox record marked sent"
        )
        errors = [a["error"] for a in send_attempts(local_stack, user_id)]
        assert errors == ["network", -216, -32, -32, -32, -32, -32, 0]
        assert local_stack.zalo_requests(endpoint="/v4/oa/access_token", oa_id=OA_ID)  # refreshed once
        assert len(local_stack.sent(user_id)) == 1  # and nothing more arrives later
    finally:
        local_stack.reset_zalo()


def test_no_interaction_error_is_recorded_and_never_retried(local_stack: LocalStack) -> None:
    user_id = citizen(local_stack, datetime.now(UTC) - timedelta(hours=1))
    try:
        local_stack.fault(-230, 1, user_id=user_id)
        key = enqueue(local_stack, user_id, "Xin mời anh/chị đến trụ sở công an phường.")
        local_stack.wait_for(
            lambda: outbox_status(local_stack, key) == "undeliverable_window", 30, "the -230 to be recorded"
        )
        assert local_stack.sent(user_id) == []
        assert len(send_attempts(local_stack, user_id)) == 1
    finally:
        local_stack.reset_zalo()


def test_outside_the_window_nothing_is_sent_and_the_message_is_kept(local_stack: LocalStack) -> None:
    user_id = citizen(local_stack, datetime.now(UTC) - timedelta(days=8))
    key = enqueue(local_stack, user_id, "Thông báo kết quả xử lý tin báo.")
    local_stack.wait_for(
        lambda: outbox_status(local_stack, key) == "undeliverable_window",
        30,
        "the message to be kept for officers",
    )
    assert send_attempts(local_stack, user_id) == []
    item = local_stack.table().get_item(Key={"PK": f"OUTBOX#{key}", "SK": "OUTBOX"})["Item"]
    assert item["GSI1PK"] == "UNIT#p-hiep-tan#UNDELIVERED"


def test_expired_access_token_is_refreshed_and_stored(local_stack: LocalStack) -> None:
    secrets = local_stack.aws_client("secretsmanager")
    secret_id = local_stack.environment["TOKEN_SECRET_PREFIX"] + OA_ID
    before = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
    local_stack.http.post("/_local/zalo/tokens/expire", json={"oa_id": OA_ID}).raise_for_status()
    user_id = citizen(local_stack, datetime.now(UTC) - timedelta(minutes=5))
    enqueue(local_stack, user_id, "Xin chào từ Công an phường Hiệp Tân.")
    local_stack.wait_sent(user_id, count=1, timeout=60)
    after = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
    assert after["refresh_token"] != before["refresh_token"]
    assert after["access_token"] != before["access_token"]


def test_scheduled_refresh_leaves_fresh_tokens_alone(local_stack: LocalStack) -> None:
    result = local_stack.fire_schedule("TokenRefreshFunction", "Hourly")
    assert result["failed"] == {}
    assert OA_ID in result["fresh"] + result["refreshed"]
