"""Nightly roll-up: a day's per-OA counters into per-unit daily figures (units include those below).

Idempotent: each unit's day item is recomputed from the per-OA counters and overwritten, so running
it again (or for an older day, after late events) gives the same result for the same data.

Followers at the end of a day: the OA's followers gauge (now) minus the net follows counted after
that day. The counters of every day from the first day rolled up to today are read once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from anninh.clock import vn_day
from anninh.registry import Registry
from anninh.stats import figures as fig
from anninh.stats.store import StatsStore


@dataclass(frozen=True)
class RollupResult:
    day: str
    units: int
    oas_with_activity: int
    followers: dict[str, int]


def yesterday(now: datetime) -> str:
    return (date.fromisoformat(vn_day(now)) - timedelta(days=1)).isoformat()


def roll_up_days(registry: Registry, store: StatsStore, days: list[str], now: datetime) -> list[RollupResult]:
    """Write one roll-up item per unit for each of `days` (Vietnam days, YYYY-MM-DD)."""
    today = vn_day(now)
    days = sorted(set(days))
    if not days:
        return []
    if days[-1] > today:
        raise ValueError(f"cannot roll up a future day: {days[-1]}")
    span = fig.days_between(date.fromisoformat(days[0]), date.fromisoformat(today))
    counted = {day: store.oa_days(day) for day in span}

    # Followers per OA at the end of each day, walking back from the gauge.
    followers_end: dict[str, dict[str, int]] = {}
    current = dict(store.follower_gauges())
    for day in reversed(span):
        followers_end[day] = dict(current)
        for oa_id, _unit, oa_figures in counted[day]:
            net = int(oa_figures.get("follows", 0)) - int(oa_figures.get("unfollows", 0))
            current[oa_id] = current.get(oa_id, 0) - net

    home = {oa.oa_id: oa.unit_id for oa in registry.oas}
    subtrees = {unit.unit_id: set(registry.subtree(unit.unit_id)) for unit in registry.units}
    results = []
    for day in days:
        rows: list[tuple[str, fig.Figures, int, dict[str, Any]]] = []
        unit_followers: dict[str, int] = {}
        for unit_id, inside in subtrees.items():
            figures: fig.Figures = {}
            for oa_id, counted_for, oa_figures in counted[day]:
                owner = registry.owner_on(counted_for, day, home.get(oa_id, ""))
                if owner in inside:
                    fig.add_into(figures, oa_figures)
            followers = sum(n for oa_id, n in followers_end[day].items() if home.get(oa_id) in inside)
            unit_followers[unit_id] = followers
            rows.append((unit_id, figures, followers, {"response_times": fig.response_times(figures)}))
        store.put_rollups(day, rows)
        results.append(RollupResult(day, len(rows), len({oa for oa, _u, _f in counted[day]}), unit_followers))
    return results
