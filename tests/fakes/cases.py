"""An in-memory `CaseStore` (anninh.cases.store) for unit tests of the officer workflow and inbox.

Items are kept as DynamoDB would hold them, keyed by (PK, SK); `write` applies a `CaseWrite` the way
the DynamoDB store's transaction does: all or nothing, conditional on the case's version (StaleCase
when it moved), sets and removes on the case item, puts and deletes of the case's children.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from anninh import keys
from anninh.cases.errors import StaleCase
from anninh.cases.model import Case
from anninh.cases.plan import CaseWrite
from anninh.cases.store import case_from_item
from anninh.clock import iso


class MemoryCaseStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.writes: list[CaseWrite] = []  # every transaction that went through

    # --- helpers for tests ---------------------------------------------------------------------

    def put(self, item: dict[str, Any]) -> None:
        self.items[(item["PK"], item["SK"])] = dict(item)

    def add_case(self, case: Case, **extra: Any) -> dict[str, Any]:
        """The case item as the store keeps it, with its fields in clear (no KMS in unit tests)."""
        item = {
            **case.model_dump(mode="json"),
            **keys.case(case.case_id),
            "type": "case",
            "GSI1PK": keys.unit_cases_gsi(case.unit_id),
            "GSI1SK": f"{case.created_at}#{case.case_id}",
            "GSI2PK": keys.case_code_gsi(case.code),
            "GSI2SK": "CASE",
            **extra,
        }
        self.put(item)
        return item

    def get(self, key: dict[str, str]) -> dict[str, Any] | None:
        return self.items.get((key["PK"], key["SK"]))

    def partition(self, pk: str, prefix: str = "") -> list[dict[str, Any]]:
        return [dict(v) for (p, s), v in sorted(self.items.items()) if p == pk and s.startswith(prefix)]

    # --- CaseStore ----------------------------------------------------------------------------

    def case_item(self, case_id: str) -> dict[str, Any] | None:
        item = self.get(keys.case(case_id)) if case_id else None
        return dict(item) if item else None

    def children(self, case_id: str) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {"MEDIA": [], "NOTE": [], "EVENT": [], "INFO": []}
        for item in self.partition(keys.case_pk(case_id)):
            kind = item["SK"].split("#", 1)[0]
            if kind in out:
                out[kind].append(item)
        return out

    def write(self, change: CaseWrite) -> None:
        item = self.get(keys.case(change.case_id))
        if item is None:
            raise StaleCase(change.case_id)
        if change.expected_version is None:
            if "version" in item:
                raise StaleCase(change.case_id)
        elif item.get("version") != change.expected_version:
            raise StaleCase(change.case_id)
        item.update(change.sets)
        for name in change.removes:
            item.pop(name, None)
        for put in change.puts:
            self.put(put)
        for key in change.deletes:
            self.items.pop((key["PK"], key["SK"]), None)
        self.writes.append(change)

    def put_child(self, item: dict[str, Any]) -> None:
        self.put(item)

    def mark_notice(self, case_id: str, kind: str, at: str) -> bool:
        key = keys.case_notice(case_id, kind)
        if self.get(key) is not None:
            return False
        self.put({**key, "type": "citizen_notice", "at": at})
        return True

    def _unit_index(self, unit_id: str) -> list[dict[str, Any]]:
        rows = [dict(i) for i in self.items.values() if i.get("GSI1PK") == keys.unit_cases_gsi(unit_id)]
        return sorted(rows, key=lambda i: str(i.get("GSI1SK", "")), reverse=True)

    def inbox_rows(
        self, unit_id: str, upper: str | None, lower: str | None, page_size: int
    ) -> Iterator[dict[str, Any]]:
        for item in self._unit_index(unit_id):
            sort_key = str(item.get("GSI1SK", ""))
            if (upper and sort_key >= upper) or (lower and sort_key < lower):
                continue
            yield item

    def open_case_items(self, unit_ids: Iterable[str], statuses: Iterable[str]) -> list[dict[str, Any]]:
        wanted = set(statuses)
        return [
            item
            for unit_id in dict.fromkeys(unit_ids)
            for item in self._unit_index(unit_id)
            if item.get("SK") == "CASE" and item.get("status") in wanted
        ]

    def seen(self, username: str, case_ids: Iterable[str]) -> dict[str, str]:
        out = {}
        for case_id in case_ids:
            item = self.get(keys.case_seen(username, case_id))
            if item:
                out[case_id] = str(item["at"])
        return out

    def mark_seen(self, username: str, case_id: str, now: datetime) -> None:
        self.put({**keys.case_seen(username, case_id), "type": "case_seen", "at": iso(now)})

    def note_presence(self, username: str, case_id: str, now: datetime) -> None:
        self.put({**keys.case_view(case_id, username), "type": "case_view", "by": username, "at": iso(now)})

    def presence(self, case_id: str) -> list[dict[str, Any]]:
        return self.partition(keys.case_pk(case_id), "VIEW#")

    def unit_ids(self) -> list[str]:
        return sorted(str(i["GSI1SK"]) for i in self.items.values() if i.get("GSI1PK") == keys.UNITS_GSI)

    def put_digest(self, item: dict[str, Any]) -> None:
        self.put(item)

    def digest(self, unit_id: str, day: str) -> dict[str, Any] | None:
        return self.get(keys.overdue_digest(unit_id, day))

    def find_by_code(self, code: str) -> Case | None:
        for item in self.items.values():
            if item.get("GSI2PK") == keys.case_code_gsi(code):
                return case_from_item(item)
        return None

    def is_blocked(self, oa_id: str, user_id: str) -> bool:
        return self.get(keys.citizen_block(oa_id, user_id)) is not None

    def block(self, oa_id: str, user_id: str, reason: str, by: str, at: datetime) -> None:
        self.put({**keys.citizen_block(oa_id, user_id), "reason": reason, "blocked_by": by, "at": iso(at)})

    def unblock(self, oa_id: str, user_id: str) -> None:
        key = keys.citizen_block(oa_id, user_id)
        self.items.pop((key["PK"], key["SK"]), None)
