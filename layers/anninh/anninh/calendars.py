"""Working days: Vietnamese public holidays (the `holidays` package) and a unit's own closed days.

Queue numbers are never given for a day the office is closed, and reminders do not send citizens to a
closed office. Public holidays follow the Labour Code as the `holidays` package encodes it (Tết, Giỗ Tổ
Hùng Vương, 30/4, 1/5, 2/9 with the compensatory days the Government announces); a unit adds its own
closed days in the registry (`closed_days` on the unit, e.g. a move of premises or a local event).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache


@cache
def _public(year: int) -> Mapping[date, str]:
    # Imported on first use (about 0.5 s): only queue-number days and reminders need it, not every
    # cold start of the functions that import this module.
    import holidays

    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def public_holiday(day: date) -> str | None:
    """The Vietnamese name of the public holiday on that day, or None."""
    return _public(day.year).get(day)


def closed_reason(day: date, unit_closed_days: Iterable[str] = ()) -> str | None:
    """Why offices are closed that day (Vietnamese, for citizens), or None when it is not a closed day.

    Weekends are not decided here: each place has its own working weekdays.
    """
    name = public_holiday(day)
    if name:
        return f"ngày nghỉ lễ ({name})"
    if day.isoformat() in set(unit_closed_days):
        return "ngày nghỉ của đơn vị"
    return None
