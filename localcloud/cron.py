"""EventBridge schedule expressions: `rate(...)` and the six-field AWS `cron(...)` form.

A cron expression is read in its schedule's time zone (EventBridge Scheduler's
`ScheduleExpressionTimezone`, e.g. Asia/Ho_Chi_Minh; UTC when none is given); times come back in UTC.

cron(minutes hours day-of-month month day-of-week year), where one of day-of-month/day-of-week is `?`.
Supported per field: `*`, `?`, numbers, names (JAN-DEC, SUN-SAT), ranges `a-b`, lists `a,b`, steps
`a/n` and `a-b/n`, `L` (last day of month), and in day-of-week `nL` (the last such weekday of the
month), `L` alone (the last day of the week, Saturday) and `n#k`. Day-of-week counts
1 = SUN ... 7 = SAT, as EventBridge does. `W` (nearest weekday) is refused with a clear error.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

_MONTHS = {
    name: i
    for i, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
    )
}
_DAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleExpressionError(ValueError):
    """An expression EventBridge would refuse (or that this evaluator does not support)."""


def _number(token: str, names: dict[str, int], low: int, high: int) -> int:
    token = token.upper()
    value = names[token] if token in names else int(token) if token.isdigit() else None
    if value is None or not low <= value <= high:
        raise ScheduleExpressionError(f"{token!r} is not in {low}-{high}")
    return value


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """The set of values a plain cron field allows."""
    names = names or {}
    values: set[int] = set()
    for item in text.split(","):
        step = 1
        part = item
        if "/" in item:
            part, step_text = item.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleExpressionError(f"bad step in {text!r}")
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _number(a, names, low, high), _number(b, names, low, high)
        else:
            start = _number(part, names, low, high)
            end = high if step > 1 else start
        if start > end:
            raise ScheduleExpressionError(f"empty range in {text!r}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: str  # kept as text: depends on the month (L)
    months: frozenset[int]
    dow: str  # kept as text: depends on the month (nL, n#k)
    years: frozenset[int]

    @classmethod
    def parse(cls, body: str) -> Cron:
        parts = body.split()
        if len(parts) != 6:
            raise ScheduleExpressionError(f"cron needs 6 fields, got {len(parts)}: {body!r}")
        minute, hour, dom, month, dow, year = parts
        if (dom == "?") == (dow == "?"):
            raise ScheduleExpressionError("exactly one of day-of-month and day-of-week must be '?'")
        if "W" in dom.upper():
            raise ScheduleExpressionError("the W (nearest weekday) form is not supported locally")
        cron = cls(
            _field(minute, 0, 59),
            _field(hour, 0, 23),
            dom.upper(),
            _field(month, 1, 12, _MONTHS),
            dow.upper(),
            _field(year, 1970, 2199),
        )
        cron.days_in(2026, 1)  # validates the day fields
        return cron

    def days_in(self, year: int, month: int) -> frozenset[int]:
        """The days of one month this expression fires on."""
        last = calendar.monthrange(year, month)[1]
        if self.dom != "?":
            if self.dom == "L":
                return frozenset({last})
            return frozenset(d for d in _field(self.dom, 1, 31) if d <= last)
        days: set[int] = set()
        for part in self.dow.split(","):
            if "#" in part:
                day_text, nth_text = part.split("#", 1)
                weekday = _number(day_text, _DAYS, 1, 7)
                nth = int(nth_text) if nth_text.isdigit() else 0
                if not 1 <= nth <= 5:
                    raise ScheduleExpressionError(f"bad {part!r}")
                matches = [d for d in range(1, last + 1) if _aws_weekday(year, month, d) == weekday]
                if nth <= len(matches):
                    days.add(matches[nth - 1])
            elif part.endswith("L") and part != "L":
                weekday = _number(part[:-1], _DAYS, 1, 7)
                days.add(max(d for d in range(1, last + 1) if _aws_weekday(year, month, d) == weekday))
            else:
                allowed = _field("7" if part == "L" else part, 1, 7, _DAYS)
                days.update(d for d in range(1, last + 1) if _aws_weekday(year, month, d) in allowed)
        return frozenset(days)

    def next_after(self, after: datetime, zone: tzinfo = UTC) -> datetime:
        """The first firing time strictly after `after` (in UTC, whole minutes); fields read in `zone`."""
        start = after.astimezone(zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
        year, month = start.year, start.month
        for _ in range(12 * 200):
            if year > max(self.years):
                break
            if year in self.years and month in self.months:
                for day in sorted(self.days_in(year, month)):
                    for hour in sorted(self.hours):
                        for minute in sorted(self.minutes):
                            candidate = datetime(year, month, day, hour, minute, tzinfo=zone)
                            if candidate >= start:
                                return candidate.astimezone(UTC)
            month += 1
            if month > 12:
                year, month = year + 1, 1
        raise ScheduleExpressionError("the expression never fires again")


def _aws_weekday(year: int, month: int, day: int) -> int:
    # Python: Monday = 0 ... Sunday = 6; AWS: SUN = 1 ... SAT = 7.
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule expression that can say when it fires next."""

    expression: str
    period: timedelta | None = None
    cron: Cron | None = None
    timezone: str = "UTC"

    @classmethod
    def parse(cls, expression: str, timezone: str | None = None) -> Schedule:
        text = expression.strip()
        zone = timezone or "UTC"
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError) as exc:
            raise ScheduleExpressionError(f"unknown time zone {zone!r}") from exc
        rate = _RATE.match(text)
        if rate:
            amount, unit = int(rate.group(1)), rate.group(2).rstrip("s")
            if amount == 0:
                raise ScheduleExpressionError("a rate must be positive")
            if (amount == 1) != (rate.group(2) == unit):
                raise ScheduleExpressionError(f"use '{unit}' for 1 and '{unit}s' otherwise: {text!r}")
            return cls(text, period=timedelta(seconds=amount * _UNIT_SECONDS[unit]), timezone=zone)
        if text.startswith("cron(") and text.endswith(")"):
            return cls(text, cron=Cron.parse(text[5:-1]), timezone=zone)
        raise ScheduleExpressionError(f"not a rate(...) or cron(...) expression: {expression!r}")

    def next_after(self, after: datetime, started: datetime | None = None) -> datetime:
        """Next firing after `after`; a rate counts whole periods from `started` (default: `after`)."""
        if self.cron is not None:
            return self.cron.next_after(after, ZoneInfo(self.timezone))
        assert self.period is not None
        origin = started or after
        elapsed = max(timedelta(0), after - origin)
        periods = int(elapsed / self.period) + 1
        return origin + periods * self.period
