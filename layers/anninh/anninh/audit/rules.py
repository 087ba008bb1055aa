"""The audit trail's records and its opaque pagination cursors (pure; storage in `audit.store`).

Append-only: every officer action and every denied attempt, never edited or deleted.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

Outcome = Literal["allowed", "denied"]


class InvalidCursor(ValueError):
    """A pagination cursor that this API did not issue."""


def encode_cursor(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":"), sort_keys=True, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor(cursor) from exc


def decode_key_cursor(cursor: str | None) -> dict[str, str] | None:
    """A cursor that must hold a page's last key (string attributes only)."""
    start = decode_cursor(cursor)
    if start is None:
        return None
    if not isinstance(start, dict) or not all(isinstance(v, str) for v in start.values()):
        raise InvalidCursor(cursor or "")
    return start


class AuditRecord(BaseModel):
    audit_id: str
    at: str
    actor: str  # officer username
    actor_unit: str = ""
    action: str  # e.g. "case.read", "case.update", "case.reveal", "officer.create"
    target_kind: str  # "case", "conversation", "officer", "canned", "unit", ...
    target_id: str
    outcome: Outcome = "allowed"
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    request_id: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
