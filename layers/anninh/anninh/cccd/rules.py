"""CCCD (citizen-ID card) applications: the rules of an import and of a lookup (no I/O).

A row is validated on its own (`validate`); a lookup phrase is parsed by `parse_lookup_phrase`; the
citizen's answer is written by `answer_text`. Wrong pairs and unknown receipts get the same answer.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

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


def rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
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


def validate(row: dict[str, str], today: date) -> tuple[dict[str, Any] | None, str]:
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


def limited_text(retry_minutes: int) -> str:
    return (
        f"Anh/chị đã tra cứu quá {LOOKUPS_PER_WINDOW} lần trong {WINDOW_MINUTES} phút. "
        f"Vui lòng thử lại sau khoảng {retry_minutes} phút. Xin cảm ơn!"
    )


def lookup_window(at: datetime) -> tuple[datetime, datetime]:
    """The fixed window a lookup at `at` is counted in: (start, end)."""
    minute = at.minute - at.minute % WINDOW_MINUTES
    start = at.replace(minute=minute, second=0, microsecond=0)
    return start, start + timedelta(minutes=WINDOW_MINUTES)


def minutes_left(at: datetime, end: datetime) -> int:
    return max(1, int((end - at).total_seconds() // 60) + 1)


def _format_date(value: str | None) -> str:
    if not value:
        return ""
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def masked_name(name: str) -> str:
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
        f"- Người đề nghị: {masked_name(name)}",
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
