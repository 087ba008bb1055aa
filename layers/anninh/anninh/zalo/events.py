"""Typed models of every Zalo webhook event family (see ../shared/zalo-platform.md).

One discriminated union on `event_name`. Every id and timestamp is a string on the wire, but numbers
are tolerated (coerced) because Zalo's own samples are inconsistent; unknown fields are kept
(`extra="allow"`) so a new field never breaks parsing. An unknown `event_name` is not an error: it
becomes an `UnknownEvent` that keeps the raw body.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from anninh.clock import from_millis, utcnow

_CONFIG = ConfigDict(extra="allow", coerce_numbers_to_str=True, frozen=False)


def _sub(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


class _Model(BaseModel):
    model_config = _CONFIG


class Party(_Model):
    id: str
    admin_id: str | None = None  # present on OA echoes when a human admin used the OA chat tool


class Coordinates(_Model):
    latitude: str
    longitude: str


class AttachmentPayload(_Model):
    url: str | None = None
    thumbnail: str | None = None
    description: str | None = None
    id: str | None = None  # sticker id
    size: str | None = None  # file
    name: str | None = None
    checksum: str | None = None  # MD5 of a file
    type: str | None = None  # file extension, e.g. "pdf"
    coordinates: Coordinates | None = None


class Attachment(_Model):
    type: str
    payload: AttachmentPayload = Field(default_factory=AttachmentPayload)


class Message(_Model):
    msg_id: str | None = None
    text: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    quote_msg_id: str | None = None
    msg_ids: list[str] | None = None  # user_seen_message
    react_icon: str | None = None
    delivery_time: str | None = None  # ZNS receipts
    tracking_id: str | None = None


class Conversation(BaseModel):
    """Who an event is about: the OA and the citizen (or an anonymous conversation)."""

    oa_id: str | None = None
    user_id: str | None = None
    conversation_id: str | None = None  # anonymous conversations only

    @property
    def group_id(self) -> str:
        """The FIFO message group: one citizen's conversation with one OA is handled in order."""
        if self.conversation_id:
            return f"anon:{self.conversation_id}"
        if self.oa_id and self.user_id:
            return f"{self.oa_id}:{self.user_id}"
        return self.oa_id or "app"


class _Event(_Model):
    app_id: str
    event_name: str
    timestamp: str
    user_id_by_app: str | None = None

    family: str = "event"

    @property
    def at(self) -> datetime:
        """When Zalo says it happened (milliseconds string); receipt time if unreadable."""
        try:
            return from_millis(self.timestamp)
        except (ValueError, OverflowError, OSError):
            return utcnow()

    @property
    def msg_id(self) -> str | None:
        message = getattr(self, "message", None)
        return message.msg_id if isinstance(message, Message) else None

    def conversation(self) -> Conversation:
        return Conversation()


USER_MESSAGE_EVENTS = (
    "user_send_text",
    "user_send_image",
    "user_send_gif",
    "user_send_link",
    "user_send_audio",
    "user_send_video",
    "user_send_sticker",
    "user_send_location",
    "user_send_file",
    "user_send_business_card",
)
OA_MESSAGE_EVENTS = (
    "oa_send_text",
    "oa_send_image",
    "oa_send_gif",
    "oa_send_list",
    "oa_send_file",
    "oa_send_sticker",
    "oa_send_template",
)
RECEIPT_EVENTS = ("user_received_message", "user_seen_message", "user_reacted_message", "oa_reacted_message")
ANONYMOUS_EVENTS = (
    "anonymous_send_text",
    "anonymous_send_image",
    "anonymous_send_file",
    "anonymous_send_sticker",
)
TAG_EVENTS = ("add_user_to_tag", "remove_user_from_tag", "remove_tag")
USER_ACTION_EVENTS = ("update_user_info", "user_click_chatnow")
OA_EVENTS = (
    "permission_revoked",
    "shop_has_order",
    "widget_interaction_accepted",
    "widget_failed_to_sync_user_external_id",
)
ZNS_EVENTS = (
    "change_template_status",
    "change_oa_daily_quota",
    "change_template_quality",
    "change_template_tag",
    "change_oa_template_tags",
    "user_feedback",
    "event_journey_time_out",
    "event_journey_acknowledged",
)


class UserMessageEvent(_Event):
    """A citizen wrote to an OA: sender = citizen, recipient = OA."""

    event_name: Literal[USER_MESSAGE_EVENTS]  # type: ignore[valid-type]
    family: str = "user_message"
    sender: Party
    recipient: Party
    message: Message

    @property
    def kind(self) -> str:
        return self.event_name.removeprefix("user_send_")

    def conversation(self) -> Conversation:
        return Conversation(oa_id=self.recipient.id, user_id=self.sender.id)


class OaMessageEvent(_Event):
    """An echo of what the OA sent (by us, or by a human admin in Zalo's chat tool): sender = OA."""

    event_name: Literal[OA_MESSAGE_EVENTS]  # type: ignore[valid-type]
    family: str = "oa_message"
    sender: Party
    recipient: Party
    message: Message

    @property
    def origin(self) -> str:
        return "admin" if self.sender.admin_id else "oa"

    def conversation(self) -> Conversation:
        return Conversation(oa_id=self.sender.id, user_id=self.recipient.id)


class ReceiptEvent(_Event):
    """Delivery, seen and reaction receipts. For ZNS, recipient.id is a phone number."""

    event_name: Literal[RECEIPT_EVENTS]  # type: ignore[valid-type]
    family: str = "receipt"
    sender: Party
    recipient: Party
    message: Message = Field(default_factory=Message)

    @property
    def is_zns(self) -> bool:
        return bool(self.message.tracking_id or self.message.delivery_time)

    def conversation(self) -> Conversation:
        # The user acted on an OA message: user_reacted_message comes from the user; the other
        # receipts are reported with the OA as sender (as for OA echoes).
        if self.event_name == "user_reacted_message":
            return Conversation(oa_id=self.recipient.id, user_id=self.sender.id)
        return Conversation(oa_id=self.sender.id, user_id=self.recipient.id)


class FollowEvent(_Event):
    event_name: Literal["follow", "unfollow"]
    family: str = "follow"
    oa_id: str
    follower: Party
    source: str | None = None  # oa_profile | message_invite | social_plugin

    def conversation(self) -> Conversation:
        return Conversation(oa_id=self.oa_id, user_id=self.follower.id)


class SharedInfo(_Model):
    """What a citizen chose to share, normalised from both shapes Zalo sends."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None
    city: str | None = None
    district: str | None = None
    ward: str | None = None
    dob: str | None = None
    gender: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        full = out.pop("full_address", None)
        if isinstance(full, dict):
            out.setdefault("address", full.get("user_address"))
            out.setdefault("city", full.get("user_city"))
            out.setdefault("ward", full.get("user_ward"))
            out.setdefault("district", full.get("user_district"))
        if "user_dob" in out:
            out.setdefault("dob", out.pop("user_dob"))
        return out


class SubmitInfoEvent(_Event):
    event_name: Literal["user_submit_info"]
    family: str = "submit_info"
    sender: Party
    recipient: Party
    info: SharedInfo

    def conversation(self) -> Conversation:
        return Conversation(oa_id=self.recipient.id, user_id=self.sender.id)


class Tag(_Model):
    name: str
    user_ids: list[str] = Field(default_factory=list)


class TagEvent(_Event):
    event_name: Literal[TAG_EVENTS]  # type: ignore[valid-type]
    family: str = "tag"
    oa_id: str
    tag: Tag

    def conversation(self) -> Conversation:
        return Conversation(oa_id=self.oa_id)


class AnonymousMessageEvent(_Event):
    """A user who does not follow (and is not known to) the OA: a conversation id, no user id."""

    event_name: Literal[ANONYMOUS_EVENTS]  # type: ignore[valid-type]
    family: str = "anonymous"
    sender: Party
    recipient: Party
    message: Message
    conversation_id: str

    @model_validator(mode="before")
    @classmethod
    def _conversation_id(cls, data: Any) -> Any:
        # Where the id sits differs between sources: top level, in message, or as the sender id.
        if isinstance(data, dict) and not data.get("conversation_id"):
            message, sender = _sub(data, "message"), _sub(data, "sender")
            found = message.get("conversation_id") or sender.get("id")
            if found:
                data = {**data, "conversation_id": found}
        return data

    def conversation(self) -> Conversation:
        return Conversation(oa_id=self.recipient.id, conversation_id=self.conversation_id)


def _pick_ids(data: Any) -> Any:
    """Events whose OA/user ids come either as oa_id/user_id or as recipient/sender."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    sender, recipient, follower = _sub(out, "sender"), _sub(out, "recipient"), _sub(out, "follower")
    if not out.get("oa_id") and recipient.get("id"):
        out["oa_id"] = recipient["id"]
    if not out.get("user_id"):
        found = sender.get("id") or follower.get("id") or out.get("user_id_by_app")
        if found:
            out["user_id"] = found
    return out


class _CitizenEvent(_Event):
    """An event about one citizen of one OA, whose ids come either way (`_pick_ids`)."""

    oa_id: str
    user_id: str

    _ids = model_validator(mode="before")(_pick_ids)

    def conversation(self) -> Conversation:
        return Conversation(oa_id=self.oa_id, user_id=self.user_id)


class _OaLevelEvent(_Event):
    """An event about an OA, not a citizen; the OA id may come as recipient (`_pick_ids`)."""

    oa_id: str | None = None

    _ids = model_validator(mode="before")(_pick_ids)

    def conversation(self) -> Conversation:
        return Conversation(oa_id=self.oa_id)


class UserActionEvent(_CitizenEvent):
    event_name: Literal[USER_ACTION_EVENTS]  # type: ignore[valid-type]
    family: str = "user_action"


class WithdrawEvent(_CitizenEvent):
    """A data-subject request: the citizen withdrew consent; their personal data is erased."""

    event_name: Literal["user_withdraw"]
    family: str = "withdraw"


class OaEvent(_OaLevelEvent):
    """OA-level notifications (permission revoked, widgets, shop orders)."""

    event_name: Literal[OA_EVENTS]  # type: ignore[valid-type]
    family: str = "oa"


class ZnsEvent(_OaLevelEvent):
    """ZNS/template notifications (template status, daily quota, user feedback...)."""

    event_name: Literal[ZNS_EVENTS]  # type: ignore[valid-type]
    family: str = "zns"


class UnknownEvent(_Event):
    """An event name we do not know: accepted, kept raw, counted."""

    family: str = "unknown"

    def conversation(self) -> Conversation:
        data = _pick_ids(self.model_dump())
        return Conversation(oa_id=data.get("oa_id"))


KnownEvent = Annotated[
    UserMessageEvent
    | OaMessageEvent
    | ReceiptEvent
    | FollowEvent
    | SubmitInfoEvent
    | TagEvent
    | AnonymousMessageEvent
    | UserActionEvent
    | WithdrawEvent
    | OaEvent
    | ZnsEvent,
    Field(discriminator="event_name"),
]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(KnownEvent)

ZaloEvent = (
    UserMessageEvent
    | OaMessageEvent
    | ReceiptEvent
    | FollowEvent
    | SubmitInfoEvent
    | TagEvent
    | AnonymousMessageEvent
    | UserActionEvent
    | WithdrawEvent
    | OaEvent
    | ZnsEvent
    | UnknownEvent
)

KNOWN_EVENT_NAMES = frozenset(
    USER_MESSAGE_EVENTS
    + OA_MESSAGE_EVENTS
    + RECEIPT_EVENTS
    + ANONYMOUS_EVENTS
    + TAG_EVENTS
    + USER_ACTION_EVENTS
    + OA_EVENTS
    + ZNS_EVENTS
    + ("follow", "unfollow", "user_submit_info", "user_withdraw")
)


class InvalidEvent(ValueError):
    """A known event name whose body does not have that event's shape (kept aside, not processed)."""

    def __init__(self, event_name: str, errors: str) -> None:
        super().__init__(f"{event_name}: {errors}")
        self.event_name = event_name
        self.errors = errors


def parse_event(data: dict[str, Any]) -> ZaloEvent:
    """Parse a decoded event body. Unknown names -> UnknownEvent; malformed known ones -> InvalidEvent.

    The caller has checked that app_id, event_name and timestamp are present.
    """
    name = str(data.get("event_name", ""))
    if name not in KNOWN_EVENT_NAMES:
        return UnknownEvent.model_validate(data)
    try:
        event: ZaloEvent = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise InvalidEvent(name, summary) from exc
    return event


def dedupe_key(event_name: str, msg_id: str | None, raw_body: bytes) -> str:
    """Zalo redelivers the same body: `<event_name>:<msg_id>` when the event names a message, else a
    hash of the raw body (an OA echo and its receipt share a msg_id, hence the event name)."""
    if msg_id:
        return f"{event_name}:{msg_id}"
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()


def message_of(data: dict[str, Any]) -> str | None:
    """message.msg_id from a decoded body without full parsing (for dedupe of kept-aside events)."""
    message = data.get("message")
    if isinstance(message, dict):
        value = message.get("msg_id")
        if isinstance(value, str | int) and str(value):
            return str(value)
    return None
