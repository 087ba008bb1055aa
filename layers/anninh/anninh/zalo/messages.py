"""Builders for the `message` object of Zalo's consultation API (/v3.0/oa/message/cs).

Each returns the plain dict that goes under `"message"` in the request body, so producers can put
it on the outbox (`anninh.outbox.OutboundMessage.message`) without importing the client.
"""

from __future__ import annotations

from typing import Any

TEXT_LIMIT = 2000
BUTTON_TITLE_LIMIT = 100
MAX_BUTTONS = 5

Message = dict[str, Any]
Button = dict[str, Any]


def _check_text(text: str) -> str:
    if not text or not text.strip():
        raise ValueError("message text is empty")
    if len(text) > TEXT_LIMIT:
        raise ValueError(f"message text has {len(text)} characters; Zalo allows {TEXT_LIMIT}")
    return text


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split a long text into pieces Zalo accepts, at paragraph, line or word boundaries."""
    text = text.strip()
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def text_message(text: str) -> Message:
    return {"text": _check_text(text)}


def image_message(
    *, url: str | None = None, attachment_id: str | None = None, text: str | None = None
) -> Message:
    """An image by public URL or by an `attachment_id` from `upload_image`."""
    if bool(url) == bool(attachment_id):
        raise ValueError("give exactly one of url or attachment_id")
    element: dict[str, str] = {"media_type": "image"}
    if url:
        element["url"] = url
    else:
        element["attachment_id"] = attachment_id or ""
    message: Message = {
        "attachment": {"type": "template", "payload": {"template_type": "media", "elements": [element]}}
    }
    if text:
        message["text"] = _check_text(text)
    return message


def _button(title: str, kind: str, payload: Any) -> Button:
    if not title.strip():
        raise ValueError("button title is empty")
    return {"title": title[:BUTTON_TITLE_LIMIT], "type": kind, "payload": payload}


def url_button(title: str, url: str) -> Button:
    return _button(title, "oa.open.url", {"url": url})


def query_button(title: str, payload: str, *, show: bool = True) -> Button:
    """A button whose payload comes back to the webhook as the user's text (shown or hidden)."""
    return _button(title, "oa.query.show" if show else "oa.query.hide", payload)


def phone_button(title: str, phone: str) -> Button:
    return _button(title, "oa.open.phone", {"phone_code": phone})


def sms_button(title: str, phone: str, content: str) -> Button:
    return _button(title, "oa.open.sms", {"content": content, "phone_code": phone})


def buttons_message(text: str, buttons: list[Button]) -> Message:
    if not buttons:
        raise ValueError("a buttons message needs at least one button")
    if len(buttons) > MAX_BUTTONS:
        raise ValueError(f"Zalo shows at most {MAX_BUTTONS} buttons; got {len(buttons)}")
    return {
        "text": _check_text(text),
        "attachment": {"type": "template", "payload": {"buttons": list(buttons)}},
    }


def request_user_info_message(title: str, subtitle: str, image_url: str) -> Message:
    """Asks the citizen to share name/phone/address; the answer arrives as `user_submit_info`."""
    element = {"title": title, "subtitle": subtitle, "image_url": image_url}
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "request_user_info", "elements": [element]},
        }
    }


def quoting(message: Message, react_message_id: str) -> Message:
    """The same message, shown as a reply to (quoting) one of the citizen's messages."""
    return {**message, "react_message_id": react_message_id}


def article_broadcast_message(article_id: str) -> Message:
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "article", "attachment_id": article_id}],
            },
        }
    }
