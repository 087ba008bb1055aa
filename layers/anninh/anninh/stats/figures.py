"""Daily figures as plain dicts: summing, percentiles and the names reports and exports show.

A day's figures for an OA or a unit map counter names to integers (`follows`, `tips`,
`outcome_arrest`, `faq_cccd-cap-moi`...) and `samples_<metric>` to lists of seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from anninh.dynamo import plain

Figures = dict[str, Any]

# Dynamic counter names (see `stats.counters`): tips by outcome, answers per knowledge-base entry,
# and the day's response-time samples per metric.
OUTCOME_PREFIX = "outcome_"
FAQ_PREFIX = "faq_"
SAMPLES_PREFIX = "samples_"
DurationMetric = Literal["first_response", "resolution"]
DURATION_METRICS: tuple[DurationMetric, ...] = ("first_response", "resolution")

# The headline counters, in the order exports and reports show them.
HEADLINE = (
    "follows",
    "unfollows",
    "messages_in",
    "messages_out",
    "inquiries",
    "bot_answered",
    "handed_off",
    "tips",
    "tips_handled",
    "tips_urgent",
    "tips_valuable",
    "tips_resolved",
    "broadcasts",
    "broadcast_sent",
    "broadcast_failed",
    "cccd_lookups",
    "queue_numbers",
    "replies_officer",
)

LABELS_VI: dict[str, str] = {
    "followers": "Người quan tâm (cuối kỳ)",
    "follows": "Lượt quan tâm mới",
    "unfollows": "Lượt bỏ quan tâm",
    "messages_in": "Tin nhắn đến",
    "messages_out": "Tin nhắn trả lời",
    "inquiries": "Câu hỏi thủ tục hành chính",
    "bot_answered": "Câu hỏi được trả lời tự động",
    "handed_off": "Câu hỏi chuyển cán bộ",
    "tips": "Tin báo ANTT",
    "tips_handled": "Tin báo đơn vị thụ lý",
    "tips_urgent": "Tin báo khẩn",
    "tips_valuable": "Tin báo có giá trị",
    "tips_resolved": "Tin báo đã giải quyết",
    "broadcasts": "Đợt gửi thông báo",
    "broadcast_sent": "Thông báo đã gửi",
    "broadcast_failed": "Thông báo gửi lỗi",
    "cccd_lookups": "Lượt tra cứu thẻ căn cước",
    "queue_numbers": "Số thứ tự đã cấp",
    "replies_officer": "Trả lời của cán bộ",
}

METRIC_LABELS_VI = {
    "first_response": "Thời gian phản hồi đầu tiên",
    "resolution": "Thời gian giải quyết",
}


def figures_of(item: dict[str, Any]) -> Figures:
    """The counters and samples of a stored stats item (keys and bookkeeping dropped)."""
    out: Figures = {}
    for name, value in item.items():
        if name.startswith(SAMPLES_PREFIX):
            out[name] = [float(v) for v in plain(value)]
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool) and _is_figure(name):
            out[name] = plain(value)
    return out


def _is_figure(name: str) -> bool:
    return name not in {"expires_at", "followers_start"} and not name.isupper()


def add_into(target: Figures, source: Figures) -> Figures:
    for name, value in source.items():
        if name.startswith(SAMPLES_PREFIX):
            target.setdefault(name, []).extend(value)
        elif isinstance(value, (int, float)):
            target[name] = target.get(name, 0) + value
    return target


def total(days: Iterable[Figures]) -> Figures:
    out: Figures = {}
    for day in days:
        add_into(out, {k: v for k, v in day.items() if k != "followers"})
    return out


def percentile(samples: list[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100) of the samples; None when there are none."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 1)


def response_times(figures: Figures) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for metric in DURATION_METRICS:
        samples = figures.get(f"{SAMPLES_PREFIX}{metric}", [])
        out[metric] = {
            "count": len(samples),
            "median_seconds": percentile(samples, 50),
            "p90_seconds": percentile(samples, 90),
        }
    return out


def outcomes(figures: Figures) -> dict[str, int]:
    return {
        name[len(OUTCOME_PREFIX) :]: int(v)
        for name, v in sorted(figures.items())
        if name.startswith(OUTCOME_PREFIX) and v
    }


def top_questions(figures: Figures, limit: int = 10) -> list[dict[str, Any]]:
    counts = [
        (name[len(FAQ_PREFIX) :], int(v))
        for name, v in figures.items()
        if name.startswith(FAQ_PREFIX) and v > 0
    ]
    counts.sort(key=lambda c: (-c[1], c[0]))
    return [{"entry_id": entry, "count": n} for entry, n in counts[:limit]]


def handled(figures: Figures) -> int:
    """Tips a unit handles: received, plus forwarded to it, minus forwarded away (issue 17: a tip is
    credited to the unit that resolved it; `tips` stays the count by receiving unit)."""
    return (
        int(figures.get("tips", 0))
        + int(figures.get("tips_moved_in", 0))
        - int(figures.get("tips_moved_out", 0))
    )


def counters_only(figures: Figures) -> dict[str, int]:
    """Headline counters with zeros filled in (what the API and exports show)."""
    out = {name: int(figures.get(name, 0)) for name in HEADLINE}
    out["tips_handled"] = handled(figures)
    return out


def days_between(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def human_duration(seconds: float | None) -> str:
    """'—', '45 giây', '12 phút', '3,5 giờ', '2,0 ngày' — how the report shows a duration."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{round(seconds)} giây"
    if seconds < 3600:
        return f"{round(seconds / 60)} phút"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} giờ".replace(".", ",")
    return f"{seconds / 86400:.1f} ngày".replace(".", ",")


def vn_number(value: float | int) -> str:
    """Vietnamese thousands separator: 157200 -> '157.200'."""
    if isinstance(value, float) and not value.is_integer():
        whole, frac = f"{value:,.1f}".split(".")
        return whole.replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")
