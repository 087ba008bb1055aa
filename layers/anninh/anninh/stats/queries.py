"""Figures for a unit and period: from roll-ups where present, from per-OA counters otherwise.

A unit's figures include every unit under it (registry.subtree). Followers at the end of a day are
derived from the followers gauge (now) by walking back the net follows of the days since, so the
same figure comes out whether a day was rolled up or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from anninh.registry import Registry
from anninh.stats import figures as fig
from anninh.stats.figures import Figures
from anninh.stats.store import StatsStore

MAX_PERIOD_DAYS = 731


class PeriodError(ValueError):
    """The period asked for is malformed, reversed or too long."""


def parse_period(first: str | None, last: str | None, today: str) -> tuple[date, date]:
    """`from`/`to` as dates; both default to today; `to` may not precede `from`."""
    try:
        start = date.fromisoformat(first or today)
        end = date.fromisoformat(last or first or today)
    except ValueError as exc:
        raise PeriodError("Ngày phải có dạng YYYY-MM-DD.") from exc
    if end < start:
        raise PeriodError("Ngày kết thúc phải sau ngày bắt đầu.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(f"Khoảng thời gian tối đa là {MAX_PERIOD_DAYS} ngày.")
    return start, end


@dataclass
class UnitDay:
    day: str
    figures: Figures
    followers: int
    rolled_up: bool


@dataclass
class Figurer:
    """Computes figures per unit and day; caches per-OA data across the units it is asked about."""

    registry: Registry
    store: StatsStore
    today: str
    _gauges: dict[str, int] | None = field(default=None, init=False)

    def oa_unit(self, oa_id: str, fallback: str = "") -> str:
        oa = self.registry.oa(oa_id)
        return oa.unit_id if oa else fallback

    def oas_under(self, unit_id: str) -> set[str]:
        units = set(self.registry.subtree(unit_id))
        return {oa.oa_id for oa in self.registry.oas if oa.unit_id in units}

    def gauges(self) -> dict[str, int]:
        if self._gauges is None:
            self._gauges = self.store.follower_gauges()
        return self._gauges

    def live_day(self, unit_id: str, day: str) -> Figures:
        units = set(self.registry.subtree(unit_id))
        out: Figures = {}
        for oa_id, counted_for, figures in self.store.oa_days(day):
            owner = self.registry.owner_on(counted_for, day, self.oa_unit(oa_id))
            if owner in units:
                fig.add_into(out, figures)
        return out

    def followers_now(self, unit_id: str) -> int:
        """Followers of the OAs in the unit's subtree now; a unit that ended (a reorganisation moved its
        OAs out) keeps the followers of its last day, so its history walks back from there."""
        units = set(self.registry.subtree(unit_id))
        ended = sum(
            u.final_followers
            for uid in units
            if (u := self.registry.units_by_id[uid]).ended_on and not set(u.successors) & units
        )
        return ended + sum(n for oa_id, n in self.gauges().items() if self.oa_unit(oa_id) in units)

    def unit_days(self, unit_id: str, start: date, end: date) -> list[UnitDay]:
        """Each day of [start, end] (end capped at today) with its figures and end-of-day followers."""
        last = min(end.isoformat(), self.today)
        if start.isoformat() > self.today:
            return []
        # Roll-ups and live figures up to today: followers walk back from today's gauge.
        days = fig.days_between(start, date.fromisoformat(self.today))
        rolled = self.store.rollups(unit_id, days[0], days[-1])
        series: list[UnitDay] = []
        for day in days:
            if day in rolled and day != self.today:
                series.append(UnitDay(day, rolled[day][0], 0, True))
            else:
                series.append(UnitDay(day, self.live_day(unit_id, day), 0, False))
        followers = self.followers_now(unit_id)
        for entry in reversed(series):
            entry.followers = followers
            followers -= int(entry.figures.get("follows", 0)) - int(entry.figures.get("unfollows", 0))
        return [entry for entry in series if entry.day <= last]


def summary(days: list[UnitDay]) -> dict[str, Any]:
    totals = fig.total(d.figures for d in days)
    followers_end = days[-1].followers if days else 0
    if days:
        first = days[0]
        followers_start = (
            first.followers - int(first.figures.get("follows", 0)) + int(first.figures.get("unfollows", 0))
        )
    else:
        followers_start = followers_end
    counters = fig.counters_only(totals)
    return {
        "followers": followers_end,
        "followers_start": followers_start,
        "followers_change": followers_end - followers_start,
        **counters,
        "bot_answer_rate": round(counters["bot_answered"] / counters["inquiries"], 3)
        if counters["inquiries"]
        else None,
        "outcomes": fig.outcomes(totals),
        "response_times": fig.response_times(totals),
        "top_questions": fig.top_questions(totals),
    }


def period_stats(
    registry: Registry, store: StatsStore, unit_id: str, start: date, end: date, *, today: str
) -> dict[str, Any]:
    """Totals, daily series and per-unit breakdown for a unit (with the units under it)."""
    unit = registry.unit(unit_id)
    if unit is None:
        raise LookupError(unit_id)
    figurer = Figurer(registry, store, today)
    days = figurer.unit_days(unit_id, start, end)
    series = [
        {"day": d.day, "followers": d.followers, **fig.counters_only(d.figures), **_day_extras(d.figures)}
        for d in days
    ]
    overall = summary(days)
    breakdown = unit_breakdown(figurer, unit, overall, start, end)
    return {
        "unit_id": unit_id,
        "unit_name": unit.name,
        "from": start.isoformat(),
        "to": end.isoformat(),
        **overall,
        "series": series,
        "units": breakdown,
        "source": {
            "rolled_up_days": sum(1 for d in days if d.rolled_up),
            "live_days": sum(1 for d in days if not d.rolled_up),
        },
    }


OWN_ROW_SUFFIX = " (trực tiếp)"


def unit_breakdown(
    figurer: Figurer, unit: Any, overall: dict[str, Any], start: date, end: date
) -> list[dict[str, Any]]:
    """One row per unit directly under `unit`, then the unit's own row (its own OA and the tips it
    holds itself), so the rows always add up to the unit's total, counter by counter.

    The own row is the total minus the rows below: a unit's figures are exactly its own plus those of
    the units under it (registry.subtree), so the difference is what was counted for the unit itself.
    """
    rows: list[dict[str, Any]] = []
    for child in figurer.registry.children(unit.unit_id):
        child_days = figurer.unit_days(child.unit_id, start, end)
        rows.append(
            {
                "unit_id": child.unit_id,
                "name": child.name,
                "kind": child.kind,
                "own": False,
                "followers": summary(child_days)["followers"],
                **fig.counters_only(fig.total(d.figures for d in child_days)),
            }
        )
    if not rows:
        return rows
    names = ["followers", *fig.counters_only({})]
    own = {name: int(overall.get(name, 0)) - sum(int(r.get(name, 0)) for r in rows) for name in names}
    rows.append(
        {"unit_id": unit.unit_id, "name": unit.name + OWN_ROW_SUFFIX, "kind": unit.kind, "own": True, **own}
    )
    return rows


def _day_extras(figures: Figures) -> dict[str, Any]:
    times = fig.response_times(figures)
    return {
        "first_response_median_seconds": times["first_response"]["median_seconds"],
        "resolution_median_seconds": times["resolution"]["median_seconds"],
    }
