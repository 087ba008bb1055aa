"""The conversation log of each citizen with each OA, and the conversation's state item.

Messages: PK=CONV#<oa>#<user>, SK=MSG#<iso>#<msg_id>, oldest first. Every inbound message is keyed by
Zalo's timestamp and msg_id, so a redelivered event writes nothing new. Outbound messages (our sends,
OA echoes, human admin replies) also write a marker SK=MSGID#<msg_id> in the same transaction: whichever
of "our sender recorded it" and "Zalo echoed it" comes second is a no-op.

Citizen content is sealed at rest (`anninh.crypto`): a message's `text` and `message` are stored as
sealed maps bound to the message's key and field (`message_context`), opened by `open_message` and
`officer_view`; everything else on the item (keys, kind, times) stays readable for queries.

State: SK=STATE holds the opaque conversation_id officers see (GSI2), the open tip case and its
window, the bot's state, and the hand-off flag (GSI1 = the unit's hand-off list while set).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from anninh import aws, keys
from anninh.clock import iso
from anninh.settings import get_settings

Direction = str  # "in" | "out"


class ConversationMessage(BaseModel):
    oa_id: str
    user_id: str
    at: str
    msg_id: str
    direction: str
    kind: str = "text"  # text, image, video, file, location, ... for inbound; "text"/"template" out
    text: str | None = None
    message: dict[str, Any] = Field(default_factory=dict)
    origin: str | None = None  # outbound: bot, officer, system, reminder, oa, admin
    officer: str | None = None
    case_id: str | None = None
    message_key: str | None = None
    event_key: str | None = None


class ConversationState(BaseModel):
    oa_id: str
    user_id: str
    conversation_id: str
    unit_id: str | None = None
    open_case_id: str | None = None
    case_window_until: str | None = None
    bot: dict[str, Any] = Field(default_factory=dict)
    handed_off: bool = False
    handed_off_at: str | None = None
    last_inbound_at: str | None = None
    # Cases an officer wrote to the citizen about: case_id -> until when the citizen's messages go to
    # that case rather than to the bot (set by the officer's reply; see anninh.cases.service).
    officer_threads: dict[str, str] = Field(default_factory=dict)

    def active_threads(self, now: datetime) -> list[str]:
        """Case ids with an officer thread still open, the most recent officer reply first."""
        stamp = iso(now)
        live = [(until, case_id) for case_id, until in self.officer_threads.items() if until > stamp]
        return [case_id for _, case_id in sorted(live, reverse=True)]

    def case_window_open(self, now: datetime) -> bool:
        return bool(self.open_case_id and self.case_window_until and self.case_window_until > iso(now))


def _expires_at(at: datetime) -> int:
    return int((at + timedelta(days=get_settings().retention_days)).timestamp())


def _put_new(item: dict[str, Any], table: Any = None) -> bool:
    table = table or aws.table()
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def record_inbound(  # noqa: PLR0917 - the order of a conversation message
    oa_id: str,
    user_id: str,
    at: datetime,
    msg_id: str,
    kind: str,
    message: dict[str, Any],
    event_key: str,
    text: str | None = None,
) -> bool:
    """Store a citizen's message; False when it was stored already (redelivery)."""
    at_iso = iso(at)
    item = {
        **keys.message(oa_id, user_id, at_iso, msg_id),
        "type": "message",
        "direction": "in",
        "oa_id": oa_id,
        "user_id": user_id,
        "at": at_iso,
        "msg_id": msg_id,
        "kind": kind,
        "text": text,
        "message": _clean(message),
        "event_key": event_key,
        "expires_at": _expires_at(at),
    }
    return _put_new(seal_message({k: v for k, v in item.items() if v is not None}))


SEALED_MESSAGE_FIELDS = ("text", "message")
MAX_STORED_TEXT = 8000


def message_context(item: dict[str, Any], name: str) -> str:
    """Associated data of a sealed message field: this message's key and this field."""
    return f"{item.get('PK')}|{item.get('SK')}|{name}"


def seal_message(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its citizen content sealed (text as is, the message object as JSON)."""
    from anninh import crypto

    out = dict(item)
    # Zalo caps a text at 2,000 characters; a hostile signed body may carry far more. Keep the item under
    # DynamoDB's 400 KB whatever arrives (the raw body stays in the event receipt for 30 days).
    if isinstance(out.get("text"), str):
        out["text"] = out["text"][:MAX_STORED_TEXT]
    if isinstance(out.get("message"), dict) and isinstance(out["message"].get("text"), str):
        out["message"] = {**out["message"], "text": out["message"]["text"][:MAX_STORED_TEXT]}
    if isinstance(out.get("text"), str) and out["text"]:
        out["text"] = crypto.encrypt_text(out["text"], context=message_context(out, "text"))
    if isinstance(out.get("message"), dict):
        raw = json.dumps(out["message"], ensure_ascii=False, default=_plain)
        out["message"] = crypto.encrypt_text(raw, context=message_context(out, "message"))
    return out


def open_message(item: dict[str, Any]) -> dict[str, Any]:
    """The item with sealed fields opened (a value that does not open reads as None / {})."""
    from anninh import crypto

    out = dict(item)
    for name in SEALED_MESSAGE_FIELDS:
        if crypto.is_encrypted(out.get(name)):
            opened = crypto.open_or_none(_from_ddb(out[name]), message_context(out, name))
            if name == "message":
                opened = json.loads(opened) if isinstance(opened, str) else {}
            out[name] = opened
    return out


def record_outbound(  # noqa: PLR0917 - the interface other areas call
    oa_id: str,
    user_id: str,
    at: datetime,
    msg_id: str,
    message: dict[str, Any],
    origin: str,
    officer: str | None = None,
    case_id: str | None = None,
    message_key: str | None = None,
) -> bool:
    """Store a message the OA sent (ours, an echo, or a human admin's); False if already recorded.

    Deduplicated on Zalo's msg_id: our sender records with the id Zalo returned, and the echo
    (oa_send_*) carries the same id.
    """
    at_iso = iso(at)
    key = keys.message(oa_id, user_id, at_iso, msg_id)
    item: dict[str, Any] = {
        **key,
        "type": "message",
        "direction": "out",
        "oa_id": oa_id,
        "user_id": user_id,
        "at": at_iso,
        "msg_id": msg_id,
        "kind": "text" if "text" in message and len(message) == 1 else "template",
        "text": message.get("text"),
        "message": _clean(message),
        "origin": origin,
        "officer": officer,
        "case_id": case_id,
        "message_key": message_key,
        "expires_at": _expires_at(at),
    }
    item = seal_message({k: v for k, v in item.items() if v is not None})
    marker = {
        "PK": keys.conversation_pk(oa_id, user_id),
        "SK": f"MSGID#{msg_id}",
        "type": "message_marker",
        "message_sk": key["SK"],
        "expires_at": item["expires_at"],
    }
    table = aws.table()
    try:
        table.meta.client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": marker,
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {"Put": {"TableName": table.name, "Item": item}},
            ]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
        raise
    return True


def _plain(value: Any) -> Any:
    """Decimal (as DynamoDB returns numbers) -> int or float, for JSON."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)


def _clean(value: Any) -> Any:
    """JSON-ish values as DynamoDB takes them (numbers as Decimal, never float)."""
    return json.loads(json.dumps(value, default=_plain), parse_float=Decimal)


def _from_ddb(value: Any) -> Any:
    """DynamoDB values back to plain JSON types (Decimal -> int/float)."""
    return json.loads(json.dumps(value, default=_plain))


# What officers see of a stored message (the case view and the hand-off view alike): never the Zalo
# ids in the keys, texts decrypted where they were sealed.
OFFICER_MESSAGE_FIELDS = (
    "at",
    "direction",
    "kind",
    "type",
    "event_name",
    "text",
    "origin",
    "officer",
    "status",
    "message_id",
    "case_id",
    "attachments",
    "sticker",
    "location",
)


def officer_view(item: dict[str, Any]) -> dict[str, Any]:
    from anninh import crypto

    view: dict[str, Any] = {}
    for name in OFFICER_MESSAGE_FIELDS:
        if name not in item:
            continue
        value = _from_ddb(item[name])
        if crypto.is_encrypted(value):  # by structure: a typed "enc:v1:..." text stays text
            # a damaged or moved value reads as None and must not hide the rest of the conversation
            value = crypto.open_or_none(value, message_context(item, name))
        view[name] = value
    if "at" not in view:
        sk = str(item.get("SK", ""))
        view["at"] = sk.split("#")[1] if sk.count("#") >= 2 else None
    return view


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def _decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:
        raise ValueError("invalid cursor") from exc
    if not isinstance(value, dict) or set(value) != {"PK", "SK"}:
        raise ValueError("invalid cursor")
    return value


def list_messages(  # noqa: PLR0917 - the interface other areas call
    oa_id: str,
    user_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
    newest_first: bool = False,
) -> tuple[list[ConversationMessage], str | None]:
    """A page of the conversation between `since` and `until` (oldest first unless asked otherwise)."""
    pk = keys.conversation_pk(oa_id, user_id)
    low = "MSG#" + (iso(since) if since else "")
    high = "MSG#" + (iso(until) if until else "~")
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": Key("PK").eq(pk) & Key("SK").between(low, high),
        "Limit": max(1, min(limit, 200)),
        "ScanIndexForward": not newest_first,
    }
    start = _decode_cursor(cursor)
    if start:
        if start["PK"] != pk:
            raise ValueError("invalid cursor")
        kwargs["ExclusiveStartKey"] = start
    page = aws.table().query(**kwargs)
    messages = [ConversationMessage.model_validate(_from_ddb(open_message(i))) for i in page.get("Items", [])]
    return messages, _encode_cursor(page.get("LastEvaluatedKey"))


# --- state -----------------------------------------------------------------------------------


def _state_from_item(item: dict[str, Any]) -> ConversationState:
    data = {k: _from_ddb(v) for k, v in item.items() if k in ConversationState.model_fields}
    return ConversationState.model_validate(data)


def get_state(oa_id: str, user_id: str) -> ConversationState | None:
    item = aws.table().get_item(Key=keys.conversation_state(oa_id, user_id)).get("Item")
    return _state_from_item(item) if item else None


def ensure_state(oa_id: str, user_id: str, unit_id: str, at: datetime) -> ConversationState:
    """The state item, created on first contact with a fresh opaque conversation_id."""
    new_id = uuid.uuid4().hex
    result = aws.table().update_item(
        Key=keys.conversation_state(oa_id, user_id),
        UpdateExpression=(
            "SET conversation_id = if_not_exists(conversation_id, :cid), "
            "GSI2PK = if_not_exists(GSI2PK, :gpk), GSI2SK = :gsk, oa_id = :oa, user_id = :u, "
            "unit_id = if_not_exists(unit_id, :unit), #t = :type, "
            "last_inbound_at = :at"
        ),
        ExpressionAttributeNames={"#t": "type"},
        ExpressionAttributeValues={
            ":cid": new_id,
            ":gpk": keys.conversation_id_gsi(new_id),
            ":gsk": "STATE",
            ":oa": oa_id,
            ":u": user_id,
            ":unit": unit_id,
            ":type": "conversation",
            ":at": iso(at),
        },
        ReturnValues="ALL_NEW",
    )
    return _state_from_item(result["Attributes"])


def state_by_conversation_id(conversation_id: str) -> ConversationState | None:
    page = aws.table().query(
        IndexName="GSI2",
        KeyConditionExpression=Key("GSI2PK").eq(keys.conversation_id_gsi(conversation_id)),
        Limit=1,
    )
    items = page.get("Items", [])
    return _state_from_item(items[0]) if items else None


def set_open_case(oa_id: str, user_id: str, case_id: str, window_until: datetime) -> None:
    aws.table().update_item(
        Key=keys.conversation_state(oa_id, user_id),
        UpdateExpression="SET open_case_id = :c, case_window_until = :w",
        ExpressionAttributeValues={":c": case_id, ":w": iso(window_until)},
    )


def extend_case_window(oa_id: str, user_id: str, case_id: str, window_until: datetime) -> None:
    """Keep the window open while the citizen keeps sending (only for the same case, only forward)."""
    try:
        aws.table().update_item(
            Key=keys.conversation_state(oa_id, user_id),
            UpdateExpression="SET case_window_until = :w",
            ConditionExpression="open_case_id = :c AND case_window_until < :w",
            ExpressionAttributeValues={":c": case_id, ":w": iso(window_until)},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise


def set_officer_thread(oa_id: str, user_id: str, case_id: str, until: datetime) -> None:
    """An officer wrote to the citizen about a case: their next messages go to it until `until`."""
    table = aws.table()
    key = keys.conversation_state(oa_id, user_id)
    try:
        table.update_item(
            Key=key,
            UpdateExpression="SET officer_threads.#c = :u",
            ConditionExpression="attribute_exists(officer_threads)",
            ExpressionAttributeNames={"#c": case_id},
            ExpressionAttributeValues={":u": iso(until)},
        )
        return
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    try:  # the first thread of this conversation (the state item may not exist yet either)
        table.update_item(
            Key=key,
            UpdateExpression="SET officer_threads = :m",
            ConditionExpression="attribute_not_exists(officer_threads)",
            ExpressionAttributeValues={":m": {case_id: iso(until)}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        set_officer_thread(oa_id, user_id, case_id, until)  # created meanwhile: add to it


def save_bot_state(oa_id: str, user_id: str, bot: dict[str, Any]) -> None:
    aws.table().update_item(
        Key=keys.conversation_state(oa_id, user_id),
        UpdateExpression="SET bot = :b",
        ExpressionAttributeValues={":b": _clean(bot)},
    )


def set_handoff(oa_id: str, user_id: str, unit_id: str, at: datetime) -> None:
    """Flag the conversation for a human: it appears in the unit's hand-off list (GSI1)."""
    aws.table().update_item(
        Key=keys.conversation_state(oa_id, user_id),
        UpdateExpression="SET handed_off = :t, handed_off_at = :at, GSI1PK = :g, GSI1SK = :at",
        ExpressionAttributeValues={":t": True, ":at": iso(at), ":g": keys.unit_handoffs_gsi(unit_id)},
    )


def clear_handoff(oa_id: str, user_id: str) -> None:
    aws.table().update_item(
        Key=keys.conversation_state(oa_id, user_id),
        UpdateExpression="SET handed_off = :f REMOVE GSI1PK, GSI1SK, handed_off_at",
        ExpressionAttributeValues={":f": False},
    )


def list_handoffs(unit_id: str, limit: int = 50) -> list[ConversationState]:
    page = aws.table().query(
        IndexName="GSI1",
        KeyConditionExpression=Key("GSI1PK").eq(keys.unit_handoffs_gsi(unit_id)),
        ScanIndexForward=False,
        Limit=limit,
    )
    return [_state_from_item(i) for i in page.get("Items", [])]
