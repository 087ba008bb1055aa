"""Counters maintained as events happen: atomic, and idempotent with the event they count.

`count()` writes a marker for the event key and adds to the day's counters for the OA and the unit
the event is counted for (PK=STATS#<day> SK=OA#<oa_id>#UNIT#<unit_id>) in one transaction, so a
redelivered event is never counted twice. Days are Vietnam days (UTC+7).

Besides the fixed counter names, two families of names are dynamic:
- `outcome_<outcome>` — tips by outcome (see `model.case_terms.OUTCOME_LABELS_VI`); use `record_outcome`;
- `faq_<entry_id>` — procedure questions answered per knowledge-base entry (top questions).

`follows`/`unfollows` also move the OA's followers gauge (PK=STATS#FOLLOWERS) in the same transaction.
`record_duration` keeps response-time samples (seconds) on the day's item for exact percentiles.
`Counters` holds the rules over a `stats.store.CounterStore`; the module-level functions use the
process's DynamoDB store.
"""

from __future__ import annotations

import re
from datetime import datetime

from anninh.clock import utcnow, vn_day
from anninh.model.case_terms import OUTCOME_LABELS_VI
from anninh.stats.figures import (
    DURATION_METRICS,
    FAQ_PREFIX,
    OUTCOME_PREFIX,
    SAMPLES_PREFIX,
    DurationMetric,
)
from anninh.stats.store import CounterStore, counter_store

MARKER_TTL_SECONDS = 40 * 24 * 3600

# The counter names other modules may add to (see docs/data-model.md, "Statistics").
COUNTERS = frozenset(
    {
        "follows",
        "unfollows",
        "messages_in",
        "messages_out",
        "inquiries",
        "bot_answered",
        "handed_off",
        "tips",
        "tips_urgent",
        "tips_valuable",
        "broadcast_sent",
        "broadcast_failed",
        "broadcasts",
        "cccd_lookups",
        "queue_numbers",
        "events_unknown",
        "replies_officer",
        "tips_resolved",
        "tips_rejected",
        "tips_spam",
        "tips_forwarded",
        "tips_moved_in",
        "tips_moved_out",
    }
)

_FAQ_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

# A day's item keeps at most this many samples per metric (DynamoDB items are capped at 400 KB).
MAX_SAMPLES_PER_DAY = 5000


def is_counter(name: str) -> bool:
    """True for a fixed counter name, `outcome_<known outcome>` or `faq_<entry id>`."""
    if name in COUNTERS:
        return True
    if name.startswith(OUTCOME_PREFIX):
        return name[len(OUTCOME_PREFIX) :] in OUTCOME_LABELS_VI
    if name.startswith(FAQ_PREFIX):
        return bool(_FAQ_ID.match(name[len(FAQ_PREFIX) :]))
    return False


def faq_counter(entry_id: str) -> str:
    """The counter of answers given from one knowledge-base entry, e.g. `faq_cccd-cap-moi`."""
    return f"{FAQ_PREFIX}{entry_id}"


class Counters:
    """Counting on a given store: the rules above (names, idempotency key, day, marker TTL)."""

    def __init__(self, store: CounterStore) -> None:
        self.store = store

    def count(
        self, event_key: str, oa_id: str, unit_id: str, at: datetime | None = None, **increments: int
    ) -> bool:
        """Add increments to the OA's counters for the day of `at`; False if this event was counted."""
        unknown = {name for name in increments if not is_counter(name)}
        if unknown:
            raise ValueError(f"unknown counters: {sorted(unknown)}")
        increments = {name: int(v) for name, v in increments.items() if int(v) != 0}
        if not increments:
            return False
        return self._add(event_key, oa_id, unit_id, at or utcnow(), increments=increments, samples={})

    def record_outcome(
        self,
        event_key: str,
        oa_id: str,
        unit_id: str,
        outcome: str,
        *,
        previous: str | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Count a tip's outcome (and take back its previous one when an officer changes it)."""
        increments = {f"{OUTCOME_PREFIX}{outcome}": 1}
        if previous and previous != outcome:
            increments[f"{OUTCOME_PREFIX}{previous}"] = -1
        return self.count(event_key, oa_id, unit_id, at, **increments)

    def record_duration(
        self,
        event_key: str,
        oa_id: str,
        unit_id: str,
        at: datetime | None = None,
        *,
        metric: DurationMetric = "first_response",
        seconds: float = 0.0,
    ) -> bool:
        """Keep one response-time sample (seconds) on the day of `at` (the response or resolution).

        The officer workflow calls it when a tip gets its first officer reply (`first_response`,
        seconds since the case was opened) and when it is resolved (`resolution`). Idempotent per
        event key and metric. Percentiles are computed exactly from the samples by the roll-up and the
        stats API.
        """
        if metric not in DURATION_METRICS:
            raise ValueError(f"unknown duration metric: {metric}")
        if seconds < 0:
            raise ValueError("a duration cannot be negative")
        samples = {f"{SAMPLES_PREFIX}{metric}": round(float(seconds), 3)}
        return self._add(
            f"duration:{metric}:{event_key}", oa_id, unit_id, at or utcnow(), increments={}, samples=samples
        )

    def _add(
        self,
        event_key: str,
        oa_id: str,
        unit_id: str,
        at: datetime,
        *,
        increments: dict[str, int],
        samples: dict[str, float],
    ) -> bool:
        return self.store.add(
            event_key,
            day=vn_day(at),
            oa_id=oa_id,
            unit_id=unit_id,
            marker_expires_at=int(at.timestamp()) + MARKER_TTL_SECONDS,
            increments=increments,
            samples=samples,
            max_samples=MAX_SAMPLES_PER_DAY,
        )


# The process's counters on the main table: what the areas call as they handle events.


def count(event_key: str, oa_id: str, unit_id: str, at: datetime | None = None, **increments: int) -> bool:
    return Counters(counter_store()).count(event_key, oa_id, unit_id, at, **increments)


def record_outcome(
    event_key: str,
    oa_id: str,
    unit_id: str,
    outcome: str,
    *,
    previous: str | None = None,
    at: datetime | None = None,
) -> bool:
    return Counters(counter_store()).record_outcome(
        event_key, oa_id, unit_id, outcome, previous=previous, at=at
    )


def record_duration(
    event_key: str,
    oa_id: str,
    unit_id: str,
    at: datetime | None = None,
    *,
    metric: DurationMetric = "first_response",
    seconds: float = 0.0,
) -> bool:
    return Counters(counter_store()).record_duration(
        event_key, oa_id, unit_id, at, metric=metric, seconds=seconds
    )
