"""Queue numbers on an in-memory store: capacity, one number per citizen, cancelling, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from anninh.queueing import Place, Queue, QueueError
from tests.fakes.queueing import InMemoryQueueStore

PLACE = Place(place_id="diem-hiep-tan", unit_id="p-hiep-tan", name="Điểm cấp căn cước Hiệp Tân", capacity=2)
NOW = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
TUESDAY = date(2026, 5, 12)


def _queue() -> tuple[Queue, InMemoryQueueStore, list[tuple[str, dict[str, int]]]]:
    store = InMemoryQueueStore()
    counted: list[tuple[str, dict[str, int]]] = []

    def counter(key: str, oa_id: str, unit_id: str, at: datetime, **increments: int) -> bool:
        counted.append((key, increments))
        return True

    return Queue(store, counter), store, counted


def test_numbers_go_up_one_per_citizen_until_the_day_is_full_and_a_cancel_frees_a_slot() -> None:
    queue, _, counted = _queue()
    first = queue.take_number(PLACE, TUESDAY, oa_id="oa", user_id="u1", unit_id="p-hiep-tan", now=NOW)
    again = queue.take_number(PLACE, TUESDAY, oa_id="oa", user_id="u1", unit_id="p-hiep-tan", now=NOW)
    assert first.outcome == "issued" and again.outcome == "existing" and again.ticket == first.ticket
    assert (
        queue.take_number(PLACE, TUESDAY, oa_id="oa", user_id="u2", unit_id="p-hiep-tan", now=NOW).outcome
        == "issued"
    )
    assert (
        queue.take_number(PLACE, TUESDAY, oa_id="oa", user_id="u3", unit_id="p-hiep-tan", now=NOW).outcome
        == "full"
    )
    assert first.ticket is not None
    with pytest.raises(QueueError):
        queue.cancel(first.ticket.ref, oa_id="oa", user_id="someone-else", now=NOW)
    assert queue.cancel(first.ticket.ref, oa_id="oa", user_id="u1", now=NOW).status == "cancelled"
    third = queue.take_number(PLACE, TUESDAY, oa_id="oa", user_id="u3", unit_id="p-hiep-tan", now=NOW)
    assert third.ticket is not None and third.ticket.number == 3  # a cancelled number is never reused
    assert queue.my_tickets("oa", "u1", NOW) == [] and [
        t.number for t in queue.my_tickets("oa", "u3", NOW)
    ] == [3]
    summary = queue.day_summary(PLACE.place_id, TUESDAY.isoformat())
    assert (summary["issued"], summary["active"], summary["capacity"]) == (3, 2, 2)
    assert [key for key, _ in counted] == [
        "queue:diem-hiep-tan:20260512:1",
        "queue:diem-hiep-tan:20260512:2",
        "queue:diem-hiep-tan:20260512:3",
    ]


def test_a_second_request_in_flight_is_told_to_wait() -> None:
    queue, store, _ = _queue()
    store.guards[(PLACE.place_id, TUESDAY.isoformat(), "oa", "u1")] = {
        "created_at": "2026-05-11T01:59:30.000Z"
    }
    result = queue.take_number(PLACE, TUESDAY, oa_id="oa", user_id="u1", unit_id="p-hiep-tan", now=NOW)
    assert result.outcome == "busy"
    store.guards[(PLACE.place_id, TUESDAY.isoformat(), "oa", "u1")] = {
        "created_at": "2026-05-11T01:50:00.000Z"
    }
    assert (
        queue.take_number(PLACE, TUESDAY, oa_id="oa", user_id="u1", unit_id="p-hiep-tan", now=NOW).outcome
        == "issued"
    )


def test_reminders_go_to_active_tickets_of_tomorrow_only() -> None:
    queue, _, _ = _queue()
    queue.save_place(PLACE)
    kept = queue.take_number(PLACE, TUESDAY, oa_id="oa", user_id="u1", unit_id="p-hiep-tan", now=NOW).ticket
    gone = queue.take_number(PLACE, TUESDAY, oa_id="oa", user_id="u2", unit_id="p-hiep-tan", now=NOW).ticket
    assert kept is not None and gone is not None
    queue.cancel(gone.ref, oa_id="oa", user_id="u2", now=NOW)
    sent: list = []
    assert queue.remind_tomorrow(NOW, enqueue=sent.extend) == 1
    assert sent[0].user_id == "u1" and sent[0].key == f"queue-remind:{kept.ref}"
    assert "Số thứ tự của anh/chị: 1" in sent[0].message["text"]
