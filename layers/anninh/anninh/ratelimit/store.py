"""The limiter's bucket item, one per Zalo app (`keys.rate_bucket(app_id)`): the only DynamoDB code of
the shared rate limiter (`anninh.ratelimit.limiter` holds the algorithm).

The item holds `tat_us` (theoretical arrival time of the next free slot, integer microseconds) and,
after a -32, `blocked_until` (epoch seconds). A reservation is one conditional update on `tat_us`
(optimistic concurrency); a losing writer gets the current item back with the failure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from anninh import aws, keys
from anninh.dynamo import condition_failed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class BucketChanged(Exception):
    """Another sender moved the bucket first; `current` is its item as it is now (None: gone)."""

    def __init__(self, current: dict[str, Any] | None) -> None:
        self.current = current
        super().__init__("rate bucket changed")


class BucketStore(Protocol):
    calls: int

    def read(self, app_id: str) -> dict[str, Any] | None: ...

    def reserve(self, app_id: str, old_tat_us: int | None, new_tat_us: int) -> None:
        """Move the TAT from `old_tat_us` (None: no item yet) to `new_tat_us`; BucketChanged if it moved."""
        ...

    def block(self, app_id: str, tat_us: int, until: float) -> None:
        """Pause the app until `until` (never shortening a longer pause already set)."""
        ...


class DynamoBucketStore:
    """The bucket items on the main table (or any table-like object with the same two calls)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.calls = 0  # DynamoDB calls made (bench figures)

    def read(self, app_id: str) -> dict[str, Any] | None:
        self.calls += 1
        item = self.table.get_item(Key=keys.rate_bucket(app_id), ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def reserve(self, app_id: str, old_tat_us: int | None, new_tat_us: int) -> None:
        self.calls += 1
        values: dict[str, Any] = {":tat": new_tat_us}
        if old_tat_us is not None:
            condition = "tat_us = :old"
            values[":old"] = old_tat_us
        else:
            condition = "attribute_not_exists(PK)"
        try:
            self.table.update_item(
                Key=keys.rate_bucket(app_id),
                UpdateExpression="SET tat_us = :tat",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            item: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
            raise BucketChanged(item if item else self.read(app_id)) from exc

    def block(self, app_id: str, tat_us: int, until: float) -> None:
        self.calls += 1
        try:
            self.table.update_item(
                Key=keys.rate_bucket(app_id),
                UpdateExpression="SET tat_us = :tat, blocked_until = :until",
                ConditionExpression="attribute_not_exists(blocked_until) OR blocked_until < :until",
                ExpressionAttributeValues={":tat": tat_us, ":until": Decimal(f"{until:.6f}")},
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise


def default_bucket_store() -> DynamoBucketStore:
    return DynamoBucketStore(aws.table())
