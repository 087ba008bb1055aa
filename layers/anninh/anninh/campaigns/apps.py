"""How many Zalo apps a deployment needs, and which app each OA belongs to, so that a broadcast to
every follower ends in time (docs/capacity.md).

Zalo limits OA API requests per app (4,000 a minute by default), shared by every OA the app holds,
and each OA is connected to one app. The shared limiter (`anninh.ratelimit`) keeps one bucket per
app and the planner interleaves apps (`planner.lanes_from_cursor`), so a campaign over all OAs sends
on every app at once: it lasts as long as its most loaded app needs, that is the followers of that
app's OAs divided by the rate the limiter holds (`TARGET_FRACTION` of the limit).

`spread_oas` places OAs on apps largest first, each on the app with the fewest followers so far
(longest-processing-time first: within 4/3 of the best possible split, usually within a few per
cent). An OA bigger than one app can send in the time allowed cannot be split: it is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

DEFAULT_LIMIT_PER_MINUTE = 4000
TARGET_FRACTION = 0.98  # the limiter's default share of Zalo's limit (`RateLimiter.target_fraction`)


def sends_per_minute(limit_per_minute: int = DEFAULT_LIMIT_PER_MINUTE) -> float:
    return limit_per_minute * TARGET_FRACTION


def apps_needed(
    followers: int, minutes: float, limit_per_minute: int = DEFAULT_LIMIT_PER_MINUTE, headroom: float = 0.85
) -> int:
    """Apps for `followers` messages in `minutes`, planning on `headroom` of the limiter's rate (the
    rest absorbs -32 pauses and an uneven split)."""
    per_app = sends_per_minute(limit_per_minute) * headroom * minutes
    return max(1, math.ceil(followers / per_app))


@dataclass
class Spread:
    app_of: dict[str, str]
    followers_per_app: dict[str, int]
    too_big: list[str] = field(default_factory=list)  # OAs larger than one app sends in the time

    def minutes(self, limit_per_minute: int = DEFAULT_LIMIT_PER_MINUTE) -> float:
        """Time for a broadcast to every follower: the most loaded app's share at the limiter's rate."""
        busiest = max(self.followers_per_app.values(), default=0)
        return busiest / sends_per_minute(limit_per_minute)


def spread_oas(
    followers: dict[str, int],
    apps: list[str],
    *,
    minutes: float | None = None,
    limit_per_minute: int = DEFAULT_LIMIT_PER_MINUTE,
) -> Spread:
    """Place each OA on one app so the apps carry about the same number of followers."""
    if not apps:
        raise ValueError("at least one app is needed")
    load = dict.fromkeys(apps, 0)
    app_of: dict[str, str] = {}
    for oa_id, count in sorted(followers.items(), key=lambda kv: (-kv[1], kv[0])):
        app = min(apps, key=lambda a: (load[a], apps.index(a)))
        app_of[oa_id] = app
        load[app] += count
    too_big: list[str] = []
    if minutes is not None:
        one_app = sends_per_minute(limit_per_minute) * minutes
        too_big = sorted(oa for oa, count in followers.items() if count > one_app)
    return Spread(app_of, load, too_big)


def app_for_new_oa(followers_per_app: dict[str, int]) -> str:
    """The app to connect a new OA to: the one carrying the fewest followers."""
    if not followers_per_app:
        raise ValueError("no apps")
    return min(followers_per_app, key=lambda a: (followers_per_app[a], a))
