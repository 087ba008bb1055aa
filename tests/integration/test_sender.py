"""SenderFunction against moto and a strict fake Zalo: faults, idempotency, the 7-day window, order."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from anninh import aws, followers, keys
from anninh.clock import utcnow, vn_day
from anninh.outbox import OutboundMessage, enqueue, text
from anninh.sending import OutboxSender, RetryPolicy, list_undelivered, set_default_sender
from anninh.settings import get_settings
from anninh.zalo.tokens import TokenStore
from localcloud.lambdas import invoke
from localcloud.pollers import failed_ids, lambda_record
from tests.integration.test_tokens import OA_ID, FakeZalo, seed_tokens

USER = "8800000000000000042"
UNIT = "p-hiep-tan"


@pytest.fixture
def fake(aws_stack: Any) -> Iterator[FakeZalo]:
    zalo = FakeZalo()
    seed_tokens(TokenStore(client=zalo.client()))
    followers.touch_interaction(OA_ID, USER, utcnow() - timedelta(hours=2))
    set_default_sender(make_sender(zalo))
    yield zalo
    set_default_sender(None)


def make_sender(zalo: FakeZalo, policy: RetryPolicy | None = None) -> OutboxSender:
    # No real sleeping, and SQS backoff of 0 s so redeliveries come at once in the test.
    return OutboxSender(
        zalo=zalo.client(),
        tokens=TokenStore(client=zalo.client()),
        policy=policy or RetryPolicy(queue_min=0, queue_base=0.001),
        sleep=lambda seconds: None,
        rng=random.Random(11),
    )


def reply(n: int = 0, body: str = "Công an phường Hiệp Tân đã nhận tin báo của bạn.") -> OutboundMessage:
    return text(OA_ID, USER, body, key=f"bot:evt-{n}:0")


def run_sender(max_rounds: int = 20) -> list[dict[str, Any]]:
    """What Lambda's event source mapping does: receive, invoke, delete what succeeded."""
    sqs = aws.client("sqs")
    url = get_settings().outbox_queue_url
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    results = []
    for _ in range(max_rounds):
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
            "Messages", []
        )
        if not received:
            break
        event = {"Records": [lambda_record(m, arn, "ap-southeast-1") for m in received]}
        result = invoke("SenderFunction", event)
        results.append(result)
        failed = failed_ids(result, [m["MessageId"] for m in received], report_failures=True)
        for m in received:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return results


def outbox_record(key: str) -> dict[str, Any]:
    return aws.table().get_item(Key=keys.outbox_record(key))["Item"]


def conversation() -> list[Any]:
    from anninh import conversations

    return [m for m in conversations.service().list_messages(OA_ID, USER)[0] if m.direction == "out"]


def messages_out_today() -> int:
    stats = aws.table().query(
        KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": f"STATS#{vn_day(utcnow())}"}
    )["Items"]
    return sum(int(i.get("messages_out", 0)) for i in stats if i.get("oa_id") == OA_ID)


def sent_texts(zalo: FakeZalo) -> list[str]:
    return [s["body"]["message"]["text"] for s in zalo.sent]


def test_token_error_then_rate_limits_then_network_error_deliver_exactly_once(fake: FakeZalo) -> None:
    fake.faults = [-216, -32, -32, -32, -32, -32, "network"]
    enqueue([reply()])
    rounds = run_sender()
    assert fake.faults == []  # every injected fault was met
    assert sent_texts(fake) == ["Công an phường Hiệp Tân đã nhận tin báo của bạn."]
    assert fake.refresh_tokens_used == ["R0"]  # one refresh for the -216
    assert len(rounds) >= 2  # transient failures went back to the queue at least once
    record = outbox_record("bot:evt-0:0")
    assert record["status"] == "sent"
    assert record["message_id"] == fake.sent[0]["message_id"]
    # The conversation shows the reply with Zalo's message id; the day's figures count it once.
    assert [(m.direction, m.msg_id, m.message_key, m.text) for m in conversation()] == [
        ("out", fake.sent[0]["message_id"], "bot:evt-0:0", "Công an phường Hiệp Tân đã nhận tin báo của bạn.")
    ]
    assert messages_out_today() == 1


def test_no_interaction_error_is_recorded_and_not_retried(fake: FakeZalo) -> None:
    fake.faults = [-230]
    enqueue([reply()])
    run_sender()
    assert fake.sent == []
    assert len([c for c in fake.calls if "/oa/message/" in c]) == 1  # never retried
    assert outbox_record("bot:evt-0:0")["status"] == "undeliverable_window"
    kept = list_undelivered(UNIT)
    assert [k["key"] for k in kept] == ["bot:evt-0:0"]
    assert kept[0]["message"] == {"text": "Công an phường Hiệp Tân đã nhận tin báo của bạn."}
    assert kept[0]["error_code"] == -230
    assert kept[0]["cause"] == "window"
    assert "7 ngày" in kept[0]["label"]  # officers read why, in Vietnamese


def test_blocked_recipient_is_recorded_and_not_retried(fake: FakeZalo) -> None:
    fake.faults = [-213]
    enqueue([reply()])
    run_sender()
    assert fake.sent == []
    assert len(fake.calls) == 1
    record = outbox_record("bot:evt-0:0")
    assert (record["status"], int(record["error_code"])) == ("failed", -213)


def test_redelivered_outbox_item_is_not_sent_twice(fake: FakeZalo) -> None:
    msg = reply()
    enqueue([msg])
    run_sender()
    # The same item again (a redelivery after the FIFO dedup window, or a producer retry).
    aws.client("sqs").send_message(
        QueueUrl=get_settings().outbox_queue_url,
        MessageBody=msg.model_dump_json(),
        MessageGroupId=f"{OA_ID}:{USER}",
        MessageDeduplicationId="redelivery-1",
    )
    run_sender()
    assert len(fake.sent) == 1
    assert len(conversation()) == 1  # the repeated bookkeeping did not duplicate the history
    assert messages_out_today() == 1


def test_outside_the_window_is_not_sent_but_kept_for_officers(fake: FakeZalo) -> None:
    other = "8800000000000000077"
    followers.touch_interaction(OA_ID, other, utcnow() - timedelta(days=8))
    enqueue(
        [
            text(
                OA_ID,
                other,
                "Cán bộ phản hồi: mời anh đến trụ sở.",
                key="reply:c1:1",
                origin="officer",
                officer="hieptan.canbo",
                case_id="case-1",
            )
        ]
    )
    run_sender()
    assert fake.calls == []  # Zalo not even asked
    kept = list_undelivered(UNIT)
    assert len(kept) == 1
    assert kept[0]["status"] == "undeliverable_window"
    assert (kept[0]["case_id"], kept[0]["officer"]) == ("case-1", "hieptan.canbo")
    assert kept[0]["message"]["text"] == "Cán bộ phản hồi: mời anh đến trụ sở."


def test_a_failed_reply_holds_back_the_next_one_so_order_is_kept(fake: FakeZalo) -> None:
    fake.faults = [-32, -32, -32]  # the first reply's inline attempts all fail
    enqueue([reply(1, "Thứ nhất"), reply(2, "Thứ hai")])
    rounds = run_sender()
    assert fake.faults == []
    assert len(rounds) >= 2
    assert sent_texts(fake) == ["Thứ nhất", "Thứ hai"]


def test_transient_failure_waits_its_backoff_on_the_queue(fake: FakeZalo) -> None:
    set_default_sender(make_sender(fake, RetryPolicy()))  # production backoff: at least 1 s
    fake.faults = [-32, -32, -32]
    enqueue([reply()])
    results = run_sender(max_rounds=3)
    assert len(results) == 1  # not handed out again at once: its visibility was set to the backoff
    assert results[0]["batchItemFailures"]
    assert outbox_record("bot:evt-0:0")["status"] == "retrying"
    assert fake.sent == []
