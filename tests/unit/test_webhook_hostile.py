"""Hostile webhook bodies (issue 11, items 6, 8, 9): nothing a stranger or a replay sends breaks us."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from anninh.intake.envelope import InboundEnvelope
from anninh.intake.signature import signature_header
from anninh.intake.webhook import SQS_MESSAGE_BYTES, Webhook, WebhookRequest
from tests.unit.test_intake_webhook import APP_ID, SECRET, Queue, Receipts, Secrets

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _hook() -> tuple[Webhook, Receipts, Queue]:
    receipts, queue = Receipts(), Queue()
    return Webhook(secrets=Secrets(), receipts=receipts, queue=queue, max_body_bytes=200_000), receipts, queue


def _ms(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))


def _signed(raw: bytes, timestamp: str, secret: str = SECRET) -> WebhookRequest:
    return WebhookRequest(
        body=raw, headers={"x-zevent-signature": signature_header(APP_ID, raw, timestamp, secret)}
    )


def _event(at: datetime, msg_id: str = "m-1", text: str = "xin chào") -> dict[str, Any]:
    return {
        "app_id": APP_ID,
        "event_name": "user_send_text",
        "timestamp": _ms(at),
        "sender": {"id": "84001"},
        "recipient": {"id": "2200000000000000001"},
        "message": {"msg_id": msg_id, "text": text},
    }


def _request(body: dict[str, Any]) -> WebhookRequest:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return _signed(raw, body["timestamp"])


def test_a_signed_body_nested_50000_levels_is_kept_aside_not_a_500() -> None:
    hook, receipts, queue = _hook()
    ts = _ms(NOW)
    raw = (
        f'{{"app_id":"{APP_ID}","event_name":"user_send_text","timestamp":"{ts}","message":'.encode()
        + b"[" * 50_000
        + b"]" * 50_000
        + b"}"
    )
    response = hook.handle(_signed(raw, ts), now=NOW)
    assert response.status == 200 and response.body == {"status": "kept_aside"}
    assert [i["kind"] for i in receipts.items.values()] == ["unparsable"] and queue.sent == []
    # The same body unsigned (or wrongly signed) is a plain 400.
    assert hook.handle(WebhookRequest(body=raw, headers={}), now=NOW).status in (400, 401)
    assert hook.handle(_signed(raw, ts, secret="wrong"), now=NOW).status == 400


def test_a_signed_body_that_is_not_utf8_is_kept_aside() -> None:
    hook, _receipts, queue = _hook()
    ts = _ms(NOW)
    head = f'{{"app_id":"{APP_ID}","event_name":"user_send_text","timestamp":"{ts}",'
    raw = (head + '"message":{"text":"').encode()
    raw += b"\xff\xfe\xfa" + b'"}}'
    response = hook.handle(_signed(raw, ts), now=NOW)
    assert response.status == 200 and response.body == {"status": "kept_aside"} and queue.sent == []


def test_a_year_old_signed_event_is_kept_aside_and_not_processed() -> None:
    hook, receipts, queue = _hook()
    old = _event(NOW - timedelta(days=365), msg_id="never-seen")
    response = hook.handle(_request(old), now=NOW)
    assert response.status == 200 and response.body == {"status": "kept_aside"}
    assert queue.sent == [] and [i["kind"] for i in receipts.items.values()] == ["stale"]
    ahead = _event(NOW + timedelta(hours=1), msg_id="from-the-future")
    assert hook.handle(_request(ahead), now=NOW).body == {"status": "kept_aside"} and queue.sent == []


def test_zalos_last_retry_still_lands_inside_the_window() -> None:
    hook, _, queue = _hook()
    # Retries at 30 s, 5 min, 15 min, 30 min and 1 h: the last one arrives ~2 h after the event.
    retried = _event(NOW - timedelta(hours=2, minutes=1), msg_id="retried")
    assert hook.handle(_request(retried), now=NOW).body == {"status": "accepted"} and len(queue.sent) == 1
    skewed = _event(NOW + timedelta(minutes=5), msg_id="skewed-clock")
    assert hook.handle(_request(skewed), now=NOW).body == {"status": "accepted"}


def test_a_body_too_big_for_a_queue_message_is_handed_over_by_reference() -> None:
    hook, receipts, queue = _hook()
    at = datetime.fromtimestamp(time.time(), UTC)
    big = _event(at, msg_id="big", text='"' * 55_000 + "x" * 60_000)  # 170 KB body, 280 KB escaped
    response = hook.handle(_request(big))
    assert response.status == 200 and response.body == {"status": "accepted"}
    body, _, _ = queue.sent[0]
    assert len(body.encode()) <= SQS_MESSAGE_BYTES
    envelope = InboundEnvelope.model_validate_json(body)
    assert envelope.body_in_receipt and envelope.body == ""
    opened = envelope.with_body(lambda key: receipts.items[key]["raw"])
    assert opened.event().message.text == big["message"]["text"]  # type: ignore[union-attr]
