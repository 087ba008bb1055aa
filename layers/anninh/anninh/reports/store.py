"""Data access for review-meeting report records.

Record: `keys.report(id)` (PK=REPORT#<id> SK=REPORT), on GSI1PK=`keys.unit_reports_gsi(unit_id)`
GSI1SK=<created_iso>#<id>; the record itself is the item's `data` map, overwritten whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from anninh import aws, keys
from anninh.dynamo import plain

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class ReportStore(Protocol):
    def put(self, record: dict[str, Any]) -> None:
        """Store the record (`report_id`, `unit_id`, `created_at`, ...), replacing an earlier one."""

    def get(self, report_id: str) -> dict[str, Any] | None:
        """The record as plain values, or None."""


class DynamoReportStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put(self, record: dict[str, Any]) -> None:
        self.table.put_item(
            Item={
                **keys.report(record["report_id"]),
                "GSI1PK": keys.unit_reports_gsi(record["unit_id"]),
                "GSI1SK": f"{record['created_at']}#{record['report_id']}",
                "type": "report",
                "data": record,
            }
        )

    def get(self, report_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key=keys.report(report_id)).get("Item")
        return dict(plain(item["data"])) if item else None


def default_store() -> DynamoReportStore:
    """The report store on the process's main table."""
    return DynamoReportStore(aws.table())
