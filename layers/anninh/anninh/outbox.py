"""The one way out: every message to a citizen is put on the outbox queue, never sent inline.

The sender function (functions/sender) takes it from there: interaction window, token refresh,
retries, recording in the conversation. The outbox is FIFO, grouped per conversation, so a citizen
receives replies in the order they were produced; `key` makes enqueueing and sending idempotent.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from anninh import aws
from anninh.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

Origin = Literal["bot", "officer", "system", "reminder"]


class OutboundMessage(BaseModel):
    oa_id: str
    user_id: str
    # The Zalo `message` object as sent to /v3.0/oa/message/cs, e.g. {"text": "..."} or an attachment.
    message: dict[str, Any]
    # Idempotency key: the same key is sent at most once (e.g. "reply:<event_key>:0").
    key: str
    origin: Origin = "bot"
    case_id: str | None = None
    officer: str | None = None  # username of the officer who wrote it
    # Where the message goes when it cannot be delivered (e.g. outside the 7-day window).
    keep_for_officer: bool = True
    meta: dict[str, Any] = Field(default_factory=dict)


def text(oa_id: str, user_id: str, body: str, key: str, **kw: Any) -> OutboundMessage:
    """A plain text consultation message (Zalo caps text at 2,000 characters)."""
    return OutboundMessage(oa_id=oa_id, user_id=user_id, message={"text": body[:2000]}, key=key, **kw)


def _dedup_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:128]


def enqueue(messages: list[OutboundMessage], sqs: SQSClient | None = None) -> None:
    """Put messages on the outbox in order (batches of 10, FIFO grouped per conversation)."""
    if not messages:
        return
    sqs = sqs or aws.client("sqs")
    url = get_settings().outbox_queue_url
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {
                "Id": str(i),
                "MessageBody": m.model_dump_json(),
                "MessageGroupId": f"{m.oa_id}:{m.user_id}",
                "MessageDeduplicationId": _dedup_id(m.key),
            }
            for i, m in enumerate(chunk)
        ]
        result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        if result.get("Failed"):
            raise RuntimeError(f"outbox enqueue failed: {json.dumps(result['Failed'])}")
