"""Data access for statistics: per-OA day counters, followers gauges and per-unit daily roll-ups.

Key shapes are in `anninh.keys` (section "Statistics"). Access patterns:
- a day's counters for every OA and unit: Query PK=STATS#<day>, SK begins_with OA#;
- followers gauges for every OA: Query PK=STATS#FOLLOWERS;
- a unit's roll-ups for a period: Query GSI1 GSI1PK=STATS#ROLLUP#<unit> GSI1SK between days;
- counting an event (`CounterStore.add`): one transaction of the event's "counted" marker (conditional
  put), the day's OA/unit counters (ADD, samples appended) and, for follows, the OA's followers gauge.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Key

from anninh import aws, keys
from anninh.clock import iso, utcnow
from anninh.dynamo import plain, query_all
from anninh.settings import get_settings
from anninh.stats.figures import Figures, figures_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef, UpdateTypeDef


class StatsStore(Protocol):
    def oa_days(self, day: str) -> list[tuple[str, str, Figures]]: ...
    def follower_gauges(self) -> dict[str, int]: ...
    def put_rollup(
        self, day: str, unit_id: str, figures: Figures, followers: int, extra: dict[str, Any] | None = None
    ) -> None: ...
    def put_rollups(self, day: str, rows: list[tuple[str, Figures, int, dict[str, Any]]]) -> None: ...
    def rollups(self, unit_id: str, first: str, last: str) -> dict[str, tuple[Figures, int]]: ...


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, list):
        return [_to_dynamo(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    return value


class DynamoStatsStore:
    """The stats aggregate over the main table."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._oa_items: dict[str, list[dict[str, Any]]] = {}  # per day: one store per request or run

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        return query_all(self.table, **kwargs)

    def _oa_items_of(self, day: str) -> list[dict[str, Any]]:
        if day not in self._oa_items:
            self._oa_items[day] = self._query(
                KeyConditionExpression=Key("PK").eq(keys.stats_day_pk(day))
                & Key("SK").begins_with(keys.STATS_OA_PREFIX)
            )
        return self._oa_items[day]

    def oa_days(self, day: str) -> list[tuple[str, str, Figures]]:
        """(oa_id, unit_id, figures) of every OA and unit counted on the day."""
        return [(item["oa_id"], item.get("unit_id", ""), figures_of(item)) for item in self._oa_items_of(day)]

    def follower_gauges(self) -> dict[str, int]:
        items = self._query(KeyConditionExpression=Key("PK").eq(keys.STATS_FOLLOWERS_PK))
        return {item["oa_id"]: int(item.get("followers", 0)) for item in items}

    def put_rollup(
        self, day: str, unit_id: str, figures: Figures, followers: int, extra: dict[str, Any] | None = None
    ) -> None:
        self.table.put_item(Item=self._rollup_item(day, unit_id, figures, followers, extra))

    def put_rollups(self, day: str, rows: list[tuple[str, Figures, int, dict[str, Any]]]) -> None:
        """Every unit's item for the day (batched writes; each item is overwritten whole)."""
        with self.table.batch_writer() as batch:
            for unit_id, figures, followers, extra in rows:
                batch.put_item(Item=self._rollup_item(day, unit_id, figures, followers, extra))

    def _rollup_item(
        self, day: str, unit_id: str, figures: Figures, followers: int, extra: dict[str, Any] | None
    ) -> dict[str, Any]:
        return {
            **keys.stats_unit_day(day, unit_id),
            "GSI1PK": keys.stats_rollup_gsi(unit_id),
            "GSI1SK": day,
            "type": "stats_rollup",
            "unit_id": unit_id,
            "day": day,
            "followers": followers,
            "figures": _to_dynamo(figures),
            "rolled_at": iso(utcnow()),
            **_to_dynamo(extra or {}),
        }

    def rollups(self, unit_id: str, first: str, last: str) -> dict[str, tuple[Figures, int]]:
        items = self._query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(keys.stats_rollup_gsi(unit_id))
            & Key("GSI1SK").between(first, last),
        )
        return {
            item["day"]: (plain(item.get("figures", {})), int(item.get("followers", 0))) for item in items
        }


class CounterStore(Protocol):
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
        """Add the increments (and append the samples) to the day's counters of the OA and unit, once
        per event key; False when the event was already counted or a sample list is full."""


class DynamoCounterStore:
    """Counters in the main table through the low-level client (one TransactWriteItems per event)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._ddb = client
        self._table = table_name

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
        names = {f"#c{i}": name for i, name in enumerate(increments)}
        values: dict[str, Any] = {f":v{i}": {"N": str(v)} for i, v in enumerate(increments.values())}
        values[":unit"] = {"S": unit_id}
        values[":gpk"] = {"S": keys.stats_unit_gsi(unit_id)}
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
        stats_key = keys.stats_day_unit(day, oa_id, unit_id)
        update: UpdateTypeDef = {
            "TableName": self._table,
            "Key": {"PK": {"S": stats_key["PK"]}, "SK": {"S": stats_key["SK"]}},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": {**names, "#day": "day"},
            "ExpressionAttributeValues": values,
        }
        if samples:
            # A runaway day stops collecting samples rather than failing the event it belongs to.
            values[":max"] = {"N": str(max_samples)}
            update["ConditionExpression"] = "attribute_not_exists(#s0) OR size(#s0) < :max"
        marker = keys.counted_marker(event_key)
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        "PK": {"S": marker["PK"]},
                        "SK": {"S": marker["SK"]},
                        "expires_at": {"N": str(marker_expires_at)},
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {"Update": update},
        ]
        net_followers = increments.get("follows", 0) - increments.get("unfollows", 0)
        if net_followers:
            gauge = keys.stats_followers(oa_id)
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"PK": {"S": gauge["PK"]}, "SK": {"S": gauge["SK"]}},
                        "UpdateExpression": "SET oa_id = :oa ADD followers :n",
                        "ExpressionAttributeValues": {":oa": {"S": oa_id}, ":n": {"N": str(net_followers)}},
                    }
                }
            )
        try:
            self._ddb.transact_write_items(TransactItems=items)
        except self._ddb.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
                return False  # the day's sample list is full
            raise
        return True


def counter_store() -> DynamoCounterStore:
    """The counter store on the process's main table (clients are cached by `anninh.aws`)."""
    return DynamoCounterStore(aws.client("dynamodb"), get_settings().table_name)
