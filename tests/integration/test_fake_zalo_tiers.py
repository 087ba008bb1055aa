"""The fake Zalo's message tiers, checked against the examples in Zalo's documentation (docs/zalo.md).

Sources (see docs/zalo.md for dates): Zalo OA support "Các loại tin của Zalo Official Account (OA)" and
"Vì sao tôi không thể gửi tin phản hồi qua ứng dụng thứ 3"; the OpenAPI page "Gửi lệnh phản hồi người
dùng" (`recipient.message_id`); the send response's `data.quota` and `v2.0/oa/quota/message`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from anninh.registry import Registry
from localcloud.fake_zalo import FakeZalo

ROOT = Path(__file__).resolve().parents[2]
CS = "/_local/zalo/v3.0/oa/message/cs"
HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # 2027-01-15 08:00 UTC

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def setup(clock: Clock) -> tuple[FakeZalo, Client, str, str]:
    registry = Registry.load(ROOT / "demo" / "registry.json")
    fake = FakeZalo(registry, clock=clock)
    oa = registry.oas[0].oa_id
    return fake, Client(fake), oa, fake.issue_tokens(oa)["access_token"]


def citizen_writes(
    fake: FakeZalo, oa: str, user: str, msg_id: str, at: float, text: str = "Xin chào"
) -> None:
    """The webhook event Zalo delivers (as documented: ids and timestamp are strings)."""
    event = {
        "app_id": "x",
        "user_id_by_app": user,
        "event_name": "user_send_text",
        "timestamp": str(int(at * 1000)),
        "sender": {"id": user},
        "recipient": {"id": oa},
        "message": {"msg_id": msg_id, "text": text},
    }
    fake.observe_webhook(json.dumps(event).encode())


def post(client: Client, token: str, body: dict[str, Any], path: str = CS) -> dict[str, Any]:
    reply = client.post(path, headers={"access_token": token}, json=body)
    assert reply.status_code == 200  # errors too come back with HTTP 200
    result: dict[str, Any] = reply.json
    return result


def test_documented_reply_example_uses_the_free_reply_quota(setup: Any, clock: Clock) -> None:
    fake, client, oa, token = setup
    citizen_writes(fake, oa, "2512523625412515", "468458835", clock.now)
    # The request body of "Gửi lệnh phản hồi người dùng", as documented.
    answer = post(
        client, token, {"recipient": {"message_id": "468458835"}, "message": {"text": "Bạn cần hỗ trợ gì ạ?"}}
    )
    assert answer["error"] == 0
    assert answer["data"]["user_id"] == "2512523625412515"
    assert answer["data"]["quota"] == {"quota_type": "reply", "remain": "7", "total": "8"}
    [record] = fake.sent(user_id="2512523625412515")
    assert record["reply_to"] == "468458835" and record["tier"] == "reply"


def test_ninth_reply_within_48_hours_is_proactive_and_a_new_message_resets(setup: Any, clock: Clock) -> None:
    fake, client, oa, token = setup
    citizen_writes(fake, oa, "u1", "m1", clock.now)
    remains = []
    for _ in range(9):
        clock.now += 60
        data = post(client, token, {"recipient": {"message_id": "m1"}, "message": {"text": "Trả lời"}})[
            "data"
        ]
        remains.append(data["quota"].get("remain") if data["quota"]["quota_type"] == "reply" else "proactive")
    assert remains == ["7", "6", "5", "4", "3", "2", "1", "0", "proactive"]
    # "Hạn mức này sẽ được thiết lập lại mỗi khi Người dùng gửi tin mới cho OA."
    citizen_writes(fake, oa, "u1", "m2", clock.now)
    data = post(client, token, {"recipient": {"message_id": "m2"}, "message": {"text": "Tiếp"}})["data"]
    assert data["quota"]["quota_type"] == "reply" and data["quota"]["remain"] == "7"
    assert fake.quota(oa)["proactive_used"] == 1


def test_after_48_hours_or_without_message_id_it_is_proactive(setup: Any, clock: Clock) -> None:
    fake, client, oa, token = setup
    citizen_writes(fake, oa, "u1", "m1", clock.now)
    # "Nếu tin gửi đi có chỉ user_id và không có message_id thì tin sẽ được tính là tin chủ động."
    only_user = post(client, token, {"recipient": {"user_id": "u1"}, "message": {"text": "A"}})["data"]
    assert only_user["quota"]["quota_type"] == "sub_quota"
    clock.now += 48 * HOUR + 1
    token = fake.issue_tokens(oa)["access_token"]  # access tokens live 25 hours
    late = post(client, token, {"recipient": {"message_id": "m1"}, "message": {"text": "B"}})["data"]
    assert late["quota"]["quota_type"] == "sub_quota"
    assert [s["tier"] for s in fake.sent(user_id="u1")] == ["proactive", "proactive"]
    assert fake.quota(oa)["proactive_used"] == 2


def test_monthly_proactive_quota_is_enforced_with_minus_211_and_resets_on_the_1st(
    setup: Any, clock: Clock
) -> None:
    fake, client, oa, token = setup
    reply = client.post("/_local/zalo/config", json={"proactive_quota_per_month": 1})
    assert reply.json["proactive_quota_per_month"] == 1
    assert client.post("/_local/zalo/config", json={"proactive_quota_per_month": -1}).status_code == 400
    first = post(client, token, {"recipient": {"user_id": "u1"}, "message": {"text": "A"}})
    assert first["data"]["quota"]["remain"] == "0" and first["data"]["quota"]["total"] == "1"
    refused = post(client, token, {"recipient": {"user_id": "u2"}, "message": {"text": "B"}})
    assert refused["error"] == -211
    # A reply inside the window still goes out: it does not draw on the proactive quota.
    citizen_writes(fake, oa, "u3", "m3", clock.now)
    assert post(client, token, {"recipient": {"message_id": "m3"}, "message": {"text": "C"}})["error"] == 0
    quota = post(client, token, {}, "/_local/zalo/v2.0/oa/quota/message")["data"]
    assert quota == {"type": "active", "remain": 0, "total": 1, "used": 1}
    reply_quota = post(client, token, {"message_id": "m3"}, "/_local/zalo/v2.0/oa/quota/message")["data"]
    assert reply_quota == {"type": "reply", "remain": 7, "total": 8}
    clock.now += 31 * 24 * HOUR  # next month (Vietnam time)
    token = fake.issue_tokens(oa)["access_token"]
    assert post(client, token, {"recipient": {"user_id": "u2"}, "message": {"text": "B"}})["error"] == 0


def test_unknown_or_foreign_message_id_is_a_bad_parameter(setup: Any, clock: Clock) -> None:
    fake, client, _oa, token = setup
    assert (
        post(client, token, {"recipient": {"message_id": "nope"}, "message": {"text": "A"}})["error"] == -201
    )
    citizen_writes(fake, "some-other-oa", "u9", "m9", clock.now)
    assert post(client, token, {"recipient": {"message_id": "m9"}, "message": {"text": "A"}})["error"] == -201


def test_conversation_lists_what_the_oa_sent_newest_first(setup: Any, clock: Clock) -> None:
    _fake, client, _oa, token = setup
    post(client, token, {"recipient": {"user_id": "u1"}, "message": {"text": "Một"}})
    clock.now += 5
    second = post(client, token, {"recipient": {"user_id": "u1"}, "message": {"text": "Hai"}})["data"]
    reply = client.get(
        '/_local/zalo/v2.0/oa/conversation?data={"user_id":"u1","offset":0,"count":5}',
        headers={"access_token": token},
    ).json
    assert [m["message"] for m in reply["data"]] == ["Hai", "Một"]
    assert reply["data"][0]["message_id"] == second["message_id"] and reply["data"][0]["src"] == 0


def test_lost_answer_fault_takes_the_send_then_drops_the_connection(setup: Any, clock: Clock) -> None:
    from localcloud.fake_zalo import _DropConnection

    fake, client, _oa, token = setup
    fake.add_fault({"error": "lost_answer", "count": 1})
    with pytest.raises(_DropConnection):
        client.post(
            CS,
            headers={"access_token": token},
            json={"recipient": {"user_id": "u1"}, "message": {"text": "A"}},
        )
    [record] = fake.sent(user_id="u1")  # Zalo has it
    assert record["body"]["message"] == {"text": "A"}
    assert post(client, token, {"recipient": {"user_id": "u1"}, "message": {"text": "B"}})["error"] == 0
