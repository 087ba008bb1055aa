"""CSV exports for Excel: the figures of a period (daily rows) and a list of tip cases.

UTF-8 with a byte-order mark so that Excel shows Vietnamese; headers in Vietnamese; tipsters appear
only by their pseudonym.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from anninh.clock import VN_TZ, parse_iso
from anninh.model.case_terms import OUTCOME_LABELS_VI, STATUS_LABELS_VI
from anninh.stats.figures import HEADLINE, LABELS_VI

BOM = "\ufeff"


def _csv(rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return BOM + buffer.getvalue()


def figures_csv(stats: dict[str, Any]) -> str:
    """One row per day (followers at the end of the day, then each counter) and a totals row."""
    columns = ["followers", *HEADLINE]
    header = ["Ngày", *(LABELS_VI[c] for c in columns), "Phản hồi đầu tiên - trung vị (giây)"]
    rows: list[list[Any]] = [header]
    for day in stats["series"]:
        rows.append([day["day"], *(day.get(c, 0) for c in columns), day.get("first_response_median_seconds")])
    first = stats["response_times"]["first_response"]["median_seconds"]
    rows.append(["Tổng cộng", *(stats.get(c, 0) for c in columns), first])
    units = stats.get("units") or []
    if units:  # the per-unit rows of the stats API (the unit's own row included), then their total
        rows.append([])
        rows.append(["Đơn vị", *(LABELS_VI[c] for c in columns)])
        rows.extend([unit["name"], *(unit.get(c, 0) for c in columns)] for unit in units)
        rows.append(["Tổng cộng", *(stats.get(c, 0) for c in columns)])
    return _csv(rows)


TIP_HEADER = [
    "Mã tin báo",
    "Thời gian tiếp nhận",
    "Đơn vị xử lý",
    "Trạng thái",
    "Khẩn",
    "Có giá trị",
    "Kết quả xử lý",
    "Người báo tin (bí danh)",
    "Nội dung tóm tắt",
    "Địa chỉ",
    "Số tệp đính kèm",
]


def _vn_time(value: str) -> str:
    try:
        return parse_iso(value).astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return value


def tips_csv(rows: Iterable[dict[str, Any]], unit_names: dict[str, str]) -> str:
    """Cases as the inbox shows them (`api.routes.tips.case_row`): pseudonyms, never identities."""
    out: list[list[Any]] = [TIP_HEADER]
    for row in rows:
        outcome = row.get("outcome")
        out.append(
            [
                row["code"],
                _vn_time(row["created_at"]),
                unit_names.get(row["unit_id"], row["unit_id"]),
                STATUS_LABELS_VI.get(row["status"], row["status"]),
                "Có" if row.get("urgent") else "",
                "Có" if row.get("valuable") else "",
                OUTCOME_LABELS_VI.get(outcome, outcome) if outcome else "",
                row.get("pseudonym", ""),
                _no_formula(row.get("summary") or ""),
                _no_formula(row.get("address") or ""),
                row.get("media_count", 0),
            ]
        )
    return _csv(out)


def _no_formula(text: str) -> str:
    """Citizens' text must not run as an Excel formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
