"""What the webhook hands to the inbound queue: the raw event plus what the webhook learned of it."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from anninh.intake.events import ZaloEvent, parse_event

Kind = Literal["event", "unknown", "invalid"]


class InboundEnvelope(BaseModel):
    dedupe_key: str
    event_name: str
    kind: Kind  # "unknown": name we do not know; "invalid": known name, wrong shape (kept aside)
    received_at: str  # ISO UTC, when the webhook accepted it
    body: str  # the raw request body, as signed

    def data(self) -> dict[str, Any]:
        value = json.loads(self.body)
        return value if isinstance(value, dict) else {}

    def event(self) -> ZaloEvent:
        return parse_event(self.data())
