"""Zalo tiers through the sender and the officer API (moto): replies carry the citizen's message id,
proactive sends are counted per OA and month, and officers see the quota and the next reply's tier."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from anninh import aws, conversations, followers, keys
from anninh.outbox import text
from anninh.sending import OutboxSender, RetryPolicy, quota
from anninh.sending.tiers import vn_month
from anninh.zalo.tokens import TokenStore
from tests.integration.test_api_support import call, claims_for
from tests.integration.test_tokens import OA_ID, FakeZalo, seed_tokens

WARD = "hieptan.canbo"  # p-hiep-tan, the unit of OA_ID
OTHER_WARD = "hoathanh.canbo"
WRITER = "8800000000000000101"  # wrote an hour ago
SILENT = "8800000000000000102"  # followed, never wrote


def _sender(zalo: FakeZalo) -> OutboxSender:
    return OutboxSender(
        zalo=zalo.client(),
        tokens=TokenStore(client=zalo.client()),
        policy=RetryPolicy(queue_min=0, queue_base=0.001),
        sleep=lambda seconds: None,
        rng=random.Random(3),
    )


def _citizen(user_id: str, at: datetime, msg_id: str | None) -> str:
    followers.touch_interaction(OA_ID, user_id, at)
    if msg_id:
        conversations.service().record_inbound(
            OA_ID, user_id, at, msg_id, "text", {"text": "Cho hỏi"}, f"evt-{msg_id}"
        )
    return conversations.service().ensure_state(OA_ID, user_id, "p-hiep-tan", at).conversation_id


def _record(key: str) -> dict[str, Any]:
    return dict(aws.table().get_item(Key=keys.outbox_record(key))["Item"])


def test_tiers_are_decided_recorded_counted_and_shown(
    aws_stack: Any, registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    zalo = FakeZalo()
    seed_tokens(TokenStore(client=zalo.client()))
    sender = _sender(zalo)
    writer_conv = _citizen(WRITER, now - timedelta(hours=1), "zmsg-citizen-1")
    silent_conv = _citizen(SILENT, now - timedelta(hours=2), None)

    claims = claims_for(registry, WARD)
    status, tier = call("GET", f"/api/v1/conversations/{writer_conv}/reply-tier", claims)
    assert status == 200, tier
    assert tier["tier"] == "reply" and tier["free_left"] == 8 and tier["covered"] is True
    assert "còn 8/8" in tier["label"]

    assert (
        sender.deliver(text(OA_ID, WRITER, "Chào anh/chị", key="officer:r1", origin="officer")).tier
        == "reply"
    )
    assert zalo.sent[0]["body"]["recipient"] == {"message_id": "zmsg-citizen-1"}
    assert _record("officer:r1")["tier"] == "reply" and _record("officer:r1")["reply_to"] == "zmsg-citizen-1"

    assert (
        sender.deliver(text(OA_ID, SILENT, "Thông báo", key="system:s1", origin="system")).tier == "proactive"
    )
    assert zalo.sent[1]["body"]["recipient"] == {"user_id": SILENT}
    # A redelivery repeats the bookkeeping, never the count.
    assert (
        sender.deliver(text(OA_ID, SILENT, "Thông báo", key="system:s1", origin="system")).status == "skipped"
    )

    status, figures = call("GET", f"/api/v1/oas/{OA_ID}/quota", claims)
    assert status == 200, figures
    assert figures["month"] == vn_month(now)
    assert figures["proactive_used"] == 1 and figures["proactive_limit"] == 1000
    assert figures["proactive_remaining"] == 999 and figures["free_replies_open"] == 1
    assert (
        figures["sources"]["proactive_used"] == "ours" and figures["sources"]["proactive_limit"] == "setting"
    )
    assert figures["warning"] is False

    status, _ = call("GET", f"/api/v1/oas/{OA_ID}/quota", claims_for(registry, OTHER_WARD))
    assert status == 404
    status, unit = call("GET", "/api/v1/units/p-hiep-tan/quota", claims)
    assert status == 200 and [o["oa_id"] for o in unit["oas"]] == [OA_ID]
    # Another ward is refused as if the unit did not exist, and the refusal is in the audit trail.
    status, _ = call("GET", "/api/v1/units/p-hiep-tan/quota", claims_for(registry, OTHER_WARD))
    assert status == 404
    from anninh import audit

    refused, _ = audit.trail().list_for_officer(OTHER_WARD, limit=20)
    assert {(r.action, r.target_id, r.outcome) for r in refused} >= {
        ("quota.read", OA_ID, "denied"),
        ("quota.read", "p-hiep-tan", "denied"),
    }

    # Zalo says the month's proactive quota is used up: the reply box says so before sending.
    quota.forget_zalo_quota()
    monkeypatch.setattr(
        quota, "zalo_proactive_quota", lambda oa_id: {"remain": 0, "total": 1000, "type": "active"}
    )
    status, tier = call("GET", f"/api/v1/conversations/{silent_conv}/reply-tier", claims)
    assert status == 200 and tier["tier"] == "proactive" and tier["covered"] is False
    assert "hết hạn mức" in tier["label"]
    status, figures = call("GET", f"/api/v1/oas/{OA_ID}/quota", claims)
    assert figures["sources"]["proactive_limit"] == "zalo" and figures["warning"] is True

    # And Zalo refuses the send with -211: kept for the ward's officers with the quota reason.
    zalo.faults = [-211]
    outcome = sender.deliver(text(OA_ID, SILENT, "Mời lên làm việc", key="officer:r2", origin="officer"))
    assert outcome.status == "failed"
    status, page = call("GET", "/api/v1/undelivered", claims)
    item = next(i for i in page["items"] if i["text"] == "Mời lên làm việc")
    assert item["cause"] == "quota" and "hạn mức tin chủ động" in item["label"]
