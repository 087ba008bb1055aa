"""Building Zalo consultation messages: text split to Zalo's limit, buttons, images."""

from __future__ import annotations

from typing import Any

from anninh.outbox import OutboundMessage

TEXT_LIMIT = 2000
BUTTON_TEXT_LIMIT = 640  # keep text carried with buttons short
MAX_BUTTONS = 5


def query_button(title: str, payload: str, hidden: bool = False) -> dict[str, Any]:
    """A button whose payload comes back to us as the citizen's text."""
    return {"title": title[:100], "type": "oa.query.hide" if hidden else "oa.query.show", "payload": payload}


def phone_button(title: str, phone: str) -> dict[str, Any]:
    return {"title": title[:100], "type": "oa.open.phone", "payload": {"phone_code": phone}}


def url_button(title: str, url: str) -> dict[str, Any]:
    return {"title": title[:100], "type": "oa.open.url", "payload": {"url": url}}


def with_buttons(text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "text": text[:TEXT_LIMIT],
        "attachment": {"type": "template", "payload": {"buttons": buttons[:MAX_BUTTONS]}},
    }


def image(url: str, caption: str) -> dict[str, Any]:
    return {
        "text": caption[:TEXT_LIMIT],
        "attachment": {
            "type": "template",
            "payload": {"template_type": "media", "elements": [{"media_type": "image", "url": url}]},
        },
    }


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split at paragraph, then line, then word boundaries so no part exceeds `limit`."""
    parts: list[str] = []
    current = ""
    for block in _pieces(text, limit):
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = block
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    out: list[str] = []
    for para in text.split("\n\n"):
        if len(para) <= limit:
            out.append(para)
            continue
        line_buf = ""
        for line in para.split("\n"):
            for chunk in _hard_wrap(line, limit):
                candidate = f"{line_buf}\n{chunk}" if line_buf else chunk
                if len(candidate) <= limit:
                    line_buf = candidate
                else:
                    out.append(line_buf)
                    line_buf = chunk
        if line_buf:
            out.append(line_buf)
    return out


def _hard_wrap(line: str, limit: int) -> list[str]:
    if len(line) <= limit:
        return [line]
    chunks: list[str] = []
    current = ""
    for raw_word in line.split(" "):
        word = raw_word
        while len(word) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = word
    if current:
        chunks.append(current)
    return chunks


class Reply:
    """Collects the messages of one bot turn and keys them `bot:<event_key>:<i>`."""

    def __init__(self, oa_id: str, user_id: str, event_key: str) -> None:
        self.oa_id, self.user_id, self.event_key = oa_id, user_id, event_key
        self.messages: list[OutboundMessage] = []

    def add(self, message: dict[str, Any]) -> None:
        self.messages.append(
            OutboundMessage(
                oa_id=self.oa_id,
                user_id=self.user_id,
                message=message,
                key=f"bot:{self.event_key}:{len(self.messages)}",
                origin="bot",
            )
        )

    def text(self, body: str, buttons: list[dict[str, Any]] | None = None) -> None:
        """Text split to Zalo's limit; buttons go with the last part (or a short follow-up)."""
        parts = split_text(body)
        if buttons and parts and len(parts[-1]) > BUTTON_TEXT_LIMIT:
            parts.append("Anh/chị cần thêm thông tin, vui lòng chọn:")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            self.add(with_buttons(part, buttons) if buttons and last else {"text": part})


# The main menu (router on a greeting, flows after small talk): the citizen's entry points.
MENU_BUTTONS = [
    ("Báo tin ANTT", "báo tin"),
    ("Thủ tục hành chính", "thủ tục"),
    ("Tra cứu CCCD", "CCCD"),
    ("Lấy số thứ tự", "lấy số"),
    ("Truy nã / tìm người thân", "truy nã"),
    ("Đường dây nóng", "đường dây nóng"),
    ("Tin an ninh", "tin an ninh"),
]


def menu(reply: Reply, greeting: str) -> None:
    buttons = [query_button(title, payload) for title, payload in MENU_BUTTONS]
    reply.text(
        f"{greeting}\nAnh/chị chọn tiện ích bên dưới hoặc nhắn câu hỏi về thủ tục hành chính:", buttons[:4]
    )
    reply.text("Tiện ích khác:", buttons[4:])
