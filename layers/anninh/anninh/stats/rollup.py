"""Nightly roll-up: a day's per-OA counters into per-unit daily figures (units include those below).

Idempotent: each unit's day item is recomputed from the per-OA counters and overwritten, so running
it again (or for an older day, after late events) gives the same result for the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from anninh.clock import vn_day
from anninh.registry import Registry
from anninh.stats import figures as fig
from anninh.stats.queries import Figurer
from anninh.stats.store import StatsStore


@dataclass(frozen=True)
class RollupResult:
    day: str
    units: int
    oas_with_activity: int
    followers: dict[str, int]


def yesterday(now: datetime) -> str:
    return (date.fromisoformat(vn_day(now)) - timedelta(days=1)).isoformat()


def roll_up_day(registry: Registry, store: StatsStore, day: str, now: datetime) -> RollupResult:
    """Write one roll-up item per unit for `day` (a Vietnam day, YYYY-MM-DD)."""
    today = vn_day(now)
    if day > today:
        raise ValueError(f"cannot roll up a future day: {day}")
    figurer = Figurer(registry, store, today)
    start = date.fromisoformat(day)
    followers: dict[str, int] = {}
    for unit in registry.units:
        days = figurer.unit_days(unit.unit_id, start, start)
        figures = days[0].figures if days and not days[0].rolled_up else figurer.live_day(unit.unit_id, day)
        unit_followers = days[0].followers if days else figurer.followers_now(unit.unit_id)
        store.put_rollup(
            day, unit.unit_id, figures, unit_followers, {"response_times": fig.response_times(figures)}
        )
        followers[unit.unit_id] = unit_followers
    return RollupResult(day, len(registry.units), len(store.oa_days(day)), followers)
