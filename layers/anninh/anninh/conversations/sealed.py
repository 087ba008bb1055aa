"""Citizen content of a conversation sealed at rest (`anninh.crypto`).

A message's `text` and `message` are stored as sealed maps bound to the message's key and field
(`message_context`), opened by `open_message` and `officer_view`; everything else on the item (keys,
kind, times) stays readable for queries.
"""

from __future__ import annotations

import json
from typing import Any

from anninh import crypto
from anninh.conversations.rules import capped
from anninh.dynamo import plain

SEALED_MESSAGE_FIELDS = ("text", "message")

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


def message_context(item: dict[str, Any], name: str) -> str:
    """Associated data of a sealed message field: this message's key and this field."""
    return f"{item.get('PK')}|{item.get('SK')}|{name}"


def state_context(item: dict[str, Any], name: str) -> str:
    """Associated data of a sealed field of the state item: its key and the field."""
    return f"{item.get('PK')}|STATE|{name}"


def seal_user_id(pk: str, user_id: str) -> Any:
    """The Zalo id on the state item, sealed to it: the officer's reply and pseudonym need it."""
    return crypto.encrypt_text(user_id, context=state_context({"PK": pk}, "user_id"))


def open_user_id(item: dict[str, Any]) -> str | None:
    """The Zalo id of a state item (sealed; a plain value from before sealing is taken as it is)."""
    value = item.get("user_id")
    if crypto.is_encrypted(value):
        opened = crypto.open_or_none(plain(value), state_context(item, "user_id"))
        return opened if isinstance(opened, str) else None
    return value if isinstance(value, str) else None


def seal_message(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its citizen content sealed (text as is, the message object as JSON)."""
    out = capped(item)
    if isinstance(out.get("text"), str) and out["text"]:
        out["text"] = crypto.encrypt_text(out["text"], context=message_context(out, "text"))
    if isinstance(out.get("message"), dict):
        raw = json.dumps(plain(out["message"]), ensure_ascii=False)
        out["message"] = crypto.encrypt_text(raw, context=message_context(out, "message"))
    return out


def open_message(item: dict[str, Any]) -> dict[str, Any]:
    """The item with sealed fields opened (a value that does not open reads as None / {})."""
    out = dict(item)
    for name in SEALED_MESSAGE_FIELDS:
        if crypto.is_encrypted(out.get(name)):
            opened = crypto.open_or_none(plain(out[name]), message_context(out, name))
            if name == "message":
                opened = json.loads(opened) if isinstance(opened, str) else {}
            out[name] = opened
    return out


def officer_view(item: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for name in OFFICER_MESSAGE_FIELDS:
        if name not in item:
            continue
        value = plain(item[name])
        if crypto.is_encrypted(value):  # by structure: a typed "enc:v1:..." text stays text
            # a damaged or moved value reads as None and must not hide the rest of the conversation
            value = crypto.open_or_none(value, message_context(item, name))
        view[name] = value
    if "at" not in view:
        sk = str(item.get("SK", ""))
        view["at"] = sk.split("#")[1] if sk.count("#") >= 2 else None
    return view
