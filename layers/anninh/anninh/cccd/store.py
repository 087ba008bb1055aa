"""Data access for CCCD records and the per-citizen lookup windows: a Protocol and its DynamoDB form.

Key shapes are in `anninh.keys` (`cccd_record`, `cccd_lookup_window`). Access patterns:
- owners of up to 100 receipts at once: BatchGetItem (projection receipt_no, unit_id);
- an import: batched Puts (overwrite by key);
- a record by receipt number: GetItem;
- a lookup counted in the citizen's window: conditional Update (ADD lookups while below the limit).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from anninh import aws, keys
from anninh.dynamo import condition_failed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class RecordWriter(Protocol):
    def put_record(self, receipt_no: str, attributes: dict[str, Any]) -> None: ...


class CccdStore(Protocol):
    def owners(self, receipts: list[str]) -> dict[str, str]: ...
    def writer(self) -> AbstractContextManager[RecordWriter]: ...
    def get_record(self, receipt_no: str) -> dict[str, Any] | None: ...
    def count_lookup(self, oa_id: str, user_id: str, window: str, at_most: int, expires_at: int) -> bool: ...


class DynamoCccdStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def owners(self, receipts: list[str]) -> dict[str, str]:
        """receipt -> unit_id of the records already stored (one BatchGetItem per 100 receipts)."""
        owners: dict[str, str] = {}
        client = self.table.meta.client  # the resource's client: plain Python values in and out
        name = self.table.name
        for start in range(0, len(receipts), 100):
            request: dict[str, Any] = {
                name: {
                    "Keys": [keys.cccd_record(r) for r in receipts[start : start + 100]],
                    "ProjectionExpression": "receipt_no, unit_id",
                }
            }
            while request:
                page = client.batch_get_item(RequestItems=request)
                for item in page.get("Responses", {}).get(name, []):
                    owners[str(item.get("receipt_no"))] = str(item.get("unit_id") or "")
                request = dict(page.get("UnprocessedKeys") or {})
        return owners

    @contextmanager
    def writer(self) -> Iterator[RecordWriter]:
        """Batched record puts (a later put of the same receipt in one batch replaces the earlier)."""
        with self.table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            yield _BatchRecords(batch)

    def get_record(self, receipt_no: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key=keys.cccd_record(receipt_no)).get("Item")
        return dict(item) if item else None

    def count_lookup(self, oa_id: str, user_id: str, window: str, at_most: int, expires_at: int) -> bool:
        """Count one lookup in the citizen's window; False (nothing counted) once `at_most` were."""
        try:
            self.table.update_item(
                Key=keys.cccd_lookup_window(oa_id, user_id, window),
                UpdateExpression="ADD lookups :one SET expires_at = :exp",
                ConditionExpression="attribute_not_exists(lookups) OR lookups < :max",
                ExpressionAttributeValues={":one": 1, ":max": at_most, ":exp": expires_at},
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True


class _BatchRecords:
    def __init__(self, batch: Any) -> None:
        self._batch = batch

    def put_record(self, receipt_no: str, attributes: dict[str, Any]) -> None:
        self._batch.put_item(Item={**keys.cccd_record(receipt_no), "type": "cccd", **attributes})


def default_store() -> DynamoCccdStore:
    return DynamoCccdStore(aws.table())
