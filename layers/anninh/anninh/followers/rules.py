"""Follower records: who follows each OA, since when, from where, with which tags and shared info,
and when they last interacted (Zalo's 7-day consultation and 48-hour free windows depend on it).

Pure: the record, and the sealing of shared info (name, phone, address, ...), encrypted field by
field with the PII key and bound to the follower and field. Storage is in `followers.store`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from anninh.crypto import decrypt_text, encrypt_text

PII_FIELDS = ("name", "phone", "address", "city", "district", "ward", "dob", "gender")


class Follower(BaseModel):
    oa_id: str
    user_id: str
    following: bool = False
    followed_at: str | None = None
    unfollowed_at: str | None = None
    source: str | None = None
    tags: list[str] = Field(default_factory=list)
    shared_info: dict[str, Any] = Field(default_factory=dict)  # sealed values (anninh.crypto)
    last_interaction_at: str | None = None
    withdrawn: bool = False
    withdrawn_at: str | None = None

    def decrypted_info(self) -> dict[str, str | None]:
        return open_info(self.oa_id, self.user_id, self.shared_info)


def info_context(oa_id: str, user_id: str, name: str) -> str:
    """Associated data of a shared-info field: bound to this follower and this field."""
    return f"FOLLOWER#{oa_id}#{user_id}|{name}"


def open_info(oa_id: str, user_id: str, sealed: dict[str, Any]) -> dict[str, str | None]:
    return {k: decrypt_text(v, context=info_context(oa_id, user_id, k)) for k, v in sealed.items()}


def seal_info(oa_id: str, user_id: str, info: dict[str, str | None]) -> dict[str, str]:
    """The personal fields of shared info, each encrypted for this follower (empty ones dropped)."""
    return {
        k: encrypt_text(v, context=info_context(oa_id, user_id, k))
        for k, v in info.items()
        if k in PII_FIELDS and v
    }
