"""Append-only audit trail: every officer action and every denied attempt, never edited or deleted.

Pure records and cursors (`rules`), the store (`store`), the trail (`service`). The module-level
functions are the trail on the process's main table, for routes and services that record as they go.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anninh.audit.rules import AuditRecord, InvalidCursor, Outcome, decode_cursor, encode_cursor
from anninh.audit.service import AuditTrail
from anninh.audit.store import AuditStore, DynamoAuditStore, default_store

__all__ = [
    "AuditRecord",
    "AuditStore",
    "AuditTrail",
    "DynamoAuditStore",
    "InvalidCursor",
    "Outcome",
    "decode_cursor",
    "default_store",
    "encode_cursor",
    "list_for_officer",
    "list_for_target",
    "record",
    "trail",
]


def trail() -> AuditTrail:
    """The audit trail on the process's main table."""
    return AuditTrail(default_store())


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
) -> AuditRecord:
    """Append one record (a fresh key every time; it can never overwrite an earlier record)."""
    return trail().record(
        actor,
        action,
        target_kind,
        target_id,
        actor_unit=actor_unit,
        outcome=outcome,
        before=before,
        after=after,
        reason=reason,
        request_id=request_id,
        details=details,
        at=at,
    )


def list_for_target(
    target_kind: str, target_id: str, limit: int = 50, cursor: str | None = None
) -> tuple[list[AuditRecord], str | None]:
    """Newest first."""
    return trail().list_for_target(target_kind, target_id, limit, cursor)


def list_for_officer(
    username: str, limit: int = 50, cursor: str | None = None
) -> tuple[list[AuditRecord], str | None]:
    """Newest first."""
    return trail().list_for_officer(username, limit, cursor)
