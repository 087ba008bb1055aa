"""Officer-side reads of tip cases: one case with its children, and the unit inbox across units.

Case items are stored with the Case fields as top-level attributes (PK=CASE#<id>, SK=CASE, unit inbox on
GSI1, see anninh.keys) plus a `version` counter used for optimistic concurrency by the workflow. An
info-only copy for another unit is a small item in the case partition (SK=INFO#<unit_id>) indexed in
that unit's inbox partition with the case's own sort key, so the inbox shows it in date order.

The inbox merges the newest-first partitions of every unit the officer may see. Its cursor is the sort
key of the last case returned (`<created_iso>#<case_id>`, unique across units), so one opaque string
pages through any number of partitions and cannot widen what the caller sees.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from anninh.audit import InvalidCursor, decode_cursor, encode_cursor
from anninh.cases.errors import CaseNotFound, StaleCase
from anninh.cases.model import Case, open_case_fields
from anninh.cases.store import CaseStore
from anninh.clock import iso
from anninh.conversations import ConversationService
from anninh.conversations import service as conversation_service
from anninh.dynamo import plain
from anninh.text import fold

Access = Literal["full", "info"]
OPEN_STATUSES = frozenset({"new", "in_review", "verified", "forwarded"})
# Upper bound of index rows examined by one inbox request; a filtered page that reaches it comes back
# short with a cursor, so a narrow search over a huge inbox never runs into the function timeout.
MAX_EXAMINED = 1500


__all__ = ["CaseNotFound", "StaleCase", "plain"]  # re-exported for the callers that take them from here


def case_from_item(item: dict[str, Any]) -> Case:
    data: dict[str, Any] = (
        item["data"] if isinstance(item.get("data"), dict) and "case_id" in item["data"] else item
    )
    return Case.model_validate(plain(open_case_fields(data)))


def load_case_item(case_id: str, store: CaseStore) -> dict[str, Any] | None:
    """The case item as stored (with its `version`), or None."""
    return store.case_item(case_id)


def case_children(case_id: str, store: CaseStore) -> dict[str, list[dict[str, Any]]]:
    """Media, notes, history events and info copies stored in the case's partition (oldest first)."""
    found = store.children(case_id)
    return {kind: [plain(i) for i in items] for kind, items in found.items()}


@dataclass
class InboxFilter:
    statuses: frozenset[str] = frozenset()
    urgent: bool | None = None
    valuable: bool | None = None
    assignee: str | None = None
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    open_only: bool = False
    folded_text: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.folded_text = fold(self.text) if self.text else ""

    def matches(self, case: Case, searchable: str) -> bool:
        if self.statuses and case.status not in self.statuses:
            return False
        if self.open_only and case.status not in OPEN_STATUSES:
            return False
        if self.urgent is not None and case.urgent != self.urgent:
            return False
        if self.valuable is not None and case.valuable != self.valuable:
            return False
        if self.assignee is not None and (case.assignee or "") != self.assignee:
            return False
        # Every word of the query, in any order ("lũy bán bích hẻm 45" finds "hẻm 45 đường Lũy Bán Bích").
        return all(word in searchable for word in self.folded_text.split())


def searchable_text(case: Case, texts: Iterable[str]) -> str:
    return fold(" ".join([case.code, case.summary, case.address or "", *texts]))


@dataclass
class InboxRow:
    item: dict[str, Any]
    case: Case
    access: Access


def decode_inbox_cursor(cursor: str | None) -> str | None:
    value = decode_cursor(cursor)
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("k"), str) or len(value["k"]) > 300:
        raise InvalidCursor(cursor or "")
    return str(value["k"])


def list_inbox(
    units: Iterable[str],
    filters: InboxFilter,
    visible_units: Iterable[str],
    *,
    limit: int = 25,
    cursor: str | None = None,
    decrypt: Any = None,
    store: CaseStore,
) -> tuple[list[InboxRow], str | None]:
    """Newest cases first across `units` (each already checked visible), filtered, one page."""
    visible = set(visible_units)
    upper = decode_inbox_cursor(cursor)
    if filters.until is not None:
        bound = iso(filters.until)
        upper = bound if upper is None or bound < upper else upper
    lower = iso(filters.since) if filters.since is not None else None
    page_size = min(max(limit + 1, 25), 200)
    streams = [store.inbox_rows(u, upper, lower, page_size) for u in sorted(set(units))]
    merged = heapq.merge(*streams, key=lambda i: str(i.get("GSI1SK", "")), reverse=True)
    rows: dict[str, InboxRow] = {}
    examined = 0
    last_key: str | None = None
    for item in merged:
        sort_key = str(item.get("GSI1SK", ""))
        if len(rows) >= limit and sort_key != last_key:
            return list(rows.values()), encode_cursor({"k": last_key})
        if examined >= MAX_EXAMINED and sort_key != last_key:
            return list(rows.values()), encode_cursor({"k": last_key})
        examined += 1
        last_key = sort_key
        if item.get("SK") == "CASE":
            case_item: dict[str, Any] | None = item
        else:  # an info-only copy: read the case itself
            case_item = store.case_item(str(item.get("case_id", "")))
        if case_item is None:
            continue
        case = case_from_item(case_item)
        access: Access = "full" if case.unit_id in visible else "info"
        if access == "info" and not visible.intersection(case.info_units):
            continue  # the copy was withdrawn
        existing = rows.get(case.case_id)
        if existing is not None:
            if access == "full":
                existing.access = "full"
            continue
        texts = [decrypt(t) if decrypt else t for t in case.texts]
        if not filters.matches(case, searchable_text(case, texts)):
            continue
        rows[case.case_id] = InboxRow(item=case_item, case=case, access=access)
    return list(rows.values()), None


def conversation_messages(
    oa_id: str,
    user_id: str,
    start_iso: str,
    *,
    end_iso: str | None = None,
    limit: int = 300,
    conversations: ConversationService | None = None,
) -> list[dict[str, Any]]:
    """Messages of a citizen's conversation with an OA between two instants, oldest first."""
    source = conversations or conversation_service()
    found = source.stored_messages(oa_id, user_id, start_iso, end_iso, limit)
    return [plain(i) for i in found]
