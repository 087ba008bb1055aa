"""Working days: public holidays and a unit's closed days are never bookable (pure, no AWS)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from anninh import queueing
from anninh.calendars import closed_reason, public_holiday
from anninh.registry import Registry, Unit

PLACE = queueing.Place(
    place_id="cccd-tan-phu", unit_id="p-tan-phu", name="Điểm cấp căn cước phường Tân Phú", capacity=50
)


class NoStore:
    """A closed day is refused before anything is written."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store was used ({name}) for a closed day")


def _vn_morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam


def test_national_day_and_tet_are_public_holidays_with_their_vietnamese_names() -> None:
    assert public_holiday(date(2026, 9, 2)) == "Quốc khánh"
    assert public_holiday(date(2027, 2, 6)) == "Tết Nguyên Đán"
    assert public_holiday(date(2026, 4, 30)) and public_holiday(date(2026, 5, 1))
    assert public_holiday(date(2026, 9, 3)) is None


def test_a_queue_number_cannot_be_taken_for_2_september() -> None:
    result = queueing.Queue(NoStore()).take_number(  # type: ignore[arg-type]
        PLACE,
        date(2026, 9, 2),
        oa_id="oa",
        user_id="u",
        unit_id="p-tan-phu",
        now=_vn_morning(date(2026, 8, 25)),
    )
    assert result.outcome == "closed" and result.ticket is None
    why = queueing.check_day(PLACE, date(2026, 9, 2), _vn_morning(date(2026, 8, 25)))
    assert (
        why
        == "Thứ Tư, 02/09/2026 là ngày nghỉ lễ (Quốc khánh), Điểm cấp căn cước phường Tân Phú không làm việc."
    )


def test_a_queue_number_cannot_be_taken_for_any_weekday_of_tet() -> None:
    now = _vn_morning(date(2027, 1, 29))
    for day in (date(2027, 2, 4), date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10)):
        result = queueing.Queue(NoStore()).take_number(  # type: ignore[arg-type]
            PLACE, day, oa_id="oa", user_id="u", unit_id="p-tan-phu", now=now
        )
        assert result.outcome == "closed", day
    assert queueing.check_day(PLACE, date(2027, 2, 11), now) is None  # back at work on Thursday


def test_offered_days_skip_holidays_and_the_units_own_closed_days() -> None:
    registry = Registry(
        units=[
            Unit(unit_id="p-tan-phu", name="Công an phường Tân Phú", kind="ward", closed_days=["2026-09-03"])
        ]
    )
    closed = queueing.unit_closed_days(PLACE, registry)
    days = queueing.next_working_days(PLACE, _vn_morning(date(2026, 8, 28)), 3, closed)
    # 31/8 (compensatory day), 1/9 and 2/9 are holidays, 3/9 the ward's own closed day.
    assert days == [date(2026, 8, 28), date(2026, 9, 4), date(2026, 9, 7)]
    why = queueing.check_day(PLACE, date(2026, 9, 3), _vn_morning(date(2026, 8, 28)), closed)
    assert why and "ngày nghỉ của đơn vị" in why


def test_closed_reason_for_a_places_own_day() -> None:
    assert closed_reason(date(2026, 10, 6), ["2026-10-06"]) == "ngày nghỉ của đơn vị"
    assert closed_reason(date(2026, 10, 6)) is None
