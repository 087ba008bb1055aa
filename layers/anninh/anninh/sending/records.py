"""Outbox delivery records: one item per message key, the idempotency of sending (the send ledger of
`anninh.sending.ledger`, which campaign deliveries share).

Item ``PK=OUTBOX#<key> SK=OUTBOX`` with ``status``:

- ``sending``   claimed by a sender until ``claim_until`` (epoch ms); an expired claim means the
                sender died mid-send (see `anninh.sending.sender` for what happens then);
- ``retrying``  a transient failure; the outbox item comes back later and claims it again;
- ``sent``      Zalo accepted it (``message_id``); a redelivery never sends again, it only repeats the
                bookkeeping (conversation log, statistics), which is idempotent on its own;
- ``failed``    permanent error (recipient, OA, invalid request, or retries exhausted);
- ``undeliverable_window``  the citizen has not interacted within 7 days.

Messages that could not be delivered and should be followed up by a human are indexed for the
officers of the OA's unit: ``GSI1PK=UNIT#<unit_id>#UNDELIVERED GSI1SK=<iso>#<key>``, with the message
(encrypted) kept on the item. `list_undelivered()` is the read side for the officer API.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from anninh import crypto, keys
from anninh.clock import iso
from anninh.outbox import OutboundMessage
from anninh.sending.ledger import Claim, epoch_ms, judge, lease_end
from anninh.sending.store import OutboxStore, default_sending_store
from anninh.settings import get_settings

Status = Literal["sending", "retrying", "sent", "failed", "undeliverable_window"]
# Why a message was not delivered, and how officers read it.
Cause = Literal["window", "recipient", "oa", "invalid", "retries", "quota", "unknown"]
CAUSE_LABELS: dict[str, str] = {
    "window": "Không gửi được: người dân chưa tương tác với OA trong 7 ngày qua, Zalo không cho phép "
    "gửi tin tư vấn. Hãy liên hệ qua kênh khác hoặc chờ người dân nhắn lại.",
    "recipient": "Không gửi được: người nhận không thể nhận tin (đã bỏ quan tâm OA, bị khóa hoặc đã chặn "
    "loại tin này).",
    "oa": "Không gửi được: OA đang bị Zalo từ chối (hết hạn mức, chưa xác thực hoặc mất quyền truy cập). "
    "Quản trị viên đã được báo.",
    "invalid": "Không gửi được: nội dung tin nhắn không hợp lệ theo quy định của Zalo.",
    "retries": "Không gửi được sau nhiều lần thử do lỗi kết nối với Zalo. Quản trị viên đã được báo.",
    "quota": "Chưa gửi được: đã quá 48 giờ kể từ tin nhắn gần nhất của người dân (hoặc đã dùng hết 8 tin "
    "trả lời miễn phí), nên đây là tin chủ động, mà kênh Zalo này đã dùng hết hạn mức tin chủ động của "
    "tháng. Tin sẽ gửi được khi người dân nhắn lại hoặc sang tháng sau; nếu việc gấp, hãy liên hệ người "
    "dân qua điện thoại.",
    "unknown": "Chưa rõ đã gửi được hay chưa: kết nối với Zalo bị ngắt sau khi gửi và Zalo không cho biết "
    "kết quả. Hãy xem lại cuộc trò chuyện trên Zalo trước khi gửi lại.",
}
# The same causes in a few words, for a badge next to the message (the long text explains).
CAUSE_SHORT_LABELS: dict[str, str] = {
    "window": "Quá 7 ngày chưa tương tác",
    "recipient": "Người nhận không nhận được tin",
    "oa": "OA bị Zalo từ chối",
    "invalid": "Nội dung không hợp lệ",
    "retries": "Lỗi kết nối với Zalo",
    "quota": "Hết hạn mức tin chủ động",
    "unknown": "Chưa rõ đã gửi được",
}
FINAL_STATUSES = frozenset({"sent", "failed", "undeliverable_window"})
SENT_TTL_SECONDS = 40 * 24 * 3600


class OutboxRecords:
    """The outbox ledger: what each record says, written through the sending store."""

    def __init__(self, store: OutboxStore | None = None) -> None:
        self.store: OutboxStore = store or default_sending_store()

    def get(self, key: str) -> dict[str, Any] | None:
        return self.store.get(key)

    def claim(self, msg: OutboundMessage, now: datetime, claim_seconds: float) -> Claim:
        """Take the message unless it is final or another sender's claim is still live."""
        claimed, record = self.store.claim(
            msg.key,
            {"oa_id": msg.oa_id, "origin": msg.origin},  # the Zalo id only on a kept record, sealed
            iso(now),
            epoch_ms(now),
            lease_end(now, claim_seconds),
        )
        if not claimed:
            return judge(record or None, now, "sending")
        # Taken: new, given back after a visible failure, or a dead sender's (see the sender).
        return Claim("abandoned" if record.get("status") == "sending" else "mine", record=record)

    def _update(self, key: str, sets: dict[str, Any], remove: tuple[str, ...] = ()) -> None:
        self.store.update(key, sets, remove)

    def mark_sent(
        self,
        key: str,
        message_id: str,
        at: datetime,
        *,
        tier: str = "",
        reply_to: str | None = None,
        quota: dict[str, Any] | None = None,
    ) -> None:
        """One small write right after Zalo's answer: the only window in which a crash can duplicate.

        Also records how the send was classified (`tier`, the citizen's message it replied to) and
        Zalo's `data.quota` answer, when Zalo gave one (docs/zalo.md)."""
        sets: dict[str, Any] = {
            "status": "sent",
            "message_id": message_id,
            "sent_at": iso(at),
            "updated_at": iso(at),
            "expires_at": int(at.timestamp()) + SENT_TTL_SECONDS,
        }
        if tier:
            sets["tier"] = tier
        if reply_to:
            sets["reply_to"] = reply_to
        if quota:
            sets["quota"] = {str(k): str(v) for k, v in quota.items() if v is not None}
        self._update(key, sets, remove=("claim_until",))

    def mark_retrying(self, key: str, error: str, at: datetime, retry_after: int) -> None:
        self._update(
            key,
            {"status": "retrying", "last_error": error, "updated_at": iso(at), "retry_after_s": retry_after},
            remove=("claim_until",),
        )

    def mark_final(
        self,
        *,
        msg: OutboundMessage,
        status: Status,
        cause: Cause,
        reason: str,
        at: datetime,
        unit_id: str,
        error_code: int | None = None,
    ) -> None:
        """Record a message that will not be sent; kept for the unit's officers when the producer asked."""
        sets: dict[str, Any] = {
            "status": status,
            "cause": cause,
            "reason": reason,
            "updated_at": iso(at),
            "final_at": iso(at),
            "unit_id": unit_id,
            "case_id": msg.case_id or "",
            "officer": msg.officer or "",
            "keep_for_officer": msg.keep_for_officer,
            "message": crypto.encrypt_text(
                json.dumps(msg.message, ensure_ascii=False), context=f"OUTBOX#{msg.key}|message"
            ),
            # The undelivered list maps the citizen to the conversation and pseudonym; never in the clear.
            "user_id": crypto.encrypt_text(msg.user_id, context=f"OUTBOX#{msg.key}|user_id"),
            "expires_at": int(at.timestamp()) + get_settings().retention_days * 24 * 3600,
        }
        if error_code is not None:
            sets["error_code"] = error_code
        if msg.keep_for_officer and unit_id:
            sets["GSI1PK"] = keys.unit_undelivered_gsi(unit_id)
            sets["GSI1SK"] = f"{iso(at)}#{msg.key}"
        self._update(msg.key, sets, remove=("claim_until",))


def list_undelivered(unit_id: str, limit: int = 50, store: OutboxStore | None = None) -> list[dict[str, Any]]:
    """Messages to citizens of a unit's OAs that could not be delivered, newest first.

    Each item: key, status (`undeliverable_window` | `failed`), cause (`window` | `recipient` | `oa` |
    `invalid` | `retries`), label (Vietnamese, for officers), reason (technical), error_code, oa_id,
    user_id (the Zalo id: map it to the conversation before showing it), case_id, officer, origin,
    message (the Zalo message object), at.
    """
    items = (store or default_sending_store()).undelivered(unit_id, limit)
    out: list[dict[str, Any]] = []
    for item in items:
        plain = crypto.decrypt_text(item.get("message"), context=f"{item['PK']}|message") or "{}"
        out.append(
            {
                "key": str(item["PK"]).removeprefix("OUTBOX#"),
                "status": item.get("status"),
                "cause": item.get("cause", ""),
                "label": CAUSE_LABELS.get(str(item.get("cause", "")), CAUSE_LABELS["retries"]),
                "reason": item.get("reason", ""),
                "error_code": int(item["error_code"]) if item.get("error_code") is not None else None,
                "oa_id": item.get("oa_id"),
                "user_id": crypto.open_or_none(item.get("user_id"), f"{item['PK']}|user_id"),
                "case_id": item.get("case_id") or None,
                "officer": item.get("officer") or None,
                "origin": item.get("origin"),
                "message": json.loads(plain),
                "at": item.get("final_at"),
            }
        )
    return out
