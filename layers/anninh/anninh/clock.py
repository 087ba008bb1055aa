"""Time in one place: UTC for storage, Vietnam time (UTC+7) for citizens and daily figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), name="ICT")


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """Sortable UTC timestamp with milliseconds, e.g. 2026-05-01T03:04:05.678Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def vn_day(dt: datetime) -> str:
    """The Vietnam calendar day (YYYY-MM-DD) an instant falls on."""
    return dt.astimezone(VN_TZ).strftime("%Y-%m-%d")


def from_millis(ms: str | int) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)
