"""The webhook's acknowledgement path: verify, parse, dedupe, store raw, hand off, answer.

At most two AWS calls per accepted event, both needed for "nothing lost, nothing twice":
1. a conditional put of the event receipt (dedupe marker + raw copy, TTL ~30 days);
2. a send to the inbound FIFO queue (grouped per conversation, deduplicated by the same key).
Secrets come from an in-memory cache. Everything else (logging, followers, cases, counters of
unknown events) happens in the inbound function.

Hostile input (issue 11): a body nested too deeply or not valid UTF-8 never raises; if it is signed it
is kept aside (receipt only, 200), else 400. A signed event outside the freshness window
(`max_event_age_seconds` old, or `future_skew_seconds` ahead) is kept aside too, never processed: see
docs/security.md for why 3 h is safe with Zalo's retries. An envelope that would not fit in a queue
message (SQS: 256 KiB; JSON escaping roughly doubles a body) carries a reference to the receipt, which
holds the raw body, instead of the body.

Status codes: anything the client controls gets 200 or 4xx. The only 5xx is a server-side failure to
hand the event off after its receipt was written: the receipt is deleted again and Zalo is asked to
retry (a 200 would lose the event for good; leaving the receipt would make the retry a "duplicate").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from anninh.clock import iso, utcnow
from anninh.intake.envelope import InboundEnvelope, Kind
from anninh.intake.signature import HEADER, signature_matches
from anninh.intake.store import ReceiptStore
from anninh.observability import logger, metrics
from anninh.zalo.events import InvalidEvent, dedupe_key, message_of, parse_event

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

RECEIPT_TTL_SECONDS = 30 * 24 * 3600
_TOP_FIELD = re.compile(rb'"(app_id|timestamp|event_name)"\s*:\s*"?([0-9A-Za-z_]{1,64})"?')

SQS_MESSAGE_BYTES = 262_144  # SQS's limit for one message (body and attributes)


class SecretSource(Protocol):
    def oa_secret_key(self, app_id: str) -> str | None: ...


class InboundQueue(Protocol):
    def send(self, body: str, group_id: str, deduplication_id: str) -> None: ...


@dataclass
class WebhookRequest:
    body: bytes
    headers: dict[str, str]  # names lower-cased


@dataclass
class WebhookResponse:
    status: int
    body: dict[str, Any]
    event_name: str | None = None
    dedupe_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def decode_body(body: str | None, is_base64: bool) -> bytes:
    """API Gateway gives the body as text or base64; the signature is over the original bytes."""
    if body is None:
        return b""
    if is_base64:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest(400, "malformed_body", "Body is not valid base64.") from exc
    return body.encode("utf-8")


class BadRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _error(status: int, code: str, message: str) -> WebhookResponse:
    return WebhookResponse(status, {"error": {"code": code, "message": message}})


def _is_url_check(body: bytes) -> bool:
    """Zalo's console may POST an unsigned `{}` (or nothing) when the URL is saved."""
    stripped = body.strip()
    if not stripped:
        return True
    try:
        return json.loads(stripped) == {}
    except (ValueError, RecursionError):
        return False


def _fields_of_unparsable(body: bytes) -> dict[str, str]:
    """app_id, timestamp and event_name read without parsing (first occurrence of each name).

    Only used to check the signature of a body json cannot parse; a forged value cannot pass that check.
    """
    found: dict[str, str] = {}
    for m in _TOP_FIELD.finditer(body[:4096]):
        found.setdefault(m.group(1).decode(), m.group(2).decode())
    return found


@dataclass
class Webhook:
    secrets: SecretSource
    receipts: ReceiptStore
    queue: InboundQueue
    max_body_bytes: int = 200_000
    max_event_age_seconds: int | None = 3 * 3600  # None: no freshness check
    future_skew_seconds: int = 600

    def handle(self, request: WebhookRequest, now: datetime | None = None) -> WebhookResponse:
        body = request.body
        if len(body) > self.max_body_bytes:
            metrics.add_metric(name="WebhookRejected", unit="Count", value=1)
            return _error(413, "too_large", f"Body exceeds {self.max_body_bytes} bytes.")
        signature = request.headers.get(HEADER, "").strip()
        if not signature:
            if _is_url_check(body):
                return WebhookResponse(200, {"status": "ok"})
            return _error(401, "unsigned", "Missing X-ZEvent-Signature header.")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond any sense
            return self._unparsable(body, signature, now)
        if not isinstance(data, dict):
            return _error(400, "malformed_json", "Body must be a JSON object.")
        missing = [
            f
            for f in ("app_id", "event_name", "timestamp")
            if not isinstance(data.get(f), str | int)
            or isinstance(data.get(f), bool)
            or str(data.get(f)) == ""
        ]
        if missing:
            return _error(400, "missing_fields", f"Missing or invalid fields: {', '.join(missing)}.")
        app_id, event_name, timestamp = (str(data["app_id"]), str(data["event_name"]), str(data["timestamp"]))
        secret = self.secrets.oa_secret_key(app_id)
        if secret is None:
            metrics.add_metric(name="WebhookRejected", unit="Count", value=1)
            return _error(401, "unknown_app", "Unknown app_id.")
        if not signature_matches(signature, app_id, body, timestamp, secret):
            metrics.add_metric(name="WebhookRejected", unit="Count", value=1)
            return _error(401, "bad_signature", "Signature does not match.")

        received = now or utcnow()
        if self._stale(timestamp, received):
            metrics.add_metric(name="EventsStale", unit="Count", value=1)
            logger.warning(
                "signed event outside the freshness window kept aside", extra={"event_name": event_name}
            )
            return self._keep_aside(
                dedupe_key(event_name, message_of(data), body),
                body,
                event_name,
                app_id,
                kind="stale",
                received=received,
            )
        kind: Kind = "event"
        try:
            event = parse_event(data)
            msg_id = event.msg_id
            group_id = event.conversation().group_id
            if event.family == "unknown":
                kind = "unknown"
        except (InvalidEvent, RecursionError) as exc:
            kind = "invalid"
            msg_id = message_of(data)
            group_id = "invalid"
            logger.warning(
                "event kept aside",
                extra={"event_name": event_name, "errors": getattr(exc, "errors", "nested")},
            )
        if kind != "event":
            metrics.add_metric(
                name="EventsUnknown" if kind == "unknown" else "EventsInvalid", unit="Count", value=1
            )
        key = dedupe_key(event_name, msg_id, body)
        text = body.decode("utf-8", errors="replace")
        item = {
            "type": "event_receipt",
            "event_name": event_name,
            "app_id": app_id,
            "kind": kind,
            "received_at": iso(received),
            "raw": text,
            "expires_at": int(received.timestamp()) + RECEIPT_TTL_SECONDS,
        }
        envelope = InboundEnvelope(
            dedupe_key=key, event_name=event_name, kind=kind, received_at=iso(received), body=text
        )
        message = envelope.model_dump_json()
        if len(message.encode("utf-8")) > SQS_MESSAGE_BYTES:
            # Escaping inside the envelope can double a body: the raw body is in the receipt (written
            # next), so hand the queue a reference instead of refusing the event or failing with a 5xx.
            message = envelope.model_copy(update={"body": "", "body_in_receipt": True}).model_dump_json()
            metrics.add_metric(name="WebhookBodyByReference", unit="Count", value=1)
        if not self.receipts.put_new(key, item):
            metrics.add_metric(name="WebhookDuplicate", unit="Count", value=1)
            return WebhookResponse(200, {"status": "duplicate"}, event_name, key)
        try:
            self.queue.send(message, group_id, hashlib.sha256(key.encode()).hexdigest())
        except Exception:
            logger.exception(
                "inbound hand-off failed; receipt removed so Zalo's retry is accepted",
                extra={"dedupe_key": key},
            )
            try:
                self.receipts.delete(key)
            except Exception:  # the raw copy stays in the receipt; see docs/data-model.md
                logger.exception("could not remove receipt after failed hand-off", extra={"dedupe_key": key})
            metrics.add_metric(name="WebhookHandoffFailed", unit="Count", value=1)
            return _error(503, "handoff_failed", "Temporarily unable to accept the event; please retry.")
        metrics.add_metric(name="WebhookAccepted", unit="Count", value=1)
        status = "accepted" if kind == "event" else "kept_aside"
        return WebhookResponse(200, {"status": status}, event_name, key)

    def _stale(self, timestamp: str, received: datetime) -> bool:
        if self.max_event_age_seconds is None:
            return False
        if not timestamp.isdigit() or len(timestamp) > 16:
            return True
        age = received.timestamp() - int(timestamp) / 1000.0
        return age > self.max_event_age_seconds or age < -self.future_skew_seconds

    def _unparsable(self, body: bytes, signature: str, now: datetime | None) -> WebhookResponse:
        """A body json cannot parse: kept aside when its signature holds (Zalo must not retry), else 400."""
        fields = _fields_of_unparsable(body)
        app_id, timestamp = fields.get("app_id"), fields.get("timestamp")
        secret = self.secrets.oa_secret_key(app_id) if app_id and timestamp else None
        if not (
            app_id and timestamp and secret and signature_matches(signature, app_id, body, timestamp, secret)
        ):
            metrics.add_metric(name="WebhookRejected", unit="Count", value=1)
            return _error(400, "malformed_json", "Body is not valid JSON.")
        metrics.add_metric(name="EventsInvalid", unit="Count", value=1)
        event_name = fields.get("event_name", "unparsable")
        key = dedupe_key(event_name, None, body)
        return self._keep_aside(key, body, event_name, app_id, kind="unparsable", received=now or utcnow())

    def _keep_aside(
        self, key: str, body: bytes, event_name: str, app_id: str, *, kind: str, received: datetime
    ) -> WebhookResponse:
        """Receipt only (raw copy for an operator), no hand-off: the event is not processed."""
        item = {
            "type": "event_receipt",
            "event_name": event_name,
            "app_id": app_id,
            "kind": kind,
            "received_at": iso(received),
            "raw": body.decode("utf-8", errors="replace"),
            "expires_at": int(received.timestamp()) + RECEIPT_TTL_SECONDS,
        }
        if not self.receipts.put_new(key, item):
            metrics.add_metric(name="WebhookDuplicate", unit="Count", value=1)
            return WebhookResponse(200, {"status": "duplicate"}, event_name, key)
        return WebhookResponse(200, {"status": "kept_aside"}, event_name, key)


class SqsInboundQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._sqs = client
        self._url = queue_url

    def send(self, body: str, group_id: str, deduplication_id: str) -> None:
        self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=body,
            MessageGroupId=group_id[:128],
            MessageDeduplicationId=deduplication_id,
        )
