"""Campaigns end to end on the local stack: officer API -> CampaignQueue -> planner -> BroadcastQueue
-> broadcast senders -> the local fake Zalo; and a scheduled campaign fired by the due sweep."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.stack import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_stack")]

OA_ID = "2200000000000000003"  # Công an phường Phú Thạnh


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def followers(stack: LocalStack, count: int) -> list[str]:
    at = iso(datetime.now(UTC) - timedelta(hours=1))
    users = []
    with stack.table().batch_writer() as writer:
        for _ in range(count):
            user_id = "87" + uuid.uuid4().hex[:16]
            users.append(user_id)
            writer.put_item(
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
    return users


def received(stack: LocalStack, text: str) -> list[str]:
    return [
        str(r["body"]["recipient"]["user_id"])
        for r in stack.sent(oa_id=OA_ID)
        if (r.get("body") or {}).get("message", {}).get("text") == text
    ]


def campaign(stack: LocalStack, token: str, campaign_id: str) -> dict[str, Any]:
    reply = stack.api("GET", f"/campaigns/{campaign_id}", token=token)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def test_a_campaign_reaches_every_follower_once(local_stack: LocalStack) -> None:
    users = followers(local_stack, 25)
    text = f"Công an phường Phú Thạnh thông báo lịch tiếp dân ({uuid.uuid4().hex[:6]})."
    token = local_stack.login("tanphu.bientap")
    reply = local_stack.api(
        "POST",
        "/campaigns",
        token=token,
        json={"name": "Lịch tiếp dân", "oa_ids": [OA_ID], "message": {"text": text}},
    )
    assert reply.status_code == 201, reply.text
    campaign_id = reply.json()["id"]
    done = local_stack.wait_for(
        lambda: campaign(local_stack, token, campaign_id)["status"] == "done", 60, "the campaign to finish"
    )
    assert done
    final = campaign(local_stack, token, campaign_id)
    assert final["sent"] >= 25 and final["failed"] == 0
    got = received(local_stack, text)
    assert set(users) <= set(got)
    assert len(got) == len(set(got))  # nobody twice
    # A ward officer of another ward cannot see it.
    other = local_stack.login("hoathanh.canbo")
    assert local_stack.api("GET", f"/campaigns/{campaign_id}", token=other).status_code == 404


def test_a_scheduled_campaign_waits_for_its_time(local_stack: LocalStack) -> None:
    followers(local_stack, 3)
    text = f"Thông báo hẹn giờ ({uuid.uuid4().hex[:6]})."
    token = local_stack.login("tanphu.bientap")
    send_at = datetime.now(UTC) + timedelta(seconds=6)
    reply = local_stack.api(
        "POST",
        "/campaigns",
        token=token,
        json={"name": "Hẹn giờ", "oa_ids": [OA_ID], "message": {"text": text}, "send_at": iso(send_at)},
    )
    assert reply.status_code == 201, reply.text
    campaign_id = reply.json()["id"]
    local_stack.fire_schedule("CampaignPlannerFunction", "DueCampaigns")
    assert campaign(local_stack, token, campaign_id)["status"] == "scheduled"
    assert received(local_stack, text) == []
    time.sleep(max(0.0, (send_at - datetime.now(UTC)).total_seconds()) + 0.5)
    local_stack.fire_schedule("CampaignPlannerFunction", "DueCampaigns")
    local_stack.wait_for(lambda: len(received(local_stack, text)) >= 3, 30, "the scheduled sends")
    assert campaign(local_stack, token, campaign_id)["status"] in ("running", "done")
