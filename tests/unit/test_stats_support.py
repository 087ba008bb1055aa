"""Support for the statistics tests: an in-memory StatsStore (no AWS)."""

from __future__ import annotations

from typing import Any

from anninh.stats.figures import Figures, add_into


class MemoryStatsStore:
    def __init__(self) -> None:
        self.days: dict[str, dict[tuple[str, str], Figures]] = {}
        self.gauges: dict[str, int] = {}
        self.rolled: dict[tuple[str, str], tuple[Figures, int]] = {}

    def add(self, day: str, oa_id: str, unit_id: str, **figures: Any) -> None:
        current = self.days.setdefault(day, {}).setdefault((oa_id, unit_id), {})
        add_into(current, figures)
        net = figures.get("follows", 0) - figures.get("unfollows", 0)
        self.gauges[oa_id] = self.gauges.get(oa_id, 0) + net

    def oa_days(self, day: str) -> list[tuple[str, str, Figures]]:
        return [(oa, unit, dict(f)) for (oa, unit), f in self.days.get(day, {}).items()]

    def follower_gauges(self) -> dict[str, int]:
        return dict(self.gauges)

    def put_rollup(
        self, day: str, unit_id: str, figures: Figures, followers: int, extra: dict[str, Any] | None = None
    ) -> None:
        self.rolled[(day, unit_id)] = (dict(figures), followers)

    def put_rollups(self, day: str, rows: list[tuple[str, Figures, int, dict[str, Any]]]) -> None:
        for unit_id, figures, followers, extra in rows:
            self.put_rollup(day, unit_id, figures, followers, extra)

    def rollups(self, unit_id: str, first: str, last: str) -> dict[str, tuple[Figures, int]]:
        return {d: v for (d, u), v in self.rolled.items() if u == unit_id and first <= d <= last}
