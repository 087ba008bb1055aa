"""Queue numbers for CCCD work: per place and day, with a daily capacity (rules, store, service).

Cancelling gives the slot back to the day's capacity; the cancelled number itself is never reused
(numbers keep increasing), which keeps the counter desk's order intact. A citizen who cancels may take
a new (later) number. `service()` is the service on the process's main table.
"""

from __future__ import annotations

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
    "check_day",
    "closed_day_message",
    "day_label",
    "default_store",
    "merged_places",
    "next_working_days",
    "parse_day",
    "parse_ref",
    "places_serving",
    "reminder_message",
    "service",
    "ticket_text",
    "unit_closed_days",
]


def service() -> Queue:
    """Queue numbers on the process's main table."""
    return Queue(default_store())
