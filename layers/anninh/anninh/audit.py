"""Append-only audit trail: every officer action and every denied attempt, never edited or deleted.

Records about a case live in the case's partition (SK=AUDIT#<iso>#<uuid>), so the case view reads them
with the case; records about anything else live under TARGET#<kind>#<id>. Every record is also indexed
per officer (GSI2PK=OFFICER#<username>#AUDIT, GSI2SK=<iso>). Writes are conditional puts of fresh keys,
and no code path updates or deletes an AUDIT# item (the retention purge leaves them alone).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, Field

from anninh import aws, keys
from anninh.clock import iso, utcnow

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


def _partition(target_kind: str, target_id: str) -> str:
    return keys.case_pk(target_id) if target_kind == "case" else f"TARGET#{target_kind}#{target_id}"


def record(
    actor: str,
    action: str,
    target_kind: str,
    target_id: str,
    *,
    actor_unit: str = "",
    outcome: Outcome = "allowed",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    request_id: str = "",
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
    table: Any | None = None,
) -> AuditRecord:
    """Append one record (a fresh key every time; the put can never overwrite an earlier record)."""
    entry = AuditRecord(
        audit_id=uuid.uuid4().hex,
        at=iso(at or utcnow()),
        actor=actor.lower(),
        actor_unit=actor_unit,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        outcome=outcome,
        before=before,
        after=after,
        reason=reason,
        request_id=request_id,
        details=details or {},
    )
    item = {
        "PK": _partition(target_kind, target_id),
        "SK": f"AUDIT#{entry.at}#{entry.audit_id}",
        "GSI2PK": keys.officer_audit_gsi(entry.actor),
        "GSI2SK": f"{entry.at}#{entry.audit_id}",
        "type": "audit",
        **json.loads(entry.model_dump_json(), parse_float=Decimal),
    }
    (table or aws.table()).put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
    return entry


def _page(
    kwargs: dict[str, Any], limit: int, cursor: str | None, table: Any | None
) -> tuple[list[AuditRecord], str | None]:
    start = decode_cursor(cursor)
    if start is not None:
        if not isinstance(start, dict) or not all(isinstance(v, str) for v in start.values()):
            raise InvalidCursor(cursor or "")
        kwargs["ExclusiveStartKey"] = start
    kwargs["Limit"] = limit
    page = (table or aws.table()).query(**kwargs)
    records = [AuditRecord.model_validate(i) for i in page.get("Items", [])]
    last = page.get("LastEvaluatedKey")
    return records, encode_cursor(last) if last else None


def list_for_target(
    target_kind: str, target_id: str, limit: int = 50, cursor: str | None = None, table: Any | None = None
) -> tuple[list[AuditRecord], str | None]:
    """Newest first."""
    kwargs = {
        "KeyConditionExpression": Key("PK").eq(_partition(target_kind, target_id))
        & Key("SK").begins_with("AUDIT#"),
        "ScanIndexForward": False,
    }
    return _page(kwargs, limit, cursor, table)


def list_for_officer(
    username: str, limit: int = 50, cursor: str | None = None, table: Any | None = None
) -> tuple[list[AuditRecord], str | None]:
    """Newest first."""
    kwargs = {
        "IndexName": "GSI2",
        "KeyConditionExpression": Key("GSI2PK").eq(keys.officer_audit_gsi(username)),
        "ScanIndexForward": False,
    }
    return _page(kwargs, limit, cursor, table)
