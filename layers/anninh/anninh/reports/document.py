"""The parts that make the report an administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I).

Layout of a report (báo cáo) under the decree, as the renderers draw it:

    TÊN CƠ QUAN CHỦ QUẢN                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
    TÊN CƠ QUAN BAN HÀNH                           Độc lập - Tự do - Hạnh phúc
          ———                                            ———————
    Số:      /BC-<ký hiệu>                   <Địa danh>, ngày .. tháng .. năm ....

                                  BÁO CÁO
                    <trích yếu: kết quả ... từ ngày ... đến ngày ...>

    <body: I. Kết quả, II. Đánh giá (narrative drawn from the figures), III. ..., Phương hướng>

    Nơi nhận:                                      <QUYỀN HẠN, CHỨC VỤ>
    - <cấp trên> (để báo cáo);                       (chữ ký, dấu)
    - ...;                                          <Họ và tên>
    - Lưu: VT.

The number is left blank after "Số:": documents are numbered when the clerk (văn thư) registers them,
not by this system. The place is the locality the unit is named after; the date is the day the
figures were compiled (Vietnam time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from anninh.clock import VN_TZ
from anninh.registry import Registry
from anninh.stats.figures import human_duration, vn_number

_PREFIXES = ("Công an phường ", "Công an xã ", "Công an quận ", "Công an huyện ", "Công an thị xã ")
SIGNER_TITLES = {
    "city": "GIÁM ĐỐC",
    "province": "GIÁM ĐỐC",
    "district": "TRƯỞNG CÔNG AN",
    "ward": "TRƯỞNG CÔNG AN",
    "commune": "TRƯỞNG CÔNG AN",
    "special_zone": "TRƯỞNG CÔNG AN",
    "team": "ĐỘI TRƯỞNG",
}


@dataclass
class DocumentParts:
    parent_heading: str  # cơ quan chủ quản ("" for the top of the hierarchy)
    issuer_heading: str  # cơ quan ban hành
    number_symbol: str  # "Số:      /BC-HT"
    place_date: str  # "Hiệp Tân, ngày 29 tháng 11 năm 2026"
    title: str  # "BÁO CÁO"
    subject: str  # trích yếu
    assessment: list[str] = field(default_factory=list)  # II. Đánh giá
    proposals: list[str] = field(default_factory=list)  # phương hướng, đề xuất
    recipients: list[str] = field(default_factory=list)  # Nơi nhận
    signer_title: str = ""
    signer_name: str = ""


def place_of(name: str) -> str:
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def symbol_of(unit: Any) -> str:
    """The issuing body's abbreviation after "BC-": the unit's code, else the initials of its place."""
    if unit.code:
        return str(unit.code).upper()
    words = re.findall(r"\w+", place_of(unit.name))
    return "".join(w[0] for w in words).upper() or "CA"


def vn_date_line(place: str, at: datetime) -> str:
    local = at.astimezone(VN_TZ)
    day = f"{local.day:02d}" if local.day < 10 else str(local.day)  # the decree writes 01..09 with a 0
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)  # and months 01, 02
    return f"{place}, ngày {day} tháng {month} năm {local.year}"


def _pct(part: float, whole: float) -> str:
    return f"{part * 100 / whole:.1f}%".replace(".", ",") if whole else "—"


def _change(now: float, before: float) -> str:
    if before == 0:
        return "chưa có số liệu kỳ trước để so sánh" if now else "không thay đổi so với kỳ trước"
    pct = (now - before) * 100 / before
    if abs(pct) < 0.05:
        return "không thay đổi so với kỳ trước"
    word = "tăng" if pct > 0 else "giảm"
    return f"{word} {abs(pct):.1f}% so với kỳ trước".replace(".", ",")


def assessment(stats: dict[str, Any], previous: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Narrative assessment and proposals, every statement drawn from the figures of the period."""
    out: list[str] = []
    proposals: list[str] = []
    tips, tips_prev = int(stats["tips"]), int(previous["tips"])
    out.append(
        f"Tin báo về an ninh, trật tự qua kênh Zalo: {vn_number(tips)} tin, {_change(tips, tips_prev)}."
    )
    if tips:
        handled = int(stats.get("tips_handled", tips)) or tips
        out.append(
            f"Tin báo có giá trị chiếm {_pct(int(stats['tips_valuable']), tips)}; đã giải quyết "
            f"{vn_number(int(stats['tips_resolved']))} tin ({_pct(int(stats['tips_resolved']), handled)} "
            "số tin báo đơn vị thụ lý)."
        )
    first = stats["response_times"]["first_response"]
    first_prev = previous["response_times"]["first_response"]
    if first["median_seconds"] is not None:
        sentence = (
            f"Thời gian phản hồi đầu tiên (trung vị) là {human_duration(first['median_seconds'])}, "
            f"90% tin báo được phản hồi trong vòng {human_duration(first['p90_seconds'])}"
        )
        if first_prev["median_seconds"] is not None:
            faster = first["median_seconds"] <= first_prev["median_seconds"]
            before = human_duration(first_prev["median_seconds"])
            sentence += f" ({'nhanh hơn' if faster else 'chậm hơn'} kỳ trước: {before})"
        out.append(sentence + ".")
        if first["median_seconds"] > 3600:
            proposals.append(
                "Rút ngắn thời gian phản hồi tin báo: phân công cán bộ trực theo ca, "
                "phản hồi trong vòng 1 giờ."
            )
    elif tips:
        out.append("Chưa có tin báo nào được cán bộ phản hồi trong kỳ; cần khẩn trương xử lý.")
        proposals.append("Phân công cán bộ tiếp nhận và phản hồi ngay các tin báo còn tồn đọng.")
    rate = stats.get("bot_answer_rate")
    if stats["inquiries"]:
        out.append(
            f"Người dân hỏi {vn_number(int(stats['inquiries']))} câu về thủ tục hành chính; "
            "hệ thống tự trả lời "
            f"{_pct(int(stats['bot_answered']), int(stats['inquiries']))}, còn "
            f"{vn_number(int(stats['handed_off']))} câu chuyển cán bộ."
        )
        if rate is not None and rate < 0.7:
            proposals.append(
                "Bổ sung nội dung hỏi đáp thủ tục để hệ thống tự trả lời được nhiều câu hỏi hơn."
            )
    follows = int(stats["follows"])
    change = int(stats["followers_change"])
    out.append(
        f"Số người quan tâm cuối kỳ là {vn_number(int(stats['followers']))} "
        f"({'+' if change >= 0 else ''}{vn_number(change)} trong kỳ, "
        f"{vn_number(follows)} lượt quan tâm mới)."
    )
    rows = [u for u in stats.get("units", []) if not u.get("own")]
    if rows:
        busiest = max(rows, key=lambda u: (int(u.get("tips_handled", u["tips"])), u["name"]))
        quiet = [u["name"] for u in rows if not int(u.get("tips_handled", u["tips"])) and not int(u["tips"])]
        if int(busiest.get("tips_handled", busiest["tips"])):
            out.append(
                f"Đơn vị thụ lý nhiều tin báo nhất: {busiest['name']} "
                f"({vn_number(int(busiest.get('tips_handled', busiest['tips'])))} tin)."
            )
        if quiet:
            out.append(f"{len(quiet)} đơn vị chưa có tin báo trong kỳ.")
            proposals.append(
                "Đẩy mạnh tuyên truyền kênh Zalo của các đơn vị chưa có tin báo để người dân biết và sử dụng."
            )
    proposals.append(
        "Tiếp tục duy trì tiếp nhận, xử lý tin báo và trả lời người dân qua kênh Zalo; "
        "kịp thời báo cáo những vấn đề phát sinh."
    )
    return out, proposals


def document_parts(
    registry: Registry,
    unit_id: str,
    stats: dict[str, Any],
    previous: dict[str, Any],
    *,
    period_text: str,
    generated_at: datetime,
    requested_by: str | None = None,
) -> DocumentParts:
    unit = registry.unit(unit_id)
    if unit is None:
        raise LookupError(unit_id)
    parent = registry.unit(unit.parent) if unit.parent else None
    title = SIGNER_TITLES.get(unit.kind, "THỦ TRƯỞNG ĐƠN VỊ")
    if title == "TRƯỞNG CÔNG AN":
        title = unit.name.upper().replace("CÔNG AN", "TRƯỞNG CÔNG AN", 1)
    signer = next(
        (
            o
            for o in registry.officers
            if requested_by
            and o.username.lower() == requested_by.lower()
            and o.unit_id == unit_id
            and "commander" in o.roles
        ),
        None,
    )
    findings, proposals = assessment(stats, previous)
    recipients = [f"{parent.name} (để báo cáo);"] if parent else []
    recipients += ["Lãnh đạo đơn vị;", "Lưu: VT."]
    return DocumentParts(
        parent_heading=parent.name.upper() if parent else "",
        issuer_heading=unit.name.upper(),
        number_symbol=f"Số:        /BC-{symbol_of(unit)}",
        place_date=vn_date_line(place_of(unit.name), generated_at),
        title="BÁO CÁO",
        subject=f"Kết quả hoạt động kênh Zalo của {unit.name} {period_text[0].lower()}{period_text[1:]}",
        assessment=findings,
        proposals=proposals,
        recipients=recipients,
        signer_title=title,
        signer_name=(signer.display_name or "") if signer else "",
    )
