"""What the citizen reads about their tip (polite Vietnamese, full diacritics)."""

from __future__ import annotations


def acknowledgement(unit_name: str, code: str, window_minutes: int, empty: bool = False) -> str:
    if empty:  # "báo tin" alone (e.g. the menu button): ask for the details
        invite = (
            f"Anh/chị vui lòng mô tả sự việc (thời gian, địa điểm, đối tượng, phương tiện) và gửi kèm hình "
            f"ảnh, video hoặc vị trí nếu có, trong {window_minutes} phút tới."
        )
    else:
        invite = (
            f"Anh/chị có thể gửi thêm nội dung, hình ảnh, video hoặc vị trí trong {window_minutes} phút tới "
            "để bổ sung cho tin báo này."
        )
    return (
        f"{unit_name} đã tiếp nhận tin báo của anh/chị. Mã tin báo: {code}.\n"
        f"{invite} Thông tin người báo tin được giữ bí mật.\n"
        f"Để xem tình trạng xử lý, anh/chị nhắn: tra cứu {code}"
    )


SERVICES_VI = {
    "113": "Cảnh sát",
    "114": "Chữa cháy, cứu nạn cứu hộ",
    "115": "Cấp cứu y tế",
    "112": "Tìm kiếm cứu nạn",
}


def emergency_guidance(number: str, where: str | None) -> str:
    """The first thing a citizen in danger reads: the number to call now, then where the tip went.

    `where` must be true: None when no case could be opened (nothing was passed on)."""
    others = ", ".join(f"{n} ({label.lower()})" for n, label in SERVICES_VI.items() if n != number)
    body = (
        f"KHẨN CẤP: nếu sự việc đang xảy ra hoặc có người gặp nguy hiểm, anh/chị hãy gọi ngay {number} "
        f"({SERVICES_VI[number]}). Các số khẩn cấp khác: {others}."
    )
    return f"{body}\n{where}" if where else body


def emergency_where(unit_name: str, officers_notified: int) -> str:
    if officers_notified:
        return (
            f"Tin báo của anh/chị đã được đánh dấu khẩn và báo ngay qua tin nhắn điện thoại tới cán bộ "
            f"trực của {unit_name}."
        )
    return f"Tin báo của anh/chị đã được đánh dấu khẩn và chuyển tới cán bộ {unit_name}."


RATE_LIMITED = (
    "Anh/chị đã gửi nhiều tin báo trong thời gian ngắn. Vui lòng bổ sung vào tin báo đã gửi hoặc thử lại "
    "sau ít phút. Trường hợp khẩn cấp, hãy gọi ngay 113."
)


def which_tip(codes: list[str]) -> str:
    return (
        f"Anh/chị đang có {len(codes)} tin báo đang được trao đổi. Nội dung vừa gửi thuộc tin báo nào? "
        f"Anh/chị chọn mã tin báo bên dưới, hoặc nhắn lại theo mẫu: {codes[0]}: <nội dung>"
    )


def added_to(code: str) -> str:
    return f"Đã bổ sung nội dung vào tin báo {code}. Cảm ơn anh/chị."


def lookup_found(code: str, label: str) -> str:
    return f"Tin báo {code}: {label}. Cảm ơn anh/chị đã phối hợp cùng lực lượng Công an."


LOOKUP_NOT_FOUND = (
    "Không tìm thấy tin báo với mã này trong các tin báo anh/chị đã gửi. Anh/chị vui lòng kiểm tra lại "
    "mã tin báo (ví dụ: tra cứu TP-2611-0042)."
)


def alert_text(code: str, unit_name: str, terms: list[str]) -> str:
    return f"Tin báo khẩn {code} ({unit_name}): {', '.join(terms)}. Đề nghị xử lý ngay."
