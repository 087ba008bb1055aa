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


URGENT = (
    "Nếu sự việc đang xảy ra hoặc có người gặp nguy hiểm, anh/chị hãy gọi ngay 113 (Cảnh sát). "
    "Cháy nổ gọi 114, cấp cứu gọi 115. Tin báo của anh/chị đã được chuyển khẩn cấp tới đơn vị trực."
)

URGENT_NO_CASE = (
    "Nếu sự việc đang xảy ra hoặc có người gặp nguy hiểm, anh/chị hãy gọi ngay 113 (Cảnh sát). "
    "Cháy nổ gọi 114, cấp cứu gọi 115."
)

RATE_LIMITED = (
    "Anh/chị đã gửi nhiều tin báo trong thời gian ngắn. Vui lòng bổ sung vào tin báo đã gửi hoặc thử lại "
    "sau ít phút. Trường hợp khẩn cấp, hãy gọi ngay 113."
)


def lookup_found(code: str, label: str) -> str:
    return f"Tin báo {code}: {label}. Cảm ơn anh/chị đã phối hợp cùng lực lượng Công an."


LOOKUP_NOT_FOUND = (
    "Không tìm thấy tin báo với mã này trong các tin báo anh/chị đã gửi. Anh/chị vui lòng kiểm tra lại "
    "mã tin báo (ví dụ: tra cứu TP-2611-0042)."
)


def alert_text(code: str, unit_name: str, terms: list[str]) -> str:
    return f"Tin báo khẩn {code} ({unit_name}): {', '.join(terms)}. Đề nghị xử lý ngay."
