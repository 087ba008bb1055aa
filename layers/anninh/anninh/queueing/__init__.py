"""Queue numbers for CCCD work: per place and day, with a daily capacity (rules, store, service).

Cancelling gives the slot back to the day's capacity; the cancelled number itself is never reused
(numbers keep increasing), which keeps the counter desk's order intact. A citizen who cancels may take
a new (later) number. The module-level functions are the service on the process's main table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from anninh import outbox
from anninh.clock import VN_TZ
from anninh.queueing.rules import (
    BOOKING_DAYS_AHEAD,
    PLACES_FILE,
    STALE_GUARD_SECONDS,
    TODAY_CUTOFF_HOUR,
    WEEKDAYS,
    Place,
    QueueError,
    TakeResult,
    Ticket,
    check_day,
    closed_day_message,
    day_label,
    merged_places,
    next_working_days,
    parse_day,
    parse_ref,
    places_serving,
    reminder_message,
    ticket_text,
    unit_closed_days,
)
from anninh.queueing.service import Queue
from anninh.queueing.store import DynamoQueueStore, QueueStore, default_store
from anninh.registry import Registry

__all__ = [
    "BOOKING_DAYS_AHEAD",
    "PLACES_FILE",
    "STALE_GUARD_SECONDS",
    "TODAY_CUTOFF_HOUR",
    "VN_TZ",
    "WEEKDAYS",
    "DynamoQueueStore",
    "Place",
    "Queue",
    "QueueError",
    "QueueStore",
    "TakeResult",
    "Ticket",
    "cancel",
    "check_day",
    "closed_day_message",
    "day_label",
    "day_summary",
    "default_store",
    "list_places",
    "merged_places",
    "my_tickets",
    "next_working_days",
    "parse_day",
    "parse_ref",
    "places_for_unit",
    "places_serving",
    "remind_tomorrow",
    "reminder_message",
    "save_place",
    "service",
    "take_number",
    "ticket_text",
    "unit_closed_days",
]


def service() -> Queue:
    """Queue numbers on the process's main table."""
    return Queue(default_store())


def list_places() -> dict[str, Place]:
    return service().list_places()


def save_place(place: Place) -> Place:
    return service().save_place(place)


def places_for_unit(unit_id: str, registry: Registry | None) -> list[Place]:
    return service().places_for_unit(unit_id, registry)


def take_number(
    place: Place,
    day: date,
    *,
    oa_id: str,
    user_id: str,
    unit_id: str,
    now: datetime | None = None,
    closed_days: Iterable[str] = (),
) -> TakeResult:
    return service().take_number(
        place, day, oa_id=oa_id, user_id=user_id, unit_id=unit_id, now=now, closed_days=closed_days
    )


def my_tickets(oa_id: str, user_id: str, now: datetime | None = None) -> list[Ticket]:
    return service().my_tickets(oa_id, user_id, now)


def cancel(ref: str, *, oa_id: str, user_id: str, now: datetime | None = None) -> Ticket:
    return service().cancel(ref, oa_id=oa_id, user_id=user_id, now=now)


def day_summary(place_id: str, day: str) -> dict[str, Any]:
    return service().day_summary(place_id, day)


def remind_tomorrow(
    now: datetime | None = None,
    enqueue: Callable[[list[outbox.OutboundMessage]], Any] = outbox.enqueue,
    registry: Registry | None = None,
) -> int:
    return service().remind_tomorrow(now, enqueue, registry)
