"""In-memory stats stores: the counter transaction's behaviour (marker once, counters, gauge, samples)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class InMemoryCounterStore:
    """`stats.store.CounterStore` in memory: the same all-or-nothing outcome as the transaction."""

    markers: dict[str, int] = field(default_factory=dict)  # event key -> marker expiry
    days: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    followers: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(
        self,
        event_key: str,
        *,
        day: str,
        oa_id: str,
        unit_id: str,
        marker_expires_at: int,
        increments: dict[str, int],
        samples: dict[str, float],
        max_samples: int,
    ) -> bool:
        if event_key in self.markers:
            return False
        figures = self.days[(day, oa_id, unit_id)]
        first = next(iter(samples), None)
        if first is not None and len(figures.get(first, [])) >= max_samples:
            return False
        self.markers[event_key] = marker_expires_at
        for name, value in increments.items():
            figures[name] = figures.get(name, 0) + value
        for name, value in samples.items():
            figures.setdefault(name, []).append(value)
        self.followers[oa_id] += increments.get("follows", 0) - increments.get("unfollows", 0)
        return True
