"""What the webhook hands to the inbound queue: the raw event plus what the webhook learned of it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel

from anninh.zalo.events import ZaloEvent, parse_event

Kind = Literal["event", "unknown", "invalid"]


class InboundEnvelope(BaseModel):
    dedupe_key: str
    event_name: str
    kind: Kind  # "unknown": name we do not know; "invalid": known name, wrong shape (kept aside)
    received_at: str  # ISO UTC, when the webhook accepted it
    body: str  # the raw request body, as signed ("" when body_in_receipt)
    # The body would not fit in a queue message (SQS: 256 KiB): read it from the event receipt.
    body_in_receipt: bool = False

    def with_body(self, loader: Callable[[str], str] | None = None) -> InboundEnvelope:
        """The envelope with its body, read from the receipt when the webhook left a reference."""
        if not self.body_in_receipt:
            return self
        return self.model_copy(
            update={"body": (loader or receipt_body)(self.dedupe_key), "body_in_receipt": False}
        )

    def data(self) -> dict[str, Any]:
        value = json.loads(self.body)
        return value if isinstance(value, dict) else {}

    def event(self) -> ZaloEvent:
        return parse_event(self.data())


def receipt_body(dedupe_key: str) -> str:
    from anninh.intake.store import receipt_body as read

    return read(dedupe_key)
