"""The audit trail: append a record for an officer action or a denied attempt; read it back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anninh.audit.rules import AuditRecord, Outcome
from anninh.audit.store import AuditStore
from anninh.clock import iso, utcnow


@dataclass
class AuditTrail:
    store: AuditStore

    def record(
        self,
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
        self.store.append(entry)
        return entry

    def list_for_target(
        self, target_kind: str, target_id: str, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[AuditRecord], str | None]:
        """Newest first."""
        return self.store.for_target(target_kind, target_id, limit, cursor)

    def list_for_officer(
        self, username: str, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[AuditRecord], str | None]:
        """Newest first."""
        return self.store.for_officer(username, limit, cursor)
