"""An in-memory audit store: append-only, newest first, paged by an opaque cursor."""

from __future__ import annotations

from dataclasses import dataclass, field

from anninh.audit import AuditRecord, InvalidCursor, decode_cursor, encode_cursor


@dataclass
class InMemoryAuditStore:
    records: list[AuditRecord] = field(default_factory=list)

    def append(self, entry: AuditRecord) -> None:
        if any(r.audit_id == entry.audit_id for r in self.records):
            raise ValueError("an audit record is never overwritten")
        self.records.append(entry)

    def _page(
        self, chosen: list[AuditRecord], limit: int, cursor: str | None
    ) -> tuple[list[AuditRecord], str | None]:
        newest = sorted(chosen, key=lambda r: (r.at, r.audit_id), reverse=True)
        start = decode_cursor(cursor)
        if start is not None and not isinstance(start, int):
            raise InvalidCursor(cursor or "")
        offset = start or 0
        page = newest[offset : offset + limit]
        return page, encode_cursor(offset + limit) if offset + limit < len(newest) else None

    def for_target(
        self, target_kind: str, target_id: str, limit: int, cursor: str | None
    ) -> tuple[list[AuditRecord], str | None]:
        mine = [r for r in self.records if (r.target_kind, r.target_id) == (target_kind, target_id)]
        return self._page(mine, limit, cursor)

    def for_officer(
        self, username: str, limit: int, cursor: str | None
    ) -> tuple[list[AuditRecord], str | None]:
        return self._page([r for r in self.records if r.actor == username.lower()], limit, cursor)
