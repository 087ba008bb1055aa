"""An in-memory ConversationStore (anninh.conversations.store) with DynamoDB's semantics that the
service relies on: conditional puts, the outbound marker, key-ordered pages, GSI look-ups."""

from __future__ import annotations

import copy
from typing import Any

from anninh import keys


class MemoryConversationStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def put_new(self, item: dict[str, Any]) -> bool:
        key = (item["PK"], item["SK"])
        if key in self.items:
            return False
        self.items[key] = copy.deepcopy(item)
        return True

    def put_outbound(self, item: dict[str, Any], marker: dict[str, Any]) -> bool:
        if (marker["PK"], marker["SK"]) in self.items:
            return False
        self.items[(marker["PK"], marker["SK"])] = dict(marker)
        self.items[(item["PK"], item["SK"])] = copy.deepcopy(item)
        return True

    def messages_page(
        self, pk: str, low: str, high: str, limit: int, *, start: dict[str, Any] | None, newest_first: bool
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        sks = sorted((sk for p, sk in self.items if p == pk and low <= sk <= high), reverse=newest_first)
        if start:
            sks = [sk for sk in sks if (sk < start["SK"] if newest_first else sk > start["SK"])]
        page = sks[:limit]
        last = {"PK": pk, "SK": page[-1]} if len(sks) > limit else None
        return [copy.deepcopy(self.items[(pk, sk)]) for sk in page], last

    def _state(self, oa_id: str, user_id: str) -> dict[str, Any]:
        key = keys.conversation_state(oa_id, user_id)
        return self.items.setdefault((key["PK"], key["SK"]), dict(key))

    def get_state(self, oa_id: str, user_id: str) -> dict[str, Any] | None:
        key = keys.conversation_state(oa_id, user_id)
        item = self.items.get((key["PK"], key["SK"]))
        return copy.deepcopy(item) if item else None

    def ensure_state(self, oa_id: str, user_id: str, fields: dict[str, Any], new_id: str) -> dict[str, Any]:
        state = self._state(oa_id, user_id)
        state.setdefault("conversation_id", new_id)
        state.setdefault("GSI2PK", keys.conversation_id_gsi(new_id))
        state.update({"GSI2SK": "STATE", "type": "conversation"})
        for name, value in fields.items():
            if name == "unit_id":
                state.setdefault(name, value)
            else:
                state[name] = value
        return copy.deepcopy(state)

    def state_by_conversation_id(self, conversation_id: str) -> dict[str, Any] | None:
        gsi = keys.conversation_id_gsi(conversation_id)
        found = [i for i in self.items.values() if i.get("GSI2PK") == gsi and i.get("SK") == "STATE"]
        return copy.deepcopy(found[0]) if found else None

    def set_open_case(self, oa_id: str, user_id: str, case_id: str, window_until: str) -> None:
        self._state(oa_id, user_id).update({"open_case_id": case_id, "case_window_until": window_until})

    def extend_case_window(self, oa_id: str, user_id: str, case_id: str, window_until: str) -> None:
        state = self._state(oa_id, user_id)
        if state.get("open_case_id") == case_id and str(state.get("case_window_until", "")) < window_until:
            state["case_window_until"] = window_until

    def set_officer_thread(self, oa_id: str, user_id: str, case_id: str, until: str) -> None:
        self._state(oa_id, user_id).setdefault("officer_threads", {})[case_id] = until

    def save_bot_state(self, oa_id: str, user_id: str, bot: dict[str, Any]) -> None:
        self._state(oa_id, user_id)["bot"] = copy.deepcopy(bot)

    def set_handoff(self, oa_id: str, user_id: str, unit_id: str, at: str) -> None:
        self._state(oa_id, user_id).update(
            {"handed_off": True, "handed_off_at": at, "GSI1PK": keys.unit_handoffs_gsi(unit_id), "GSI1SK": at}
        )

    def close_handoff(self, pk: str, at: str, by: str) -> None:
        state = self.items[(pk, "STATE")]  # KeyError like the condition on a missing item
        for name in ("GSI1PK", "GSI1SK"):
            state.pop(name, None)
        state.update({"handed_off": False, "handoff_closed_at": at, "handoff_closed_by": by})

    def handoff_count(self, unit_id: str) -> int:
        return sum(1 for i in self.items.values() if i.get("GSI1PK") == keys.unit_handoffs_gsi(unit_id))

    def handoffs(self, unit_id: str, at_most: int) -> list[dict[str, Any]]:
        gsi = keys.unit_handoffs_gsi(unit_id)
        rows = sorted(
            (i for i in self.items.values() if i.get("GSI1PK") == gsi),
            key=lambda i: i["GSI1SK"],
            reverse=True,
        )
        return copy.deepcopy(rows[: at_most + 1])
