"""Zalo's message tiers on the local stack (docs/zalo.md): an officer's reply names the citizen's
message, the 9th message in 48 hours is proactive, a reply after 48 hours with no proactive quota left
is kept for the officer with the quota reason (and the reply box said so first), and the quota
endpoint agrees with the fake Zalo's count of proactive sends."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

SON_KY_OA = "2200000000000000006"  # a ward no other end-to-end test writes to
OFFICER = "sonky.canbo"


def _tip(user_id: str, text: str, hours_ago: float = 0.0) -> dict[str, Any]:
    return {
        "event_name": "user_send_text",
        "sender": {"id": user_id},
        "recipient": {"id": SON_KY_OA},
        "user_id_by_app": user_id,
        "timestamp": str(int((time.time() - hours_ago * 3600) * 1000)),
        "message": {"msg_id": uuid.uuid4().hex, "text": text},
    }


def _find_tip(stack: Any, token: str, words: str) -> str:
    def found() -> str | None:
        items = stack.api("GET", "/tips", token=token, params={"q": words}).json()["items"]
        return str(items[0]["case_id"]) if items else None

    return str(stack.wait_for(found, 30, f"the tip '{words}'"))


def _quota(stack: Any, token: str) -> dict[str, Any]:
    reply = stack.api("GET", f"/oas/{SON_KY_OA}/quota", token=token)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _fake_used(stack: Any) -> int:
    return int(stack.http.get("/_local/zalo/quota", params={"oa_id": SON_KY_OA}).json()["proactive_used"])


@pytest.mark.e2e
def test_replies_carry_the_message_id_and_the_ninth_is_proactive(local_stack: Any) -> None:
    token = local_stack.login(OFFICER)
    ours_before, fake_before = _quota(local_stack, token)["proactive_used"], _fake_used(local_stack)
    citizen = f"e2e-tier-{uuid.uuid4().hex[:8]}"
    event = _tip(citizen, "Báo tin có người lạ cạy khóa xe ở chung cư Sơn Kỳ block B")
    assert local_stack.sign_and_post(event).status_code == 200
    local_stack.wait_sent(citizen, count=1)  # the acknowledgement: free reply 1 of 8
    tip = _find_tip(local_stack, token, "chung cư Sơn Kỳ block B")

    tier = local_stack.api("GET", f"/tips/{tip}/reply-tier", token=token).json()
    assert tier["tier"] == "reply" and tier["free_left"] == 7 and "còn 7/8" in tier["label"]
    for i in range(8):  # replies 2..9 after the citizen's message
        reply = local_stack.api(
            "POST", f"/tips/{tip}/replies", token=token, json={"text": f"Trả lời số {i + 2}"}
        )
        assert reply.status_code == 202
        local_stack.wait_sent(citizen, count=i + 2)
    records = local_stack.sent(citizen)
    assert [r["tier"] for r in records] == ["reply"] * 8 + ["proactive"]
    assert all(r["body"]["recipient"] == {"message_id": event["message"]["msg_id"]} for r in records[:8])
    assert records[8]["body"]["recipient"] == {"user_id": citizen}
    assert records[1]["reply_to"] == event["message"]["msg_id"]
    # The next one would be proactive too, and the reply box says so.
    assert local_stack.api("GET", f"/tips/{tip}/reply-tier", token=token).json()["tier"] == "proactive"

    # Our count of proactive sends moves with the fake Zalo's.
    def agreed() -> dict[str, Any] | None:
        figures = _quota(local_stack, token)
        ours = figures["proactive_used"] - ours_before
        return figures if ours == _fake_used(local_stack) - fake_before == 1 else None

    figures = local_stack.wait_for(agreed, 10, "the quota endpoint to count the proactive send")
    assert figures["sources"]["proactive_used"] == "ours"


@pytest.mark.e2e
def test_out_of_quota_reply_after_48_hours_is_kept_with_the_reason_said_before(local_stack: Any) -> None:
    token = local_stack.login(OFFICER)
    citizen = f"e2e-quota-{uuid.uuid4().hex[:8]}"
    local_stack.http.post("/_local/zalo/config", json={"proactive_quota_per_month": 0}).raise_for_status()
    try:
        event = _tip(citizen, "Báo tin mất trộm xe máy trước nhà số 12 Lê Văn Quới", hours_ago=49)
        assert local_stack.sign_and_post(event).status_code == 200
        tip = _find_tip(local_stack, token, "trước nhà số 12 Lê Văn Quới")

        def refused_before_sending() -> dict[str, Any] | None:
            answer: dict[str, Any] = local_stack.api("GET", f"/tips/{tip}/reply-tier", token=token).json()
            return answer if answer.get("covered") is False else None

        tier = local_stack.wait_for(refused_before_sending, 15, "the reply box to say the quota is used up")
        assert tier["tier"] == "proactive"
        assert "hết hạn mức" in tier["label"]
        assert tier["quota"]["proactive_remaining"] == 0
        figures = _quota(local_stack, token)
        assert figures["sources"]["proactive_limit"] == "zalo" and figures["proactive_limit"] == 0
        assert figures["warning"] is True

        text = "Công an phường Sơn Kỳ mời anh/chị đến trụ sở để làm việc."
        assert (
            local_stack.api("POST", f"/tips/{tip}/replies", token=token, json={"text": text}).status_code
            == 202
        )

        def kept() -> dict[str, Any] | None:
            items = local_stack.api("GET", "/undelivered", token=token).json()["items"]
            return next((i for i in items if i["text"].endswith(text)), None)  # after "Về tin báo ..."

        item = local_stack.wait_for(kept, 30, "the reply kept for the officer")
        assert item["cause"] == "quota" and "hạn mức tin chủ động" in item["label"]
        assert not [r for r in local_stack.sent(citizen) if text in r["body"]["message"].get("text", "")]
        refused = [
            r for r in local_stack.zalo_requests("/v3.0/oa/message/cs", SON_KY_OA) if r["error"] == -211
        ]
        assert refused
    finally:
        local_stack.http.post("/_local/zalo/config", json={"proactive_quota_per_month": None})


@pytest.mark.e2e
def test_a_reply_hit_by_minus_216_arrives_within_10_seconds(local_stack: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.e2e.test_outbound import citizen, enqueue

    user_id = citizen(local_stack, datetime.now(UTC) - timedelta(hours=1))
    try:
        local_stack.fault(-216, 1, user_id=user_id)
        started = time.monotonic()
        enqueue(local_stack, user_id, "Công an phường đã nhận được phản ánh của anh/chị.")
        local_stack.wait_sent(user_id, count=1, timeout=10)
        assert time.monotonic() - started < 10
    finally:
        local_stack.reset_zalo()


@pytest.mark.e2e
def test_a_send_whose_answer_was_lost_is_reconciled_not_duplicated(local_stack: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.e2e.test_outbound import citizen, enqueue, outbox_status

    user_id = citizen(local_stack, datetime.now(UTC) - timedelta(hours=1))
    try:
        local_stack.fault("lost_answer", 1, user_id=user_id)
        key = enqueue(local_stack, user_id, "Cán bộ sẽ liên hệ lại với anh/chị trong hôm nay.")
        local_stack.wait_for(lambda: outbox_status(local_stack, key) == "sent", 30, "the send reconciled")
        time.sleep(2)  # nothing more arrives later
        assert len(local_stack.sent(user_id)) == 1
        assert local_stack.zalo_requests("/v2.0/oa/conversation")  # Zalo was asked
    finally:
        local_stack.reset_zalo()
