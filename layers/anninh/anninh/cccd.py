"""CCCD (citizen-ID card) applications: CSV import by officers, lookup by citizens.

Records are keyed by receipt number (`keys.cccd_record`). The applicant's name and date of birth are
stored encrypted (`crypto.encrypt_text`); a lookup needs both the receipt number and the date of birth,
and a wrong pair gets exactly the same answer as an unknown receipt, so nothing leaks. Lookups are
limited per citizen (`LOOKUPS_PER_WINDOW` in a fixed `WINDOW_MINUTES` window) against enumeration.
"""

from __future__ import annotations

import csv
import hmac
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from anninh import aws, keys
from anninh.clock import VN_TZ, iso, utcnow
from anninh.crypto import decrypt_text, encrypt_text
from anninh.stats.counters import count
from anninh.text import fold

HEADER = ("receipt_no", "full_name", "dob", "status", "ready_at", "pickup_place")
LOOKUPS_PER_WINDOW = 5
WINDOW_MINUTES = 10
MAX_LISTED_ERRORS = 500
RECORD_TTL_DAYS = 400

# Status code -> what the citizen reads.
STATUS_LABELS: dict[str, str] = {
    "received": "Đã tiếp nhận hồ sơ",
    "processing": "Đang xử lý",
    "supplement": "Cần bổ sung hồ sơ",
    "ready": "Đã có thẻ, mời nhận",
    "delivered": "Đã trả thẻ",
    "rejected": "Không đủ điều kiện cấp",
}
# What officers' spreadsheets say -> status code (folded, diacritics-insensitive).
_STATUS_ALIASES: dict[str, str] = {
    **{code: code for code in STATUS_LABELS},
    **{fold(label): code for code, label in STATUS_LABELS.items()},
    "tiep nhan": "received",
    "da tiep nhan": "received",
    "pending": "processing",
    "dang xu ly": "processing",
    "in_progress": "processing",
    "bo sung": "supplement",
    "can bo sung": "supplement",
    "co the": "ready",
    "da co the": "ready",
    "cho nhan": "ready",
    "da tra": "delivered",
    "collected": "delivered",
    "returned": "delivered",
    "tu choi": "rejected",
}

_RECEIPT = re.compile(r"^[A-Z0-9][A-Z0-9./-]{3,39}$")
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class CsvHeaderError(ValueError):
    """The file does not start with the agreed header."""


@dataclass
class RowError:
    line: int
    receipt_no: str
    error: str


@dataclass
class ImportReport:
    total: int = 0
    imported: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "imported": self.imported,
            "rejected": self.rejected,
            "errors": [e.__dict__ for e in self.errors],
            "errors_truncated": self.rejected > len(self.errors),
        }


def parse_date(value: str) -> date | None:
    """dd/mm/yyyy (also d/m/yyyy, with '.' or '-'); None when not a real date."""
    m = _DATE.match(value.strip())
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def _parse_ready(value: str) -> date | None:
    value = value.strip()
    m = _ISO_DATE.match(value)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return parse_date(value)


def normalise_receipt(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def _status_code(value: str) -> str | None:
    return _STATUS_ALIASES.get(fold(value))


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvHeaderError("tệp trống") from None
    names = tuple(h.strip().lstrip("\ufeff").lower() for h in header)
    if names != HEADER:
        raise CsvHeaderError(f"dòng tiêu đề phải là {','.join(HEADER)}")
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        yield reader.line_num, dict(zip(HEADER, [*row, *[""] * len(HEADER)][: len(HEADER)], strict=True))


def _validate(row: dict[str, str], today: date) -> tuple[dict[str, Any] | None, str]:
    receipt = normalise_receipt(row["receipt_no"])
    if not receipt:
        return None, "thiếu số biên nhận (receipt_no)"
    if not _RECEIPT.match(receipt):
        return None, "số biên nhận (receipt_no) phải gồm 4-40 chữ, số hoặc '.', '/', '-'"
    name = " ".join(row["full_name"].split())
    if not name:
        return None, "thiếu họ tên (full_name)"
    if len(name) > 120:
        return None, "họ tên (full_name) dài quá 120 ký tự"
    dob = parse_date(row["dob"])
    if dob is None:
        return None, "ngày sinh (dob) không đúng dạng dd/mm/yyyy"
    if dob > today or dob.year < 1900:
        return None, "ngày sinh (dob) phải từ năm 1900 đến hôm nay"
    status = _status_code(row["status"])
    if status is None:
        allowed = ", ".join(STATUS_LABELS)
        given = row["status"].strip()
        return None, f"trạng thái (status) không hợp lệ: {given!r} (dùng một trong: {allowed})"
    ready: date | None = None
    if row["ready_at"].strip():
        ready = _parse_ready(row["ready_at"])
        if ready is None:
            return None, "ngày hẹn trả (ready_at) không đúng dạng dd/mm/yyyy"
    place = " ".join(row["pickup_place"].split())
    if len(place) > 300:
        return None, "nơi nhận (pickup_place) dài quá 300 ký tự"
    return {
        "receipt_no": receipt,
        "full_name": name,
        "dob": dob.strftime("%d/%m/%Y"),
        "status": status,
        "ready_at": ready.isoformat() if ready else None,
        "pickup_place": place,
    }, ""


def _owners(table: Any, receipts: list[str]) -> dict[str, str]:
    """receipt -> unit_id of the records already stored (one BatchGetItem per 100 receipts)."""
    owners: dict[str, str] = {}
    client = table.meta.client  # the resource's client: plain Python values in and out
    for start in range(0, len(receipts), 100):
        request: dict[str, Any] = {
            table.name: {
                "Keys": [keys.cccd_record(r) for r in receipts[start : start + 100]],
                "ProjectionExpression": "receipt_no, unit_id",
            }
        }
        while request:
            page = client.batch_get_item(RequestItems=request)
            for item in page.get("Responses", {}).get(table.name, []):
                owners[str(item.get("receipt_no"))] = str(item.get("unit_id") or "")
            request = page.get("UnprocessedKeys") or {}
    return owners


def import_csv(
    lines: Iterable[str],
    *,
    imported_by: str,
    unit_id: str,
    at: datetime | None = None,
    table: Any | None = None,
    kms: Any | None = None,
) -> ImportReport:
    """Import rows one by one (streamed); a bad row is reported and skipped, never the whole file.

    A receipt already in the table is updated when it belongs to the importing unit (imports carry
    status changes); a receipt of another unit is never overwritten: the row is reported. A receipt
    seen twice in the same file keeps its first row and reports the second.
    """
    at = at or utcnow()
    today = at.astimezone(VN_TZ).date()
    table = table or aws.table()
    report = ImportReport()
    seen: set[str] = set()
    expires = int((at + timedelta(days=RECORD_TTL_DAYS)).timestamp())
    pending: list[tuple[int, str, dict[str, Any]]] = []

    def reject(line: int, receipt: str, error: str) -> None:
        report.rejected += 1
        if len(report.errors) < MAX_LISTED_ERRORS:
            report.errors.append(RowError(line, receipt[:40], error))

    def flush(batch: Any) -> None:
        owners = _owners(table, [receipt for _, receipt, _ in pending])
        for line, receipt, record in pending:
            owner = owners.get(receipt)
            if owner is not None and owner != unit_id:
                reject(line, receipt, f"số biên nhận {receipt} thuộc hồ sơ của đơn vị khác; không ghi đè")
                continue
            batch.put_item(
                Item={
                    **keys.cccd_record(receipt),
                    "type": "cccd",
                    "receipt_no": receipt,
                    "full_name": encrypt_text(record["full_name"], kms, f"CCCD#{receipt}|full_name"),
                    "dob": encrypt_text(record["dob"], kms, f"CCCD#{receipt}|dob"),
                    "status": record["status"],
                    "ready_at": record["ready_at"],
                    "pickup_place": record["pickup_place"],
                    "unit_id": unit_id,
                    "imported_by": imported_by,
                    "imported_at": iso(at),
                    "expires_at": expires,
                }
            )
            report.imported += 1
        pending.clear()

    with table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
        for line, row in _rows(lines):
            report.total += 1
            record, error = _validate(row, today)
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
            if len(pending) >= 100:
                flush(batch)
        flush(batch)
    report.errors.sort(key=lambda e: e.line)
    return report


# --- lookup -------------------------------------------------------------------------------------

_PHRASE = re.compile(
    r"^\s*(?:tra cuu\s+)?(?:cccd|can cuoc)\s*[:#]?\s*(\S{1,40})\s+(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})\s*$"
)


def parse_lookup_phrase(text: str) -> tuple[str, date] | None:
    """`CCCD <receipt_no> <dd/mm/yyyy>` (any case, with or without diacritics) -> (receipt, dob)."""
    m = _PHRASE.match(fold(text).replace(" / ", "/"))
    if not m:
        return None
    dob = parse_date(m.group(2))
    return (normalise_receipt(m.group(1)), dob) if dob else None


@dataclass
class LookupAnswer:
    text: str
    found: bool
    limited: bool = False


NOT_FOUND = (
    "Không tìm thấy hồ sơ khớp với số biên nhận và ngày sinh anh/chị cung cấp.\n"
    "Vui lòng kiểm tra lại số biên nhận trên giấy hẹn và ngày sinh (dd/mm/yyyy), ví dụ:\n"
    "CCCD 079123456789 05/09/1990\n"
    "Hồ sơ vừa nộp có thể chưa được cập nhật; anh/chị vui lòng tra cứu lại sau."
)


def _limited_text(retry_minutes: int) -> str:
    return (
        f"Anh/chị đã tra cứu quá {LOOKUPS_PER_WINDOW} lần trong {WINDOW_MINUTES} phút. "
        f"Vui lòng thử lại sau khoảng {retry_minutes} phút. Xin cảm ơn!"
    )


def _allow(oa_id: str, user_id: str, at: datetime, table: Any) -> tuple[bool, int]:
    """Count one lookup in the citizen's current window; (allowed, minutes until the window ends)."""
    minute = at.minute - at.minute % WINDOW_MINUTES
    start = at.replace(minute=minute, second=0, microsecond=0)
    end = start + timedelta(minutes=WINDOW_MINUTES)
    try:
        table.update_item(
            Key=keys.cccd_lookup_window(oa_id, user_id, iso(start)),
            UpdateExpression="ADD lookups :one SET expires_at = :exp",
            ConditionExpression="attribute_not_exists(lookups) OR lookups < :max",
            ExpressionAttributeValues={
                ":one": 1,
                ":max": LOOKUPS_PER_WINDOW,
                ":exp": int(end.timestamp()) + 3600,
            },
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False, max(1, int((end - at).total_seconds() // 60) + 1)
        raise
    return True, 0


def _format_date(value: str | None) -> str:
    if not value:
        return ""
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def _masked_name(name: str) -> str:
    words = name.split()
    if len(words) <= 1:
        return name[:1] + "***"
    return " ".join([words[0], *("*" * 3 for _ in words[1:-1]), words[-1]])


def answer_text(item: dict[str, Any], name: str) -> str:
    status = str(item.get("status", ""))
    label = STATUS_LABELS.get(status, "Đang xử lý")
    ready = _format_date(item.get("ready_at"))
    place = str(item.get("pickup_place") or "").strip()
    lines = [
        f"Kết quả tra cứu hồ sơ cấp thẻ căn cước, số biên nhận {item['receipt_no']}:",
        f"- Người đề nghị: {_masked_name(name)}",
        f"- Tình trạng: {label}",
    ]
    if status == "ready":
        if ready:
            lines.append(f"- Có thẻ từ ngày: {ready}")
        lines.append(f"- Nơi nhận: {place or 'nơi anh/chị đã nộp hồ sơ'}")
        lines.append("Khi đến nhận, anh/chị vui lòng mang theo giấy hẹn và thẻ cũ (nếu có).")
    elif status in ("received", "processing"):
        if ready:
            lines.append(f"- Ngày hẹn trả dự kiến: {ready}")
        if place:
            lines.append(f"- Nơi nhận: {place}")
        lines.append("Hệ thống sẽ cập nhật khi thẻ sẵn sàng; anh/chị có thể tra cứu lại sau.")
    elif status == "supplement":
        lines.append(f"Anh/chị vui lòng liên hệ {place or 'nơi đã nộp hồ sơ'} để bổ sung hồ sơ.")
    elif status == "delivered":
        if ready:
            lines.append(f"- Ngày trả: {ready}")
    elif status == "rejected":
        lines.append(f"Anh/chị vui lòng liên hệ {place or 'nơi đã nộp hồ sơ'} để được hướng dẫn.")
    return "\n".join(lines)


def lookup(
    receipt_no: str,
    dob: date,
    *,
    oa_id: str,
    user_id: str,
    unit_id: str,
    event_key: str,
    at: datetime | None = None,
    table: Any | None = None,
    kms: Any | None = None,
    counter: Any = count,
) -> LookupAnswer:
    """The citizen's answer for a receipt + date of birth; wrong pairs and unknown receipts look alike."""
    at = at or utcnow()
    table = table or aws.table()
    allowed, minutes = _allow(oa_id, user_id, at, table)
    if not allowed:
        return LookupAnswer(_limited_text(minutes), found=False, limited=True)
    counter(f"cccd:{event_key}", oa_id, unit_id, at, cccd_lookups=1)
    item = table.get_item(Key=keys.cccd_record(normalise_receipt(receipt_no))).get("Item")
    expected = dob.strftime("%d/%m/%Y").encode()
    context = f"CCCD#{item.get('receipt_no')}|" if item else ""
    stored = (decrypt_text(item.get("dob"), kms, context + "dob") or "").encode() if item else b"\x00"
    # Compare even when the receipt is unknown, so both failures take the same path.
    if not hmac.compare_digest(stored, expected) or item is None:
        return LookupAnswer(NOT_FOUND, found=False)
    return LookupAnswer(answer_text(item, record_name(item, kms)), found=True)


def record_name(item: dict[str, Any], kms: Any | None = None) -> str:
    """The citizen's name on an imported record, opened under the record's own context."""
    return str(decrypt_text(item.get("full_name"), kms, f"CCCD#{item.get('receipt_no')}|full_name") or "")
