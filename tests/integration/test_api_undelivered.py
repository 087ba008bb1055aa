"""Officer API: messages the sender could not deliver, per unit, without the citizen's Zalo id."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from anninh import conversations, followers
from anninh.outbox import text
from anninh.sending import OutboxSender, RetryPolicy
from anninh.zalo.tokens import TokenStore
from tests.integration.test_api_support import call, claims_for, open_case
from tests.integration.test_tokens import FakeZalo, seed_tokens

WARD = "hieptan.canbo"  # p-hiep-tan
OTHER_WARD = "hoathanh.canbo"  # p-hoa-thanh
COMMANDER = "tanphu.chihuy"
EDITOR = "tanphu.bientap"
CITIZEN = "8800000000000000077"
OTHER_CITIZEN = "8800000000000000099"
REFUSING_CITIZEN = "8800000000000000055"


def _sender(zalo: FakeZalo) -> OutboxSender:
    return OutboxSender(
        zalo=zalo.client(),
        tokens=TokenStore(client=zalo.client()),
        policy=RetryPolicy(queue_min=0, queue_base=0.001),
        sleep=lambda seconds: None,
        rng=random.Random(3),
    )


def _citizen(oa_id: str, unit_id: str, user_id: str, last_seen: datetime) -> str:
    """A citizen who wrote to the OA once (conversation state) and was last seen at `last_seen`."""
    followers.touch_interaction(oa_id, user_id, last_seen)
    return conversations.service().ensure_state(oa_id, user_id, unit_id, last_seen).conversation_id


def test_ward_officer_sees_own_units_undelivered_messages_without_zalo_ids(
    aws_stack: Any, registry: Any
) -> None:
    now = datetime.now(UTC)
    ward_oa = next(o for o in registry.oas if o.unit_id == "p-hiep-tan").oa_id
    other_oa = next(o for o in registry.oas if o.unit_id == "p-hoa-thanh").oa_id
    zalo = FakeZalo()
    seed_tokens(TokenStore(client=zalo.client()))  # the Hiệp Tân OA is connected
    sender = _sender(zalo)

    # Hiệp Tân: an officer's reply on a tip, 10 days after the citizen last wrote (outside the window).
    conversation_id = _citizen(ward_oa, "p-hiep-tan", CITIZEN, now - timedelta(days=10))
    case = open_case(registry, "p-hiep-tan", user_id=CITIZEN)
    reply = text(
        ward_oa,
        CITIZEN,
        "Công an phường Hiệp Tân đã xác minh tin báo của anh/chị.",
        key=f"reply:{case.case_id}:1",
        origin="officer",
        officer=WARD,
        case_id=case.case_id,
    )
    assert sender.deliver(reply).status == "undeliverable_window"
    assert zalo.sent == []  # never tried outside the window

    # Hiệp Tân: a bot answer Zalo refuses (-213: the citizen unfollowed the OA).
    _citizen(ward_oa, "p-hiep-tan", REFUSING_CITIZEN, now - timedelta(hours=1))
    zalo.faults = [-213]
    bot = text(ward_oa, REFUSING_CITIZEN, "Giờ làm việc: 7:30 - 17:00.", key="bot:evt-refused:0")
    assert sender.deliver(bot).status == "failed"

    # Hòa Thạnh: another ward's undelivered message.
    _citizen(other_oa, "p-hoa-thanh", OTHER_CITIZEN, now - timedelta(days=9))
    other = text(other_oa, OTHER_CITIZEN, "Tin của phường Hòa Thạnh.", key="bot:evt-other:0")
    assert sender.deliver(other).status == "undeliverable_window"

    status, page = call("GET", "/api/v1/undelivered", claims_for(registry, WARD))
    assert status == 200, page
    assert page["count"] == 2
    assert {i["unit_id"] for i in page["items"]} == {"p-hiep-tan"}
    assert "Tin của phường Hòa Thạnh." not in json.dumps(page, ensure_ascii=False)
    kept = next(i for i in page["items"] if i["cause"] == "window")
    refused = next(i for i in page["items"] if i["cause"] == "recipient")
    assert [i["at"] for i in page["items"]] == sorted((i["at"] for i in page["items"]), reverse=True)
    assert kept["text"] == "Công an phường Hiệp Tân đã xác minh tin báo của anh/chị."
    assert kept["cause"] == "window" and "7 ngày" in kept["label"]
    assert kept["case_id"] == case.case_id and kept["case_code"] == case.code
    assert kept["conversation_id"] == conversation_id
    assert kept["officer"] == WARD and kept["oa_name"] == "Công an phường Hiệp Tân"
    assert kept["pseudonym"].startswith("Công dân ")
    assert kept["at"] and refused["at"]
    assert refused["label"].startswith("Không gửi được: người nhận")
    assert refused["case_id"] is None and refused["case_code"] is None
    assert refused["text"] == "Giờ làm việc: 7:30 - 17:00."
    # Neither the Zalo ids nor the raw message keys (which may embed event ids) reach the officer.
    raw = json.dumps(page)
    for secret in (CITIZEN, REFUSING_CITIZEN, OTHER_CITIZEN, "bot:evt-refused:0", f"reply:{case.case_id}:1"):
        assert secret not in raw

    # The other ward sees only its own; asking for Hiệp Tân's list explicitly is refused.
    _, theirs = call("GET", "/api/v1/undelivered", claims_for(registry, OTHER_WARD))
    assert [i["text"] for i in theirs["items"]] == ["Tin của phường Hòa Thạnh."]
    status, error = call(
        "GET", "/api/v1/undelivered", claims_for(registry, OTHER_WARD), query={"unit_id": "p-hiep-tan"}
    )
    assert status == 404 and error["error"]["code"] == "not_found"

    # The district commander sees every ward's; an editor is not a case worker.
    _, everything = call("GET", "/api/v1/undelivered", claims_for(registry, COMMANDER))
    assert {i["unit_id"] for i in everything["items"]} == {"p-hiep-tan", "p-hoa-thanh"}
    assert everything["count"] == 3 and OTHER_CITIZEN not in json.dumps(everything)
    status, error = call("GET", "/api/v1/undelivered", claims_for(registry, EDITOR))
    assert status == 403 and error["error"]["code"] == "forbidden"


def test_nothing_undelivered_is_an_empty_list(aws_stack: Any, registry: Any) -> None:
    status, page = call("GET", "/api/v1/undelivered", claims_for(registry, WARD), query={"limit": 10})
    assert status == 200 and page == {"items": [], "count": 0}
    status, error = call("GET", "/api/v1/undelivered", claims_for(registry, WARD), query={"limit": 0})
    assert status == 422 and error["error"]["code"] == "validation_error"
