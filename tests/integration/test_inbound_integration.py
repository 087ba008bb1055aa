"""Webhook -> inbound queue -> inbound function against moto: conversation log, followers, tip cases."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key

from anninh import alerts, aws, conversations, followers, wiring
from anninh.cases import store
from anninh.clock import from_millis, iso
from anninh.intake.envelope import InboundEnvelope
from anninh.intake.pipeline import default_pipeline
from anninh.settings import get_settings
from anninh.zalo.events import dedupe_key
from tests.conftest import load_event
from tests.integration.test_inbound_support import (
    FakeBot,
    as_sqs_event,
    drain_inbound,
    post,
    receive_all,
    reset_bot,
    stack_sqs,
    use_bot,
)

DISTRICT_OA, WARD_OA = "2200000000000000000", "2200000000000000001"
TIPSTER, CITIZEN = "8400000000000000042", "8400000000000000001"
T0 = 1795000000000


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Any:
    wiring.reset()
    yield
    wiring.reset()
    reset_bot()


def day_counters(oa_id: str, day: str = "2026-11-18") -> dict[str, int]:
    """The OA's counters for a Vietnam day, summed over its items (however the stats area keys them)."""
    items = (
        aws.table()
        .query(KeyConditionExpression=Key("PK").eq(f"STATS#{day}") & Key("SK").begins_with(f"OA#{oa_id}"))
        .get("Items", [])
    )
    totals: dict[str, int] = {}
    for item in items:
        for name, value in item.items():
            if isinstance(value, Decimal):
                totals[name] = totals.get(name, 0) + int(value)
    return totals


def outbox_texts(stack: Any) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in receive_all(stack_sqs(), stack.queue_urls["OutboxQueue"])]


def cases_of(unit_id: str) -> list[Any]:
    return store.default_store().list_unit_cases(unit_id)


def envelope_for(body: dict[str, Any]) -> InboundEnvelope:
    raw = json.dumps({"app_id": "1100000000000000001", **body}, ensure_ascii=False).encode()
    key = dedupe_key(body["event_name"], (body.get("message") or {}).get("msg_id"), raw)
    return InboundEnvelope(
        dedupe_key=key,
        event_name=body["event_name"],
        kind="event",
        received_at="2026-11-18T00:00:00.000Z",
        body=raw.decode(),
    )


def text_body(
    user: str, text: str, ts: int, oa: str = DISTRICT_OA, msg_id: str | None = None
) -> dict[str, Any]:
    return {
        "event_name": "user_send_text",
        "timestamp": str(ts),
        "sender": {"id": user},
        "recipient": {"id": oa},
        "message": {"msg_id": msg_id or f"m-{user}-{ts}", "text": text},
    }


def test_text_photo_location_within_the_window_is_one_case(aws_stack: Any) -> None:
    use_bot(FakeBot())
    for name in ("webhook_tip_text.json", "webhook_tip_image.json", "webhook_tip_location.json"):
        assert post(name)["statusCode"] == 200
    sqs = stack_sqs()
    queued = receive_all(sqs, aws_stack.queue_urls["InboundQueue"])
    assert len(queued) == 3
    event = as_sqs_event(queued, "arn:aws:sqs:ap-southeast-1:123456789012:anninh-local-InboundQueue.fifo")
    from localcloud.lambdas import invoke

    assert invoke("InboundFunction", event) == {"batchItemFailures": []}

    # One case, opened on the district OA, moved to Hiệp Tân by the location that followed.
    assert cases_of("tan-phu") == []
    (case,) = cases_of("p-hiep-tan")
    assert case.code == "TP-2611-0001" and case.routing == "location" and case.origin_unit_id == "tan-phu"
    assert case.summary == "có nhóm thanh niên tụ tập đua xe trước chợ"
    assert (
        case.media_count == 1
        and case.location is not None
        and case.location.latitude == pytest.approx(10.7747)
    )
    assert case.pseudonym.startswith("Công dân ") and TIPSTER not in case.pseudonym
    assert store.default_store().find_by_code("tp-2611-0001") is not None
    (media,) = store.default_store().list_media(case.case_id)
    assert media["status"] == "pending" and media["url"].endswith("/tip.jpg")
    jobs = [json.loads(m["Body"]) for m in receive_all(sqs, aws_stack.queue_urls["MediaQueue"])]
    assert jobs == [
        {
            "case_id": case.case_id,
            "sk": media["SK"],
            "media_id": media["media_id"],
            "kind": "image",
            "url": media["url"],
        }
    ]

    # The citizen gets the code back, politely, once.
    replies = outbox_texts(aws_stack)
    assert len(replies) == 1 and replies[0]["user_id"] == TIPSTER and replies[0]["oa_id"] == DISTRICT_OA
    assert "Mã tin báo: TP-2611-0001" in replies[0]["message"]["text"]
    assert "tra cứu TP-2611-0001" in replies[0]["message"]["text"]

    # All three messages are in the conversation, in order.
    messages, _ = conversations.service().list_messages(DISTRICT_OA, TIPSTER)
    assert [m.kind for m in messages] == ["text", "image", "location"]
    state = conversations.service().get_state(DISTRICT_OA, TIPSTER)
    assert state is not None and state.open_case_id == case.case_id and state.conversation_id

    # Redelivery of the whole batch: nothing changes.
    assert invoke("InboundFunction", event) == {"batchItemFailures": []}
    (again,) = cases_of("p-hiep-tan")
    assert (again.media_count, again.texts) == (1, case.texts)
    assert len(store.default_store().list_media(case.case_id)) == 1
    assert len(conversations.service().list_messages(DISTRICT_OA, TIPSTER)[0]) == 3
    assert store.default_store().next_sequence("TP", "2611") == 2  # no second code was drawn


def test_urgent_tip_alerts_the_unit_and_tells_the_citizen_to_call_113(aws_stack: Any) -> None:
    use_bot(FakeBot())
    post("webhook_tip_urgent.json")
    drain_inbound(aws_stack)
    (case,) = cases_of("p-phu-thanh")  # "phường Phú Thạnh" in the text
    assert case.urgent and set(case.urgent_terms) >= {"dao", "đánh nhau"} and case.routing == "address"
    (alert,) = alerts.list_for_units(["p-phu-thanh"], open_only=False)
    assert alert["case_id"] == case.case_id and "Tin báo khẩn" not in str(alert)  # sealed at rest
    assert "Tin báo khẩn" in alerts.view(alert)["text"]
    assert alert["class"] == "violence" and case.emergency_class == "violence"
    texts = [r["message"]["text"] for r in outbox_texts(aws_stack)]
    # The number to call comes first, then the acknowledgement with the code.
    assert len(texts) == 2 and "gọi ngay 113" in texts[0] and case.code in texts[1]


def test_emergency_without_a_tip_phrase_opens_an_urgent_case(aws_stack: Any) -> None:
    pipeline = default_pipeline(bot=FakeBot())
    outcome = pipeline.process(envelope_for(text_body(TIPSTER, "cứu với có người đang đánh tôi", T0)))
    assert outcome.tip is not None and outcome.tip.opened and outcome.tip.emergency == "violence"
    (case,) = cases_of("tan-phu")
    assert case.urgent and case.emergency_class == "violence"
    first, ack = [r["message"]["text"] for r in outbox_texts(aws_stack)]
    assert "gọi ngay 113" in first and case.code in ack

    pipeline.process(envelope_for(text_body(CITIZEN, "chay nha roi cuu voi", T0 + 1000)))
    fire = next(c for c in cases_of("tan-phu") if c.user_id == CITIZEN)
    assert fire.emergency_class == "fire"
    assert "gọi ngay 114" in outbox_texts(aws_stack)[0]["message"]["text"]
    # A harmless sentence with a scary word goes to the bot, not to an officer.
    outcome = pipeline.process(envelope_for(text_body("8400000000000000777", "đánh răng xong mới ăn", T0)))
    assert outcome.action == "bot"


def test_lookup_only_reveals_ones_own_tip(aws_stack: Any) -> None:
    pipeline = default_pipeline(bot=FakeBot())
    pipeline.process(envelope_for(text_body(TIPSTER, "Báo tin có trộm xe", T0)))
    code = cases_of("tan-phu")[0].code
    outbox_texts(aws_stack)
    pipeline.process(envelope_for(text_body(TIPSTER, f"tra cứu {code}", T0 + 1000)))
    pipeline.process(envelope_for(text_body("8400000000000000999", f"tra cứu {code}", T0 + 2000)))
    pipeline.process(envelope_for(text_body("8400000000000000999", "tra cứu TP-2611-9999", T0 + 3000)))
    own, other, missing = [r["message"]["text"] for r in outbox_texts(aws_stack)]
    assert code in own and "Mới tiếp nhận" in own
    assert other == missing and code not in other


def test_follow_info_tags_withdraw_and_interaction(aws_stack: Any) -> None:
    use_bot(FakeBot())
    for name in ("follow", "user_submit_info_full_address", "add_user_to_tag", "user_send_sticker"):
        post(f"webhook_{name}.json")
    drain_inbound(aws_stack)
    follower = followers.get_follower(WARD_OA, CITIZEN)
    assert follower is not None and follower.following and follower.source == "oa_profile"
    assert follower.tags == ["to-dan-pho-3"]
    # Sealed at rest (a short name like "An" may occur in random ciphertext by chance; the full one cannot).
    assert follower.shared_info["name"]["v"] == 2 and "Nguyễn Văn An" not in str(follower.shared_info)
    assert follower.decrypted_info()["name"] == "Nguyễn Văn An"
    # Events arrive out of order; the latest (the shared info, 1.5 s after the sticker) wins.
    assert follower.last_interaction_at == iso(from_millis(T0 + 1500))
    since = from_millis(T0) - timedelta(days=7)
    assert [f.user_id for f in followers.iter_followers(WARD_OA, interacted_since=since)] == [CITIZEN]
    assert list(followers.iter_followers(WARD_OA, tags=["other"])) == []

    for name in ("remove_tag", "user_withdraw", "unfollow"):
        post(f"webhook_{name}.json")
    drain_inbound(aws_stack)
    follower = followers.get_follower(WARD_OA, CITIZEN)
    assert follower is not None and follower.withdrawn and follower.shared_info == {}
    assert follower.tags == [] and not follower.following
    stats = day_counters(WARD_OA)
    assert stats.get("follows") == 1 and stats.get("unfollows") == 1


def test_echoes_and_our_own_sends_are_recorded_once(aws_stack: Any) -> None:
    echo = json.loads(load_event("webhook_oa_send_text.json")["body"])
    at = from_millis(echo["timestamp"]) - timedelta(seconds=1)
    assert conversations.service().record_outbound(
        WARD_OA,
        CITIZEN,
        at,
        echo["message"]["msg_id"],
        {"text": echo["message"]["text"]},
        "bot",
        message_key="bot:x:0",
    )
    for name in ("oa_send_text", "oa_send_text_admin"):
        post(f"webhook_{name}.json")
    drain_inbound(aws_stack)
    messages, _ = conversations.service().list_messages(WARD_OA, CITIZEN)
    assert [(m.direction, m.origin) for m in messages] == [("out", "bot"), ("out", "admin")]


def test_bot_answers_plain_text_and_hands_off(aws_stack: Any) -> None:
    bot = FakeBot()
    use_bot(bot)
    post("webhook_user_send_text.json")
    drain_inbound(aws_stack)
    assert bot.turns and bot.turns[0].text == "Cho tôi hỏi thủ tục đăng ký tạm trú"
    assert [r["key"] for r in outbox_texts(aws_stack)] == [f"bot:{bot.turns[0].event_key}:0"]
    state = conversations.service().get_state(WARD_OA, CITIZEN)
    assert state is not None and state.bot == {"turns": 1} and not state.handed_off
    pipeline = default_pipeline(bot=bot)
    pipeline.process(envelope_for(text_body(CITIZEN, "cho tôi gặp cán bộ", T0 + 5000, oa=WARD_OA)))
    pipeline.process(envelope_for(text_body(CITIZEN, "menu", T0 + 6000, oa=WARD_OA)))  # not a question
    handoffs = conversations.service().list_handoffs("p-hiep-tan")
    assert [h.user_id for h in handoffs] == [CITIZEN]
    stats = day_counters(WARD_OA)
    assert stats.get("inquiries") == 2 and stats.get("bot_answered") == 1 and stats.get("handed_off") == 1


def test_blocked_citizen_is_logged_without_a_case(aws_stack: Any) -> None:
    store.default_store().block(DISTRICT_OA, TIPSTER, "spam", "tanphu.canbo", from_millis(T0))
    pipeline = default_pipeline(bot=FakeBot())
    pipeline.process(envelope_for(text_body(TIPSTER, "báo tin linh tinh", T0)))
    assert cases_of("tan-phu") == []
    assert len(conversations.service().list_messages(DISTRICT_OA, TIPSTER)[0]) == 1


def test_rate_limit_caps_new_cases_per_hour(aws_stack: Any) -> None:
    settings = get_settings().model_copy(update={"case_window_minutes": 1, "case_rate_limit_per_hour": 3})
    pipeline = default_pipeline(bot=FakeBot())
    pipeline.ports.settings = settings
    outcomes = [
        pipeline.process(envelope_for(text_body(TIPSTER, f"báo tin số {i}", T0 + i * 120_000)))
        for i in range(4)
    ]
    assert [o.tip.opened for o in outcomes if o.tip] == [True, True, True, False]
    assert outcomes[-1].tip is not None and outcomes[-1].tip.rate_limited
    assert len(cases_of("tan-phu")) == 3
    assert "nhiều tin báo" in outbox_texts(aws_stack)[-1]["message"]["text"]


def test_unknown_and_anonymous_events_are_kept_and_counted(aws_stack: Any) -> None:
    use_bot(FakeBot())
    for name in ("unknown_event", "anonymous_send_text", "follow_missing_fields"):
        post(f"webhook_{name}.json")
    assert drain_inbound(aws_stack) == [{"batchItemFailures": []}]
    messages, _ = conversations.service().list_messages(WARD_OA, "anon:conv-anon-0001")
    assert [m.text for m in messages] == ["Cho hỏi giờ làm việc"]
    assert day_counters(WARD_OA).get("events_unknown") == 1


def test_message_with_several_files_opens_one_case_with_each_file(aws_stack: Any) -> None:
    urls = [
        "http://169.254.169.254/latest/meta-data/",
        "https://photo-stal-1.zdn.vn/a.pdf",
        "file:///etc/passwd",
    ]
    body = {
        "event_name": "user_send_file",
        "timestamp": str(T0),
        "sender": {"id": TIPSTER},
        "recipient": {"id": DISTRICT_OA},
        "message": {
            "msg_id": "files-1",
            "attachments": [
                {"type": "file", "payload": {"url": u, "name": f"f{i}.pdf"}} for i, u in enumerate(urls)
            ],
        },
    }
    outcome = default_pipeline(bot=FakeBot()).process(envelope_for(body))
    assert outcome.tip is not None and outcome.tip.opened
    (case,) = cases_of("tan-phu")
    assert case.media_count == 3 and case.summary == "[Tệp đính kèm]"
    assert sorted(m["url"] for m in store.default_store().list_media(case.case_id)) == sorted(urls)
    assert len(receive_all(stack_sqs(), aws_stack.queue_urls["MediaQueue"])) == 3


def test_bare_opener_asks_for_details_and_the_next_text_becomes_the_tip(aws_stack: Any) -> None:
    pipeline = default_pipeline(bot=FakeBot())
    pipeline.process(envelope_for(text_body(TIPSTER, "Báo tin", T0)))
    pipeline.process(envelope_for(text_body(TIPSTER, "Có người lạ cạy cửa nhà số 5 hẻm 12", T0 + 30_000)))
    (case,) = cases_of("tan-phu")
    assert case.summary == "Có người lạ cạy cửa nhà số 5 hẻm 12" and case.texts == [case.summary]
    (ack,) = outbox_texts(aws_stack)
    assert "vui lòng mô tả sự việc" in ack["message"]["text"] and case.code in ack["message"]["text"]


def test_second_report_of_the_same_incident_suggests_the_first(aws_stack: Any) -> None:
    pipeline = default_pipeline(bot=FakeBot())
    pipeline.process(envelope_for(text_body(TIPSTER, "Báo tin: cháy lớn ở kho hàng đường Lũy Bán Bích", T0)))
    pipeline.process(
        envelope_for(
            text_body("8400000000000000077", "bao tin kho hang duong luy ban bich chay lon", T0 + 60_000)
        )
    )
    second, first = cases_of("tan-phu")  # newest first
    assert second.extra.get("possible_duplicates") == [first.code]
    assert "possible_duplicates" not in first.extra
