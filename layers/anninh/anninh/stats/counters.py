"""Counters maintained as events happen: atomic, and idempotent with the event they count.

`count()` writes a marker for the event key and adds to the day's counters for the OA in one
transaction, so a redelivered event is never counted twice. Days are Vietnam days (UTC+7).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anninh import aws, keys
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
    }
)


def count(
    event_key: str,
    oa_id: str,
    unit_id: str,
    at: datetime | None = None,
    client: Any | None = None,
    **increments: int,
) -> bool:
    """Add increments to the OA's counters for the day of `at`; False if this event was counted."""
    unknown = set(increments) - COUNTERS
    if unknown:
        raise ValueError(f"unknown counters: {sorted(unknown)}")
    if not increments:
        return False
    at = at or utcnow()
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
    add = ", ".join(f"#c{i} :v{i}" for i in range(len(increments)))
    stats_key = keys.stats_day(day, oa_id)
    marker = keys.counted_marker(event_key)
    try:
        ddb.transact_write_items(
            TransactItems=[
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
                        "UpdateExpression": f"SET unit_id = :unit, GSI1PK = :gpk, GSI1SK = :gsk, #day = :day, "
                        f"oa_id = :oa ADD {add}",
                        "ExpressionAttributeNames": {**names, "#day": "day"},
                        "ExpressionAttributeValues": values,
                    }
                },
            ]
        )
    except ddb.exceptions.TransactionCanceledException as exc:
        reasons = exc.response.get("CancellationReasons", [])
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise
    return True
