"""The webhook function in-process against moto, with the sample events from events/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from anninh import crypto, wiring
from anninh.intake.envelope import InboundEnvelope
from anninh.intake.store import raw_context
from tests.integration.test_inbound_support import post, receive_all, stack_sqs

EVENTS = Path(__file__).resolve().parents[2] / "events"
VALID = sorted(
    p.name
    for p in EVENTS.glob("webhook_*.json")
    if p.stem.removeprefix("webhook_")
    not in {
        "url_check",
        "unsigned",
        "bad_signature",
        "unknown_app",
        "malformed_json",
        "follow_missing_fields",
        "base64_body",
        "signature_uppercase_no_prefix",
    }
)


@pytest.fixture(autouse=True)
def _fresh_webhook(monkeypatch: pytest.MonkeyPatch) -> Any:
    wiring.reset()
    yield
    wiring.reset()


def receipt(stack: Any, key: str) -> dict[str, Any] | None:
    from anninh import aws

    item: dict[str, Any] | None = aws.table().get_item(Key={"PK": f"EVENT#{key}", "SK": "EVENT"}).get("Item")
    return item


def test_every_sample_event_is_accepted_stored_and_queued(aws_stack: Any) -> None:
    sqs = stack_sqs()
    for name in VALID:
        result = post(name)
        assert result["statusCode"] == 200, (name, result)
        assert json.loads(result["body"])["status"] in ("accepted", "kept_aside"), name
    messages = receive_all(sqs, aws_stack.queue_urls["InboundQueue"])
    assert len(messages) == len(VALID)
    envelopes = [json.loads(m["Body"]) for m in messages]
    for envelope in envelopes:
        stored = receipt(aws_stack, envelope["dedupe_key"])
        assert stored is not None and stored["expires_at"] > 1795000000  # a TTL about 30 days out
        # The raw copy is sealed: a table reader sees no citizen text, and it opens only as this
        # receipt's body (docs/security.md).
        assert crypto.is_encrypted(stored["raw"])
        assert "tạm trú" not in json.dumps(stored, default=str, ensure_ascii=False)
        assert (
            crypto.decrypt_text(stored["raw"], context=raw_context(envelope["dedupe_key"]))
            == envelope["body"]
        )
        other = next(e["dedupe_key"] for e in envelopes if e["dedupe_key"] != envelope["dedupe_key"])
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt_text(stored["raw"], context=raw_context(other))
    text = next(e for e in envelopes if e["dedupe_key"].startswith("user_send_text:t-"))
    assert json.loads(text["body"])["message"]["text"] == "Cho tôi hỏi thủ tục đăng ký tạm trú"
    unknown = [e for e in envelopes if e["event_name"] == "some_future_event"]
    assert unknown and unknown[0]["kind"] == "unknown"
    # An envelope that carries a reference instead of its body reads the same body from the receipt.
    by_reference = InboundEnvelope.model_validate(text | {"body": "", "body_in_receipt": True})
    assert by_reference.with_body().body == text["body"]


def test_duplicate_delivery_changes_nothing(aws_stack: Any) -> None:
    sqs = stack_sqs()
    first = post("webhook_user_send_image.json")
    second = post("webhook_user_send_image.json")
    assert json.loads(first["body"]) == {"status": "accepted"}
    assert second["statusCode"] == 200 and json.loads(second["body"]) == {"status": "duplicate"}
    assert len(receive_all(sqs, aws_stack.queue_urls["InboundQueue"])) == 1


def test_base64_and_header_variants_verify(aws_stack: Any) -> None:
    assert post("webhook_base64_body.json")["statusCode"] == 200
    wiring.reset()
    assert json.loads(post("webhook_signature_uppercase_no_prefix.json")["body"]) == {"status": "duplicate"}


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("webhook_unsigned.json", 401, "unsigned"),
        ("webhook_bad_signature.json", 401, "bad_signature"),
        ("webhook_unknown_app.json", 401, "unknown_app"),
        ("webhook_malformed_json.json", 400, "malformed_json"),
    ],
)
def test_bad_requests_store_nothing(aws_stack: Any, name: str, status: int, code: str) -> None:
    result = post(name)
    assert result["statusCode"] == status and json.loads(result["body"])["error"]["code"] == code
    assert receive_all(stack_sqs(), aws_stack.queue_urls["InboundQueue"]) == []


def test_url_check_and_kept_aside(aws_stack: Any) -> None:
    assert post("webhook_url_check.json")["statusCode"] == 200
    kept = post("webhook_follow_missing_fields.json")
    assert kept["statusCode"] == 200 and json.loads(kept["body"]) == {"status": "kept_aside"}


def test_ack_path_makes_at_most_two_aws_calls_when_warm(aws_stack: Any) -> None:
    from anninh import aws

    post("webhook_follow.json")  # warm: secrets cached, clients created, the receipt's data key made
    calls: list[str] = []

    def count(event_name: str, **kwargs: Any) -> None:
        calls.append(event_name.split(".", 1)[1])

    for service in ("dynamodb", "sqs", "secretsmanager", "kms"):  # sealing the receipt asks KMS nothing
        aws.client(service).meta.events.register("before-call", count)
    result = post("webhook_user_send_video.json")
    assert result["statusCode"] == 200
    assert calls == ["dynamodb.PutItem", "sqs.SendMessage"]
    calls.clear()
    post("webhook_user_send_video.json")  # duplicate: one call
    assert calls == ["dynamodb.PutItem"]


def test_a_receipt_written_before_sealing_still_hands_over_its_body(aws_stack: Any) -> None:
    """Receipts live 30 days: one stored in plain form by the previous version still opens."""
    from anninh import aws, keys
    from anninh.intake.store import receipt_body

    body = '{"event_name":"user_send_text","message":{"text":"Cho tôi hỏi"}}'
    aws.table().put_item(Item={**keys.event_receipt("user_send_text:old-1"), "raw": body})
    envelope = InboundEnvelope(
        dedupe_key="user_send_text:old-1",
        event_name="user_send_text",
        kind="event",
        received_at="2026-11-29T00:00:00.000Z",
        body="",
        body_in_receipt=True,
    )
    assert envelope.with_body().body == body == receipt_body("user_send_text:old-1")
