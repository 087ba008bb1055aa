"""Campaigns: what an editor asks for, and what the system tracks while sending it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, HttpUrl, field_validator, model_validator

from anninh.zalo import messages

Kind = Literal["text", "image", "link", "article", "zns"]
MessageType = Literal["cs", "promotion"]
Status = Literal["scheduled", "running", "paused", "cancelled", "done"]

# Kinds Zalo restricts like promotions: refused 22:00-06:00 and capped per follower.
PROMOTION_KINDS = frozenset({"article", "zns"})

# Why a recipient was not sent the campaign (keys of skipped_reasons / failed_reasons).
REASONS: dict[str, str] = {
    "outside_window": "Người quan tâm không tương tác với OA trong 7 ngày qua",
    "quiet_hours": "Khung giờ không được gửi tin quảng bá (22:00-06:00)",
    "follower_cap": "Người quan tâm đã nhận đủ số tin cho phép trong ngày/tháng",
    "unfollowed": "Người dùng đã bỏ quan tâm OA",
    "withdrawn": "Người dùng đã yêu cầu rút dữ liệu",
    "not_follower": "Người dùng không còn quan tâm OA",
    "inactive": "Tài khoản bị khoá hoặc không hoạt động quá 45 ngày",
    "restricted": "Người dùng đã chặn loại tin này",
    "recipient_limit": "Người dùng đã đạt giới hạn nhận tin",
    "oa_error": "OA không gửi được tin (OA bị khoá, hết hạn mức hoặc chưa được cấp quyền)",
    "oa_token": "OA chưa kết nối hoặc mã truy cập không hợp lệ",  # nosec B105 - a label, not a secret
    "invalid_request": "Nội dung tin không hợp lệ",
    "outcome_unknown": "Không xác định được kết quả gửi (không gửi lại để tránh gửi trùng)",
}

STATUS_LABELS: dict[str, str] = {
    "scheduled": "Đã lên lịch",
    "running": "Đang gửi",
    "paused": "Tạm dừng",
    "cancelled": "Đã huỷ",
    "done": "Hoàn tất",
}


class LinkButton(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    url: HttpUrl


class ArticleContent(BaseModel):
    """An article created through Zalo's article API before it is broadcast."""

    title: str = Field(min_length=1, max_length=150)
    author: str = Field(default="", max_length=50)
    description: str = Field(min_length=1, max_length=300)
    cover_url: HttpUrl
    body: str = Field(min_length=1, max_length=100_000)


class MessageSpec(BaseModel):
    text: str = Field(default="", max_length=messages.TEXT_LIMIT)
    image_url: HttpUrl | None = None
    attachment_id: str | None = None
    button: LinkButton | None = None
    buttons: list[LinkButton] = Field(default_factory=list, max_length=messages.MAX_BUTTONS)
    # article
    article_id: str | None = None
    article: ArticleContent | None = None
    target: dict[str, Any] = Field(default_factory=dict)  # Zalo broadcast target filters
    # zns
    template_id: str | None = None
    template_data: dict[str, Any] = Field(default_factory=dict)

    model_config = {"extra": "forbid"}


class CampaignRequest(BaseModel):
    """POST /api/v1/campaigns."""

    name: str = Field(min_length=1, max_length=200)
    oa_ids: list[str] = Field(default_factory=list, max_length=500)
    unit_ids: list[str] = Field(default_factory=list, max_length=500)
    message: MessageSpec
    kind: Kind | None = None
    message_type: MessageType = "cs"
    send_at: datetime | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)
    interacted_within_days: int | None = Field(default=None, ge=1, le=3650)
    phones: list[str] = Field(default_factory=list, max_length=50_000)

    model_config = {"extra": "forbid"}

    @field_validator("send_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("send_at needs a time zone (e.g. 2026-05-01T08:00:00+07:00)")
        return value

    @field_validator("phones")
    @classmethod
    def _phones(cls, value: list[str]) -> list[str]:
        out = []
        for raw in value:
            digits = "".join(ch for ch in raw if ch.isdigit())
            if digits.startswith("0"):
                digits = "84" + digits[1:]
            if not (digits.startswith("84") and 10 <= len(digits) <= 12):
                raise ValueError(f"not a Vietnamese phone number: {raw!r}")
            out.append(digits)
        return list(dict.fromkeys(out))

    @model_validator(mode="after")
    def _consistent(self) -> CampaignRequest:
        m = self.message
        kind = self.kind or (
            "article"
            if (m.article or m.article_id)
            else "zns"
            if m.template_id
            else "image"
            if (m.image_url or m.attachment_id)
            else "link"
            if (m.button or m.buttons)
            else "text"
        )
        self.kind = kind
        if not self.oa_ids and not self.unit_ids:
            raise ValueError("choose at least one OA (oa_ids) or unit (unit_ids)")
        if kind in ("text", "link") and not m.text.strip():
            raise ValueError("message.text is required")
        if kind == "link" and not (m.button or m.buttons):
            raise ValueError("a link campaign needs message.button {title, url}")
        if kind == "image" and not (m.image_url or m.attachment_id):
            raise ValueError("an image campaign needs message.image_url or message.attachment_id")
        if kind == "article" and not (m.article or m.article_id):
            raise ValueError("an article campaign needs message.article or message.article_id")
        if kind == "zns":
            if not m.template_id or not self.phones:
                raise ValueError("a ZNS campaign needs message.template_id and phones")
            if len(self.oa_ids) != 1:
                raise ValueError("a ZNS campaign is sent by exactly one OA (oa_ids)")
        if kind in PROMOTION_KINDS:
            self.message_type = "promotion"
        return self

    def zalo_message(self) -> dict[str, Any]:
        """The Zalo `message` object sent to each follower (text, image and link kinds)."""
        m = self.message
        if self.kind == "image":
            return messages.image_message(
                url=str(m.image_url) if m.image_url else None,
                attachment_id=m.attachment_id,
                text=m.text or None,
            )
        if self.kind == "link":
            buttons = [*([m.button] if m.button else []), *m.buttons]
            return messages.buttons_message(
                m.text, [messages.url_button(b.title, str(b.url)) for b in buttons]
            )
        if self.kind == "text":
            return messages.text_message(m.text)
        return {}


class Recipient(BaseModel):
    """One follower (or, for ZNS, one phone number) in a broadcast batch."""

    user_id: str


class Batch(BaseModel):
    """The body of one BroadcastQueue message: up to 50 recipients of one OA."""

    campaign_id: str
    batch_id: str
    oa_id: str
    recipients: list[str]


class Campaign(BaseModel):
    """The campaign item as the API shows it."""

    id: str
    name: str
    kind: Kind
    message_type: MessageType
    status: Status
    status_label: str = ""
    oa_ids: list[str]
    unit_ids: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    interacted_within_days: int | None = None
    message: dict[str, Any] = Field(default_factory=dict)
    spec: dict[str, Any] = Field(default_factory=dict)
    unit_id: str
    created_by: str
    created_at: str
    send_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    planning_done: bool = False
    total: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = Field(default_factory=dict)
    failed_reasons: dict[str, int] = Field(default_factory=dict)
    rate: float | None = None  # messages per minute since the start
    eta: str | None = None
    deferred_until: str | None = None
    article_ids: dict[str, str] = Field(default_factory=dict)

    @property
    def processed(self) -> int:
        return self.sent + self.failed + self.skipped
