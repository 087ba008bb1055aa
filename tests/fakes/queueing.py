"""An in-memory queue store with the DynamoDB store's guarantees: numbers once, capacity, one per citizen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from anninh.queueing import Place, Ticket
from anninh.queueing.store import GuardState


@dataclass
class InMemoryQueueStore:
    places: dict[str, Place] = field(default_factory=dict)
    guards: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    days: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    tickets: dict[tuple[str, str, int], tuple[Ticket, str]] = field(default_factory=dict)  # ticket, created

    def place_overrides(self) -> list[Place]:
        return list(self.places.values())

    def put_place(self, place: Place) -> None:
        self.places[place.place_id] = place

    def claim_guard(
        self, place_id: str, day: str, oa_id: str, user_id: str, *, now_iso: str, stale_before_iso: str
    ) -> tuple[GuardState, int | None]:
        key = (place_id, day, oa_id, user_id)
        held = self.guards.get(key)
        if held is None:
            self.guards[key] = {"created_at": now_iso}
            return "new", None
        if "number" in held:
            return "existing", int(held["number"])
        if held["created_at"] > stale_before_iso:
            return "busy", None
        held["created_at"] = now_iso
        return "new", None

    def release_guard(self, place_id: str, day: str, oa_id: str, user_id: str) -> None:
        self.guards.pop((place_id, day, oa_id, user_id), None)

    def next_number(self, place_id: str, day: str, capacity: int) -> int | None:
        counter = self.days.setdefault((place_id, day), {"issued": 0, "active": 0, "capacity": capacity})
        if counter["active"] >= capacity:
            return None
        counter.update(issued=counter["issued"] + 1, active=counter["active"] + 1, capacity=capacity)
        return counter["issued"]

    def put_ticket(self, ticket: Ticket, unit_id: str, created_iso: str, expires_at: int) -> None:
        key = (ticket.place_id, ticket.day, ticket.number)
        assert key not in self.tickets, "a number is never given twice"
        self.tickets[key] = (Ticket(**vars(ticket)), created_iso)
        self.guards[(ticket.place_id, ticket.day, ticket.oa_id, ticket.user_id)]["number"] = ticket.number

    def ticket(self, place_id: str, day: str, number: int) -> Ticket | None:
        found = self.tickets.get((place_id, day, number))
        return Ticket(**vars(found[0])) if found else None

    def tickets_of(self, oa_id: str, user_id: str, from_day: str) -> list[Ticket]:
        mine = [
            t
            for t, _ in self.tickets.values()
            if (t.oa_id, t.user_id) == (oa_id, user_id) and t.day >= from_day
        ]
        return [Ticket(**vars(t)) for t in sorted(mine, key=lambda t: (t.day, t.place_id))]

    def cancel(self, ticket: Ticket, at_iso: str) -> bool:
        stored, _ = self.tickets[(ticket.place_id, ticket.day, ticket.number)]
        if stored.status != "active":
            return False
        stored.status = "cancelled"
        self.days[(ticket.place_id, ticket.day)]["active"] -= 1
        self.guards.pop((ticket.place_id, ticket.day, ticket.oa_id, ticket.user_id), None)
        return True

    def day(self, place_id: str, day: str) -> tuple[dict[str, int], list[dict[str, Any]]]:
        counter = dict(self.days.get((place_id, day), {"issued": 0, "active": 0, "capacity": 0}))
        rows = [
            {"number": t.number, "status": t.status, "created_at": created}
            for (p, d, _), (t, created) in sorted(self.tickets.items())
            if (p, d) == (place_id, day)
        ]
        return counter, rows

    def tickets_on(self, place_id: str, day: str) -> Iterator[Ticket]:
        for (p, d, _), (t, _) in sorted(self.tickets.items()):
            if (p, d) == (place_id, day):
                yield Ticket(**vars(t))
