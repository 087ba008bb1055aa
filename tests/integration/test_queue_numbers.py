"""Queue numbers: atomic, never twice, one per citizen, cancel, reminders the evening before."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from anninh import queueing
from anninh.outbox import OutboundMessage
from anninh.settings import get_settings

# Monday 04/05/2026, 09:00 in Vietnam.
NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
TUESDAY = date(2026, 5, 5)
PLACE = queueing.Place(
    place_id="test-cccd",
    unit_id="tan-phu",
    name="Điểm thử nghiệm",
    address="1 Đường A",
    capacity=60,
    working_days=[0, 1, 2, 3, 4],
    hours="7:30 - 17:00",
)


@pytest.fixture
def stack(aws_stack: Any) -> Any:
    queueing.service().save_place(PLACE)
    return aws_stack


def _take(user: str, day: date = TUESDAY, table: Any | None = None) -> queueing.TakeResult:
    queue = queueing.Queue(queueing.DynamoQueueStore(table)) if table is not None else queueing.service()
    return queue.take_number(PLACE, day, oa_id="oa1", user_id=user, unit_id="tan-phu", now=NOW)


@pytest.fixture
def serialised_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's in-process backend is not thread-safe; DynamoDB applies each request atomically, so
    running one emulated request at a time is faithful while our threads still interleave freely
    between requests (guard, counter, ticket, guard update)."""
    import threading

    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    original = BotocoreStubber.process_request

    def process_request(self: Any, request: Any) -> Any:
        with lock:
            return original(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", process_request)


def test_hundred_citizens_at_once_get_distinct_numbers_up_to_capacity(
    stack: Any, serialised_moto: None
) -> None:
    def one(i: int) -> queueing.TakeResult:
        # boto3 resources are not thread-safe: one per thread, as one per Lambda container.
        table = boto3.resource("dynamodb", region_name=get_settings().region).Table(get_settings().table_name)
        return _take(f"citizen-{i}", table=table)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(100)))
    issued = [r.ticket.number for r in results if r.outcome == "issued" and r.ticket]
    assert sorted(issued) == list(range(1, 61))
    assert sum(r.outcome == "full" for r in results) == 40
    summary = queueing.service().day_summary(PLACE.place_id, TUESDAY.isoformat())
    assert summary["issued"] == 60 and summary["active"] == 60 and len(summary["tickets"]) == 60


def test_one_active_ticket_per_citizen_per_place_and_day(stack: Any) -> None:
    first = _take("u1")
    again = _take("u1")
    assert first.outcome == "issued" and again.outcome == "existing"
    assert again.ticket and first.ticket and again.ticket.number == first.ticket.number
    assert _take("u2").ticket.number == 2  # type: ignore[union-attr]


def test_cancel_marks_the_ticket_returns_the_slot_and_never_reuses_the_number(stack: Any) -> None:
    small = PLACE.model_copy(update={"capacity": 2})
    t1 = (
        queueing.service()
        .take_number(small, TUESDAY, oa_id="oa1", user_id="u1", unit_id="tan-phu", now=NOW)
        .ticket
    )
    queueing.service().take_number(small, TUESDAY, oa_id="oa1", user_id="u2", unit_id="tan-phu", now=NOW)
    assert (
        queueing.service()
        .take_number(small, TUESDAY, oa_id="oa1", user_id="u3", unit_id="tan-phu", now=NOW)
        .outcome
        == "full"
    )
    assert t1 is not None
    with pytest.raises(queueing.QueueError):
        queueing.service().cancel(t1.ref, oa_id="oa1", user_id="someone-else", now=NOW)
    cancelled = queueing.service().cancel(t1.ref, oa_id="oa1", user_id="u1", now=NOW)
    assert cancelled.status == "cancelled"
    third = queueing.service().take_number(
        small, TUESDAY, oa_id="oa1", user_id="u3", unit_id="tan-phu", now=NOW
    )
    assert third.outcome == "issued" and third.ticket and third.ticket.number == 3
    assert [t.number for t in queueing.service().my_tickets("oa1", "u1", NOW)] == []
    assert [t.number for t in queueing.service().my_tickets("oa1", "u3", NOW)] == [3]


def test_days_are_checked(stack: Any) -> None:
    assert _take("u1", date(2026, 5, 3)).outcome == "closed"  # yesterday
    assert _take("u1", date(2026, 5, 9)).outcome == "closed"  # Saturday: not a working day
    assert _take("u1", date(2026, 7, 1)).outcome == "closed"  # too far ahead
    assert queueing.parse_day("ngày mai", NOW) == TUESDAY
    assert queueing.parse_day("hôm nay", NOW) == date(2026, 5, 4)
    assert queueing.parse_day("06/05", NOW) == date(2026, 5, 6)
    assert queueing.parse_day("30/02", NOW) is None


def test_reminders_for_tomorrows_active_tickets_only(stack: Any) -> None:
    kept = _take("u1").ticket
    gone = _take("u2").ticket
    assert kept and gone
    queueing.service().cancel(gone.ref, oa_id="oa1", user_id="u2", now=NOW)
    _take("u3", date(2026, 5, 6))  # the day after tomorrow: not yet
    sent: list[OutboundMessage] = []
    evening = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)  # 19:00 in Vietnam
    assert queueing.service().remind_tomorrow(evening, enqueue=sent.extend) == 1
    (message,) = sent
    assert message.user_id == "u1" and message.key == f"queue-remind:{kept.ref}"
    assert "ngày mai" in message.message["text"] and "Số thứ tự của anh/chị: 1" in message.message["text"]
    # Run twice (a retried schedule): the same keys, so the outbox sends each reminder once.
    again: list[OutboundMessage] = []
    queueing.service().remind_tomorrow(evening, enqueue=again.extend)
    assert [m.key for m in again] == [message.key]


def test_a_unit_closing_after_numbers_were_taken_tells_citizens_instead_of_reminding(stack: Any) -> None:
    from anninh.registry import Registry, Unit

    kept = _take("u1").ticket
    assert kept
    registry = Registry(
        units=[Unit(unit_id="tan-phu", name="Công an", kind="ward", closed_days=["2026-05-05"])]
    )
    sent: list[OutboundMessage] = []
    evening = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    assert queueing.service().remind_tomorrow(evening, enqueue=sent.extend, registry=registry) == 1
    (message,) = sent
    assert message.key == f"queue-closed:{kept.ref}"
    text = message.message["text"]
    assert "ngày nghỉ của đơn vị" in text and "không còn hiệu lực" in text and "lấy số" in text
