"""CCCD (citizen-ID card) applications: CSV import by officers, lookup by citizens.

`rules` (validation, answers; no I/O), `store` (the only module that builds DynamoDB requests),
`service` (what routes and the bot call). `service()` builds the real service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anninh.cccd.rules import (
    HEADER,
    LOOKUPS_PER_WINDOW,
    NOT_FOUND,
    STATUS_LABELS,
    WINDOW_MINUTES,
    CsvHeaderError,
    ImportReport,
    LookupAnswer,
    RowError,
    answer_text,
    masked_name,
    normalise_receipt,
    parse_date,
    parse_lookup_phrase,
)
from anninh.cccd.service import CccdService, record_name
from anninh.cccd.store import CccdStore, DynamoCccdStore, RecordWriter, default_store
from anninh.stats.counters import count

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

__all__ = [
    "HEADER",
    "LOOKUPS_PER_WINDOW",
    "NOT_FOUND",
    "STATUS_LABELS",
    "WINDOW_MINUTES",
    "CccdService",
    "CccdStore",
    "CsvHeaderError",
    "DynamoCccdStore",
    "ImportReport",
    "LookupAnswer",
    "RecordWriter",
    "RowError",
    "answer_text",
    "default_store",
    "masked_name",
    "normalise_receipt",
    "parse_date",
    "parse_lookup_phrase",
    "record_name",
    "service",
]


def service(kms: KMSClient | None = None) -> CccdService:
    """The service over the main table, counting lookups in the statistics."""
    return CccdService(default_store(), count, kms)
