"""The webhook's acknowledgement path with in-memory ports: status codes, dedupe, hand-off, undo."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from anninh.intake.envelope import InboundEnvelope
from anninh.intake.secrets import AppSecretCache
from anninh.intake.signature import signature_header
from anninh.intake.webhook import BadRequest, Webhook, WebhookRequest, decode_body
from anninh.registry import App

APP_ID, SECRET = "1100000000000000001", "oa-secret-key"


class Receipts:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.calls = 0

    def put_new(self, key: str, item: dict[str, Any]) -> bool:
        self.calls += 1
        if key in self.items:
            return False
        self.items[key] = item
        return True

    def delete(self, key: str) -> None:
        self.calls += 1
        self.items.pop(key, None)


class Queue:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.fail = fail

    def send(self, body: str, group_id: str, deduplication_id: str) -> None:
        if self.fail:
            raise RuntimeError("sqs down")
        self.sent.append((body, group_id, deduplication_id))


class Secrets:
    def __init__(self) -> None:
        self.lookups = 0

    def oa_secret_key(self, app_id: str) -> str | None:
        self.lookups += 1
        return SECRET if app_id == APP_ID else None


def make(queue: Queue | None = None) -> tuple[Webhook, Receipts, Queue]:
    receipts, q = Receipts(), queue or Queue()
    # Fixed event timestamps here: freshness has its own tests (tests/unit/test_webhook_hostile.py).
    hook = Webhook(
        secrets=Secrets(), receipts=receipts, queue=q, max_body_bytes=200_000, max_event_age_seconds=None
    )
    return hook, receipts, q


def text_event(msg_id: str = "m-1", text: str = "xin chào") -> dict[str, Any]:
    return {
        "app_id": APP_ID,
        "event_name": "user_send_text",
        "timestamp": "1795000000000",
        "sender": {"id": "84001"},
        "recipient": {"id": "2200000000000000001"},
        "message": {"msg_id": msg_id, "text": text},
    }


def signed_request(body: dict[str, Any] | bytes, secret: str = SECRET) -> WebhookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    data = json.loads(raw)
    return WebhookRequest(
        body=raw,
        headers={
            "x-zevent-signature": signature_header(str(data["app_id"]), raw, str(data["timestamp"]), secret)
        },
    )


def test_signed_event_is_stored_and_handed_off_once() -> None:
    hook, receipts, queue = make()
    response = hook.handle(signed_request(text_event()))
    assert response.status == 200 and response.body == {"status": "accepted"}
    assert list(receipts.items) == ["user_send_text:m-1"]
    assert receipts.items["user_send_text:m-1"]["raw"].startswith('{"app_id"')
    assert receipts.calls == 1 and len(queue.sent) == 1
    body, group, dedup = queue.sent[0]
    envelope = InboundEnvelope.model_validate_json(body)
    assert envelope.dedupe_key == "user_send_text:m-1" and envelope.kind == "event"
    assert group == "2200000000000000001:84001" and len(dedup) == 64


def test_duplicate_delivery_changes_nothing() -> None:
    hook, receipts, queue = make()
    hook.handle(signed_request(text_event()))
    again = hook.handle(signed_request(text_event()))
    assert again.status == 200 and again.body == {"status": "duplicate"}
    assert len(queue.sent) == 1 and len(receipts.items) == 1


@pytest.mark.parametrize(
    ("request_", "status", "code"),
    [
        (WebhookRequest(body=b'{"app_id":"1"}', headers={}), 401, "unsigned"),
        (WebhookRequest(body=b"not json", headers={"x-zevent-signature": "mac=00"}), 400, "malformed_json"),
        (WebhookRequest(body=b"[1,2]", headers={"x-zevent-signature": "mac=00"}), 400, "malformed_json"),
        (
            WebhookRequest(body=b'{"app_id":"1","timestamp":"1"}', headers={"x-zevent-signature": "mac=00"}),
            400,
            "missing_fields",
        ),
        (
            WebhookRequest(
                body=b'{"app_id":true,"event_name":"x","timestamp":"1"}',
                headers={"x-zevent-signature": "mac=00"},
            ),
            400,
            "missing_fields",
        ),
    ],
)
def test_client_errors_are_4xx_with_a_reason(request_: WebhookRequest, status: int, code: str) -> None:
    hook, receipts, queue = make()
    response = hook.handle(request_)
    assert response.status == status and response.body["error"]["code"] == code
    assert not receipts.items and not queue.sent


def test_bad_signature_and_unknown_app_are_401() -> None:
    hook, receipts, queue = make()
    assert hook.handle(signed_request(text_event(), secret="wrong")).body["error"]["code"] == "bad_signature"
    other = {**text_event(), "app_id": "999"}
    response = hook.handle(signed_request(other))
    assert response.status == 401 and response.body["error"]["code"] == "unknown_app"
    assert not receipts.items and not queue.sent


def test_oversized_body_is_413_before_anything_else() -> None:
    hook, receipts, _ = make()
    big = text_event(text="x" * 210_000)
    response = hook.handle(signed_request(big))
    assert response.status == 413 and not receipts.items


def test_unsigned_empty_object_is_the_url_check() -> None:
    hook, receipts, queue = make()
    for body in (b"{}", b"", b" { } "):
        assert hook.handle(WebhookRequest(body=body, headers={})).status == 200
    assert not receipts.items and not queue.sent


def test_unknown_event_is_accepted_kept_and_handed_off() -> None:
    hook, receipts, queue = make()
    response = hook.handle(
        signed_request(
            {
                "app_id": APP_ID,
                "event_name": "brand_new_event",
                "timestamp": "1",
                "oa_id": "2200000000000000001",
            }
        )
    )
    assert response.status == 200 and response.body == {"status": "kept_aside"}
    (item,) = receipts.items.values()
    assert item["kind"] == "unknown"
    assert InboundEnvelope.model_validate_json(queue.sent[0][0]).kind == "unknown"


def test_known_name_with_wrong_shape_is_kept_aside_not_rejected() -> None:
    hook, receipts, _ = make()
    response = hook.handle(signed_request({"app_id": APP_ID, "event_name": "follow", "timestamp": "1"}))
    assert response.status == 200 and response.body == {"status": "kept_aside"}
    assert next(iter(receipts.items.values()))["kind"] == "invalid"


def test_queue_failure_removes_the_receipt_and_asks_zalo_to_retry() -> None:
    hook, receipts, _ = make(Queue(fail=True))
    response = hook.handle(signed_request(text_event()))
    assert response.status == 503 and not receipts.items
    # Zalo's retry (same body) is then accepted, not treated as a duplicate.
    hook.queue = Queue()
    assert hook.handle(signed_request(text_event())).body == {"status": "accepted"}


def test_base64_bodies_are_verified_on_the_decoded_bytes() -> None:
    raw = json.dumps(text_event(text="Báo tin có trộm"), ensure_ascii=False).encode()
    assert decode_body(base64.b64encode(raw).decode(), True) == raw
    with pytest.raises(BadRequest):
        decode_body("***", True)


def test_secret_cache_fetches_once_per_ttl_and_rate_limits_misses() -> None:
    now = [0.0]
    loads = []

    def loader() -> list[App]:
        loads.append(now[0])
        return [App(app_id=APP_ID, app_secret="s", oa_secret_key=SECRET)]

    cache = AppSecretCache(loader, ttl=300, miss_refresh_interval=30, clock=lambda: now[0])
    for _ in range(100):
        assert cache.oa_secret_key(APP_ID) == SECRET
    assert len(loads) == 1
    for i in range(50):  # random unknown apps: at most one reload per interval
        now[0] = 1 + i * 0.1
        assert cache.oa_secret_key(f"unknown-{i}") is None
    assert len(loads) == 1
    now[0] = 40
    cache.oa_secret_key("unknown-x")
    assert len(loads) == 2
    now[0] = 400
    cache.oa_secret_key(APP_ID)
    assert len(loads) == 3
