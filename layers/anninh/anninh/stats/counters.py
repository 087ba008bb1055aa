"""Counters maintained as events happen: atomic, and idempotent with the event they count.

`count()` writes a marker for the event key and adds to the day's counters for the OA and the unit
the event is counted for (PK=STATS#<day> SK=OA#<oa_id>#UNIT#<unit_id>) in one transaction, so a
redelivered event is never counted twice. Days are Vietnam days (UTC+7).

Besides the fixed counter names, two families of names are dynamic:
- `outcome_<outcome>` — tips by outcome (see `cases.model.OUTCOME_LABELS_VI`); use `record_outcome`;
- `faq_<entry_id>` — procedure questions answered per knowledge-base entry (top questions).

`follows`/`unfollows` also move the OA's followers gauge (PK=STATS#FOLLOWERS) in the same transaction.
`record_duration` keeps response-time samples (seconds) on the day's item for exact percentiles.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from anninh import aws, keys
from anninh.cases.model import OUTCOME_LABELS_VI
from anninh.clock import utcnow, vn_day
from anninh.settings import get_settings

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

OUTCOME_PREFIX = "outcome_"
FAQ_PREFIX = "faq_"
_FAQ_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

DurationMetric = Literal["first_response", "resolution"]
DURATION_METRICS: tuple[DurationMetric, ...] = ("first_response", "resolution")
SAMPLES_PREFIX = "samples_"
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


def count(
    event_key: str,
    oa_id: str,
    unit_id: str,
    at: datetime | None = None,
    client: Any | None = None,
    **increments: int,
) -> bool:
    """Add increments to the OA's counters for the day of `at`; False if this event was counted."""
    unknown = {name for name in increments if not is_counter(name)}
    if unknown:
        raise ValueError(f"unknown counters: {sorted(unknown)}")
    increments = {name: int(v) for name, v in increments.items() if int(v) != 0}
    if not increments:
        return False
    return _write(
        event_key,
        oa_id=oa_id,
        unit_id=unit_id,
        at=at or utcnow(),
        client=client,
        increments=increments,
        samples={},
    )


def record_outcome(
    event_key: str,
    oa_id: str,
    unit_id: str,
    outcome: str,
    *,
    previous: str | None = None,
    at: datetime | None = None,
    client: Any | None = None,
) -> bool:
    """Count a tip's outcome (and take back its previous one when an officer changes it)."""
    increments = {f"{OUTCOME_PREFIX}{outcome}": 1}
    if previous and previous != outcome:
        increments[f"{OUTCOME_PREFIX}{previous}"] = -1
    return count(event_key, oa_id, unit_id, at, client, **increments)


def record_duration(
    event_key: str,
    oa_id: str,
    unit_id: str,
    at: datetime | None = None,
    *,
    metric: DurationMetric = "first_response",
    seconds: float = 0.0,
    client: Any | None = None,
) -> bool:
    """Keep one response-time sample (seconds) on the day of `at` (the response or resolution).

    The officer workflow calls it when a tip gets its first officer reply (`first_response`, seconds
    since the case was opened) and when it is resolved (`resolution`). Idempotent per event key and
    metric. Percentiles are computed exactly from the samples by the roll-up and the stats API.
    """
    if metric not in DURATION_METRICS:
        raise ValueError(f"unknown duration metric: {metric}")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return _write(
        f"duration:{metric}:{event_key}",
        oa_id=oa_id,
        unit_id=unit_id,
        at=at or utcnow(),
        client=client,
        increments={},
        samples={f"{SAMPLES_PREFIX}{metric}": round(float(seconds), 3)},
    )


def _write(
    event_key: str,
    *,
    oa_id: str,
    unit_id: str,
    at: datetime,
    client: Any | None,
    increments: dict[str, int],
    samples: dict[str, float],
) -> bool:
    day = vn_day(at)
    settings = get_settings()
    ddb = client or aws.client("dynamodb")
    names = {f"#c{i}": name for i, name in enumerate(increments)}
    values: dict[str, Any] = {f":v{i}": {"N": str(v)} for i, v in enumerate(increments.values())}
    values[":unit"] = {"S": unit_id}
    values[":gpk"] = {"S": f"STATS#UNIT#{unit_id}"}
    values[":gsk"] = {"S": f"{day}#{oa_id}"}
    values[":day"] = {"S": day}
    values[":oa"] = {"S": oa_id}
    sets = ["unit_id = :unit", "GSI1PK = :gpk", "GSI1SK = :gsk", "#day = :day", "oa_id = :oa"]
    for i, (name, value) in enumerate(samples.items()):
        names[f"#s{i}"] = name
        values[f":s{i}"] = {"L": [{"N": str(value)}]}
        values[":empty"] = {"L": []}
        sets.append(f"#s{i} = list_append(if_not_exists(#s{i}, :empty), :s{i})")
    expression = "SET " + ", ".join(sets)
    if increments:
        expression += " ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(increments)))
    condition: dict[str, Any] = {}
    if samples:
        # A runaway day stops collecting samples rather than failing the event it belongs to.
        values[":max"] = {"N": str(MAX_SAMPLES_PER_DAY)}
        condition = {"ConditionExpression": "attribute_not_exists(#s0) OR size(#s0) < :max"}
    stats_key = keys.stats_day_unit(day, oa_id, unit_id)
    marker = keys.counted_marker(event_key)
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": settings.table_name,
                "Item": {
                    "PK": {"S": marker["PK"]},
                    "SK": {"S": marker["SK"]},
                    "expires_at": {"N": str(int(at.timestamp()) + MARKER_TTL_SECONDS)},
                },
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
        {
            "Update": {
                "TableName": settings.table_name,
                "Key": {"PK": {"S": stats_key["PK"]}, "SK": {"S": stats_key["SK"]}},
                "UpdateExpression": expression,
                "ExpressionAttributeNames": {**names, "#day": "day"},
                "ExpressionAttributeValues": values,
                **condition,
            }
        },
    ]
    net_followers = increments.get("follows", 0) - increments.get("unfollows", 0)
    if net_followers:
        gauge = keys.stats_followers(oa_id)
        items.append(
            {
                "Update": {
                    "TableName": settings.table_name,
                    "Key": {"PK": {"S": gauge["PK"]}, "SK": {"S": gauge["SK"]}},
                    "UpdateExpression": "SET oa_id = :oa ADD followers :n",
                    "ExpressionAttributeValues": {":oa": {"S": oa_id}, ":n": {"N": str(net_followers)}},
                }
            }
        )
    try:
        ddb.transact_write_items(TransactItems=items)
    except ddb.exceptions.TransactionCanceledException as exc:
        reasons = exc.response.get("CancellationReasons", [])
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
            return False  # the day's sample list is full
        raise
    return True
