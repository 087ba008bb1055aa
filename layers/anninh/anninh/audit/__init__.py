"""Append-only audit trail: every officer action and every denied attempt, never edited or deleted.

Pure records and cursors (`rules`), the store (`store`), the trail (`service`). `trail()` is the
trail on the process's main table, for routes and services that record as they go.
"""

from __future__ import annotations

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
    "trail",
]


def trail() -> AuditTrail:
    """The audit trail on the process's main table."""
    return AuditTrail(default_store())
