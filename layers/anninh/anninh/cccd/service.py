"""CCCD import by officers and lookup by citizens, over a `CccdStore`.

The applicant's name and date of birth are stored encrypted (`crypto.encrypt_text`, bound to the
record and field); a lookup needs both the receipt number and the date of birth, and a wrong pair gets
exactly the same answer as an unknown receipt, so nothing leaks. Lookups are limited per citizen
(`LOOKUPS_PER_WINDOW` in a fixed `WINDOW_MINUTES` window) against enumeration.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from anninh.cccd.rules import (
    LOOKUPS_PER_WINDOW,
    MAX_LISTED_ERRORS,
    NOT_FOUND,
    RECORD_TTL_DAYS,
    STATUS_LABELS,
    ImportReport,
    LookupAnswer,
    RowError,
    answer_text,
    limited_text,
    lookup_window,
    masked_name,
    minutes_left,
    normalise_receipt,
    rows,
    validate,
)
from anninh.cccd.store import CccdStore
from anninh.clock import VN_TZ, iso, utcnow
from anninh.crypto import decrypt_text, encrypt_text
from anninh.dynamo import plain

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

BATCH = 100


def record_name(item: dict[str, Any], kms: KMSClient | None = None) -> str:
    """The citizen's name on an imported record, opened under the record's own context."""
    return str(decrypt_text(item.get("full_name"), kms, f"CCCD#{item.get('receipt_no')}|full_name") or "")


class CccdService:
    def __init__(self, store: CccdStore, counter: Callable[..., Any], kms: KMSClient | None = None) -> None:
        self.store = store
        self.counter = counter
        self.kms = kms

    def import_csv(
        self, lines: Iterable[str], *, imported_by: str, unit_id: str, at: datetime | None = None
    ) -> ImportReport:
        """Import rows one by one (streamed); a bad row is reported and skipped, never the whole file.

        A receipt already stored is updated when it belongs to the importing unit (imports carry
        status changes); a receipt of another unit is never overwritten: the row is reported. A receipt
        seen twice in the same file keeps its first row and reports the second.
        """
        at = at or utcnow()
        today = at.astimezone(VN_TZ).date()
        report = ImportReport()
        seen: set[str] = set()
        expires = int((at + timedelta(days=RECORD_TTL_DAYS)).timestamp())
        pending: list[tuple[int, str, dict[str, Any]]] = []

        def reject(line: int, receipt: str, error: str) -> None:
            report.rejected += 1
            if len(report.errors) < MAX_LISTED_ERRORS:
                report.errors.append(RowError(line, receipt[:40], error))

        def flush(batch: Any) -> None:
            owners = self.store.owners([receipt for _, receipt, _ in pending])
            for line, receipt, record in pending:
                owner = owners.get(receipt)
                if owner is not None and owner != unit_id:
                    reject(line, receipt, f"số biên nhận {receipt} thuộc hồ sơ của đơn vị khác; không ghi đè")
                    continue
                batch.put_record(receipt, self._item(receipt, record, unit_id, imported_by, iso(at), expires))
                report.imported += 1
            pending.clear()

        with self.store.writer() as batch:
            for line, row in rows(lines):
                report.total += 1
                record, error = validate(row, today)
                receipt = normalise_receipt(row.get("receipt_no", ""))
                if record is not None and receipt in seen:
                    record, error = (
                        None,
                        f"số biên nhận {receipt} bị trùng trong tệp (giữ dòng xuất hiện đầu tiên)",
                    )
                if record is None:
                    reject(line, receipt, error)
                    continue
                seen.add(receipt)
                pending.append((line, receipt, record))
                if len(pending) >= BATCH:
                    flush(batch)
            flush(batch)
        report.errors.sort(key=lambda e: e.line)
        return report

    def _item(  # noqa: PLR0917 - one record's fields
        self, receipt: str, record: dict[str, Any], unit_id: str, imported_by: str, at: str, expires: int
    ) -> dict[str, Any]:
        return {
            "receipt_no": receipt,
            "full_name": encrypt_text(record["full_name"], self.kms, f"CCCD#{receipt}|full_name"),
            "dob": encrypt_text(record["dob"], self.kms, f"CCCD#{receipt}|dob"),
            "status": record["status"],
            "ready_at": record["ready_at"],
            "pickup_place": record["pickup_place"],
            "unit_id": unit_id,
            "imported_by": imported_by,
            "imported_at": at,
            "expires_at": expires,
        }

    def lookup(
        self,
        receipt_no: str,
        dob: date,
        *,
        oa_id: str,
        user_id: str,
        unit_id: str,
        event_key: str,
        at: datetime | None = None,
    ) -> LookupAnswer:
        """The citizen's answer for a receipt + date of birth; wrong pairs and unknown receipts look alike."""
        at = at or utcnow()
        start, end = lookup_window(at)
        if not self.store.count_lookup(
            oa_id, user_id, iso(start), LOOKUPS_PER_WINDOW, int(end.timestamp()) + 3600
        ):
            return LookupAnswer(limited_text(minutes_left(at, end)), found=False, limited=True)
        self.counter(f"cccd:{event_key}", oa_id, unit_id, at, cccd_lookups=1)
        item = self.store.get_record(normalise_receipt(receipt_no))
        expected = dob.strftime("%d/%m/%Y").encode()
        context = f"CCCD#{item.get('receipt_no')}|" if item else ""
        stored = (
            (decrypt_text(item.get("dob"), self.kms, context + "dob") or "").encode() if item else b"\x00"
        )
        # Compare even when the receipt is unknown, so both failures take the same path.
        if not hmac.compare_digest(stored, expected) or item is None:
            return LookupAnswer(NOT_FOUND, found=False)
        return LookupAnswer(answer_text(item, record_name(item, self.kms)), found=True)

    def record(self, receipt_no: str) -> dict[str, Any] | None:
        """The stored record of a receipt number (as typed by an officer), or None."""
        return self.store.get_record(normalise_receipt(receipt_no))

    def officer_view(self, item: dict[str, Any]) -> dict[str, Any]:
        """What officers see of a record: status, dates and pickup place, the name masked."""
        record = plain(item)
        status = str(record.get("status", ""))
        return {
            "receipt_no": record.get("receipt_no"),
            "name": masked_name(record_name(item, self.kms)),
            "status": status,
            "status_label": STATUS_LABELS.get(status, status),
            "ready_at": record.get("ready_at"),
            "pickup_place": record.get("pickup_place"),
            "unit_id": record.get("unit_id"),
            "imported_by": record.get("imported_by"),
            "imported_at": record.get("imported_at"),
        }
