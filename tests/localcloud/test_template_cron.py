"""EventBridge schedule expressions as the local cloud evaluates them (UTC unless a time zone is given)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from localcloud.cron import Schedule, ScheduleExpressionError
from localcloud.template import functions, load_template


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # 19:00 Vietnam time is 12:00 UTC: today if not yet past, else tomorrow.
        ("cron(0 12 * * ? *)", "2026-11-28T11:59:30", "2026-11-28T12:00:00"),
        ("cron(0 12 * * ? *)", "2026-11-28T12:00:00", "2026-11-29T12:00:00"),
        ("cron(30 0 * * ? *)", "2026-12-31T23:59:00", "2027-01-01T00:30:00"),
        ("cron(15 17 * * ? *)", "2026-02-28T18:00:00", "2026-03-01T17:15:00"),
        # every 15 minutes between 08:00 and 09:59 on weekdays (AWS: 1 = SUN ... 7 = SAT)
        ("cron(0/15 8-9 ? * MON-FRI *)", "2026-11-28T10:00:00", "2026-11-30T08:00:00"),  # Sat -> Mon
        ("cron(0/15 8-9 ? * 2-6 *)", "2026-11-30T08:14:59", "2026-11-30T08:15:00"),
        ("cron(0 3 ? * 1 *)", "2026-11-28T00:00:00", "2026-11-29T03:00:00"),  # 1 = Sunday
        ("cron(0 0 L * ? *)", "2028-02-01T00:00:00", "2028-02-29T00:00:00"),  # last day, leap year
        ("cron(0 9 ? * 6#3 *)", "2026-11-01T00:00:00", "2026-11-20T09:00:00"),  # third Friday
        ("cron(0 9 ? * 6L *)", "2026-11-01T00:00:00", "2026-11-27T09:00:00"),  # last Friday
        ("cron(0 0 1 JAN,JUL ? 2027-2030)", "2026-11-28T00:00:00", "2027-01-01T00:00:00"),
        ("cron(5,35 * 31 * ? *)", "2026-11-28T00:00:00", "2026-12-31T00:05:00"),  # skips 30-day months
    ],
)
def test_cron_next_run(expression: str, after: str, expected: str) -> None:
    assert Schedule.parse(expression).next_after(at(after)) == at(expected)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # 19:00 in Ho Chi Minh City (UTC+7) is 12:00 UTC; 07:30 there is 00:30 UTC.
        ("cron(0 19 * * ? *)", "2026-11-28T11:59:30", "2026-11-28T12:00:00"),
        ("cron(30 7 * * ? *)", "2026-11-28T01:00:00", "2026-11-29T00:30:00"),
        # 00:15 local on the 1st of the month is still the 30th/31st in UTC.
        ("cron(15 0 1 * ? *)", "2026-11-28T00:00:00", "2026-11-30T17:15:00"),
        # Last Friday of the month at 08:00 local; a Friday in UTC late evening is Saturday locally.
        ("cron(0 8 ? * 6L *)", "2026-11-01T00:00:00", "2026-11-27T01:00:00"),
        ("cron(0 8 ? * FRIL *)", "2026-11-27T02:00:00", "2026-12-25T01:00:00"),
    ],
)
def test_cron_in_vietnam_time(expression: str, after: str, expected: str) -> None:
    schedule = Schedule.parse(expression, "Asia/Ho_Chi_Minh")
    assert schedule.next_after(at(after)) == at(expected)


def test_l_alone_in_day_of_week_is_the_last_day_of_the_week_not_every_day() -> None:
    # EventBridge: `L` in day-of-week is Saturday (7); it must not fire on the Sunday-Friday between.
    runs = []
    when = at("2026-11-23T00:00:00")  # a Monday
    schedule = Schedule.parse("cron(0 9 ? * L *)")
    for _ in range(3):
        when = schedule.next_after(when)
        runs.append(when)
    assert runs == [at("2026-11-28T09:00:00"), at("2026-12-05T09:00:00"), at("2026-12-12T09:00:00")]


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ScheduleExpressionError, match="time zone"):
        Schedule.parse("cron(0 9 * * ? *)", "Mars/Olympus")


def test_rate_counts_whole_periods_from_the_start() -> None:
    start = at("2026-11-28T13:00:10")
    hourly = Schedule.parse("rate(1 hour)")
    assert hourly.next_after(start, start) == at("2026-11-28T14:00:10")
    assert hourly.next_after(at("2026-11-28T15:30:00"), start) == at("2026-11-28T16:00:10")
    assert Schedule.parse("rate(5 minutes)").period == timedelta(minutes=5)
    assert Schedule.parse("rate(2 days)").period == timedelta(days=2)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 hours)",
        "rate(1 week)",
        "cron(0 12 * * * *)",  # both day fields set
        "cron(0 12 ? * ? *)",  # neither
        "cron(0 12 * *)",  # five fields
        "cron(61 12 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 0 ? * 8 *)",
        "cron(0 0 ? FOO * ? *)",
        "cron(0 0 15W * ? *)",
        "every day",
    ],
)
def test_invalid_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleExpressionError):
        Schedule.parse(expression)


def test_an_expression_that_never_fires_again_says_so() -> None:
    with pytest.raises(ScheduleExpressionError, match="never"):
        Schedule.parse("cron(0 0 1 1 ? 2020)").next_after(at("2026-01-01T00:00:00"))


def test_every_schedule_in_the_template_parses_and_fires_within_a_day() -> None:
    now = at("2026-11-28T13:00:00")
    schedules = [s for f in functions(load_template()) for s in f.schedules]
    assert schedules, "template.yaml declares schedules"
    for source in schedules:
        next_run = Schedule.parse(source.expression, source.timezone).next_after(now, now)
        assert now < next_run <= now + timedelta(days=1), source
