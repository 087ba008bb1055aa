"""Data access for statistics: per-OA day counters, followers gauges and per-unit daily roll-ups.

Key shapes are in `anninh.keys` (section "Statistics"). Access patterns:
- a day's counters for every OA and unit: Query PK=STATS#<day>, SK begins_with OA#;
- followers gauges for every OA: Query PK=STATS#FOLLOWERS;
- a unit's roll-ups for a period: Query GSI1 GSI1PK=STATS#ROLLUP#<unit> GSI1SK between days.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from boto3.dynamodb.conditions import Key

from anninh import aws, keys
from anninh.clock import iso, utcnow
from anninh.dynamo import query_all
from anninh.stats.figures import Figures, figures_of, plain


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

    def __init__(self, table: Any | None = None) -> None:
        self._table = table
        self._oa_items: dict[str, list[dict[str, Any]]] = {}

    @property
    def table(self) -> Any:
        return self._table or aws.table()

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        return query_all(self.table, **kwargs)

    def _oa_items_of(self, day: str) -> list[dict[str, Any]]:
        if day not in self._oa_items:
            self._oa_items[day] = self._query(
                KeyConditionExpression=Key("PK").eq(f"STATS#{day}") & Key("SK").begins_with("OA#")
            )
        return self._oa_items[day]

    def oa_days(self, day: str) -> list[tuple[str, str, Figures]]:
        """(oa_id, unit_id, figures) of every OA and unit counted on the day."""
        return [(item["oa_id"], item.get("unit_id", ""), figures_of(item)) for item in self._oa_items_of(day)]

    def follower_gauges(self) -> dict[str, int]:
        items = self._query(KeyConditionExpression=Key("PK").eq("STATS#FOLLOWERS"))
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
