"""Queue numbers: taking, listing and cancelling a citizen's numbers; officers' day view; reminders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from anninh import outbox
from anninh.calendars import closed_reason
from anninh.clock import VN_TZ, iso, utcnow
from anninh.queueing.rules import (
    STALE_GUARD_SECONDS,
    Place,
    QueueError,
    TakeResult,
    Ticket,
    check_day,
    closed_day_message,
    merged_places,
    parse_ref,
    places_serving,
    reminder_message,
    ticket_expiry,
    unit_closed_days,
)
from anninh.queueing.store import QueueStore
from anninh.registry import Registry
from anninh.stats.counters import count


@dataclass
class Queue:
    store: QueueStore
    counter: Callable[..., bool] = field(default=count)

    def list_places(self) -> dict[str, Place]:
        """Shipped places with admins' changes merged over them."""
        return merged_places(self.store.place_overrides())

    def save_place(self, place: Place) -> Place:
        self.store.put_place(place)
        return place

    def places_for_unit(self, unit_id: str, registry: Registry | None) -> list[Place]:
        """The unit's own places; a unit without one is served by the nearest unit above it that has one."""
        return places_serving(unit_id, self.list_places().values(), registry)

    def take_number(
        self,
        place: Place,
        day: date,
        *,
        oa_id: str,
        user_id: str,
        unit_id: str,
        now: datetime | None = None,
        closed_days: Iterable[str] = (),
    ) -> TakeResult:
        """Give the citizen a number for the place and day, or tell why not. Safe under concurrency."""
        now = now or utcnow()
        day_s = day.isoformat()
        if check_day(place, day, now, closed_days):
            return TakeResult("closed", place=place, day=day_s)
        stale_before = iso(now - timedelta(seconds=STALE_GUARD_SECONDS))
        state, held = self.store.claim_guard(
            place.place_id, day_s, oa_id, user_id, now_iso=iso(now), stale_before_iso=stale_before
        )
        if state == "existing" and held is not None:
            existing = self.store.ticket(place.place_id, day_s, held)
            if existing is not None:
                return TakeResult("existing", ticket=existing, place=place, day=day_s)
        if state != "new":
            return TakeResult("busy", place=place, day=day_s)
        number = self.store.next_number(place.place_id, day_s, place.capacity)
        if number is None:
            self.store.release_guard(place.place_id, day_s, oa_id, user_id)
            return TakeResult("full", place=place, day=day_s)
        ticket = Ticket(place.place_id, day_s, number, oa_id, user_id)
        self.store.put_ticket(ticket, unit_id, iso(now), ticket_expiry(day))
        self.counter(f"queue:{ticket.ref}", oa_id, unit_id, now, queue_numbers=1)
        return TakeResult("issued", ticket=ticket, place=place, day=day_s)

    def my_tickets(self, oa_id: str, user_id: str, now: datetime | None = None) -> list[Ticket]:
        """The citizen's active tickets from today on, soonest first."""
        today = (now or utcnow()).astimezone(VN_TZ).date().isoformat()
        return [t for t in self.store.tickets_of(oa_id, user_id, today) if t.status == "active"]

    def cancel(self, ref: str, *, oa_id: str, user_id: str, now: datetime | None = None) -> Ticket:
        """Cancel the citizen's own ticket; its slot goes back to the day's capacity."""
        now = now or utcnow()
        parsed = parse_ref(ref)
        if not parsed:
            raise QueueError("Không nhận ra số thứ tự cần hủy.")
        place_id, day_s, number = parsed
        ticket = self.store.ticket(place_id, day_s, number)
        if ticket is None or ticket.oa_id != oa_id or ticket.user_id != user_id:
            raise QueueError("Không tìm thấy số thứ tự này của anh/chị.")
        if ticket.status != "active":
            return ticket
        if day_s < now.astimezone(VN_TZ).date().isoformat():
            raise QueueError("Số thứ tự này thuộc ngày đã qua.")
        self.store.cancel(ticket, iso(now))  # False: a concurrent cancel got there first
        ticket.status = "cancelled"
        return ticket

    def day_summary(self, place_id: str, day: str) -> dict[str, Any]:
        """For officers: the day's counter and tickets in number order."""
        counter, tickets = self.store.day(place_id, day)
        return {"place_id": place_id, "day": day, **counter, "tickets": tickets}

    def remind_tomorrow(
        self,
        now: datetime | None = None,
        enqueue: Callable[[list[outbox.OutboundMessage]], Any] = outbox.enqueue,
        registry: Registry | None = None,
    ) -> int:
        """Enqueue a reminder for every active ticket of tomorrow (Vietnam time); returns how many.

        When tomorrow is a public holiday or one of the unit's closed days (declared after the numbers
        were taken), the citizen is told politely that the office is closed instead of being sent there.
        """
        tomorrow_day = (now or utcnow()).astimezone(VN_TZ).date() + timedelta(days=1)
        tomorrow = tomorrow_day.isoformat()
        sent = 0
        for place in self.list_places().values():
            closed = closed_reason(tomorrow_day, unit_closed_days(place, registry))
            batch = [
                closed_day_message(ticket, place, closed) if closed else reminder_message(ticket, place)
                for ticket in self.store.tickets_on(place.place_id, tomorrow)
                if ticket.status == "active" and ticket.user_id  # "": its sealed id did not open
            ]
            enqueue(batch)
            sent += len(batch)
        return sent
