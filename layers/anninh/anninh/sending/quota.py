"""Zalo quota figures for officers: an OA's month, and the tier of the next reply in a conversation.

`oa_quota(oa_id)` — `month`, `proactive_used` (our ledger), `proactive_limit` and
`proactive_remaining` (Zalo's `v2.0/oa/quota/message` when it answers, else our setting),
`free_replies_open` (conversations still inside their free 48-hour window, counted by the
`open_replies` the caller gives: `campaigns.replies.free_replies_open`), `sources` saying where
each figure comes from, `used_percent` and `warning` (at 80 %).
`reply_tier(oa_id, user_id)` — what the next officer reply will be: a free reply (how many of the 8
are left, until when) or a proactive message (and whether the month's quota still covers it).
See docs/zalo.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from anninh.clock import VN_TZ, utcnow
from anninh.observability import logger
from anninh.sending.tiers import (
    FREE_REPLIES,
    ConversationWindows,
    QuotaLedger,
    decide,
    vn_month,
)
from anninh.settings import get_settings
from anninh.zalo.client import ZaloClient
from anninh.zalo.tokens import TokenStore

WARN_AT_PERCENT = 80.0
ZALO_CACHE_SECONDS = 5.0  # absorbs a page asking for many OAs at once; officers see changes at once

_zalo_cache: dict[str, tuple[float, dict[str, Any] | None]] = {}
_zalo_lock = threading.Lock()


def zalo_proactive_quota(oa_id: str) -> dict[str, Any] | None:
    """Zalo's own answer for the OA's proactive quota, or None when it cannot be asked now.

    Read-only: uses the stored access token as it is (never refreshes it from here), a short timeout,
    and remembers the answer for a few seconds per container."""
    now = time.monotonic()
    with _zalo_lock:
        cached = _zalo_cache.get(oa_id)
    if cached and now - cached[0] < ZALO_CACHE_SECONDS:
        return cached[1]
    answer: dict[str, Any] | None = None
    try:
        record = TokenStore().load(oa_id)
        if record is not None and not record.expires_within(timedelta(seconds=30)):
            client = ZaloClient(timeout=3.0)
            try:
                data = client.proactive_quota(record.access_token)
            finally:
                client.close()
            if data.get("total") is not None and data.get("remain") is not None:
                answer = {
                    "remain": int(data["remain"]),
                    "total": int(data["total"]),
                    "type": data.get("type"),
                }
    except Exception:  # Zalo or the secret unavailable: our own figures stand
        logger.info("Zalo quota not available; using our own figures", extra={"oa_id": oa_id})
        answer = None
    with _zalo_lock:
        _zalo_cache[oa_id] = (now, answer)
    return answer


def forget_zalo_quota() -> None:
    with _zalo_lock:
        _zalo_cache.clear()


# Counts an OA's conversations still inside their free reply window at a time
# (`campaigns.replies.free_replies_open`: its candidates are the campaigns' audience, above `sending`).
OpenReplies = Callable[[str, datetime], int]


def oa_quota(
    oa_id: str, now: datetime | None = None, *, ask_zalo: bool = True, open_replies: OpenReplies | None = None
) -> dict[str, Any]:
    """The OA's month; `free_replies_open` is counted with `open_replies` when given, else None."""
    now = now or utcnow()
    month = vn_month(now)
    used = QuotaLedger().used(oa_id, month)
    zalo = zalo_proactive_quota(oa_id) if ask_zalo else None
    if zalo is not None:
        limit, remaining, limit_source = zalo["total"], zalo["remain"], "zalo"
    else:
        limit = get_settings().zalo_proactive_quota_per_month
        remaining, limit_source = max(0, limit - used), "setting"
    consumed = limit - remaining if zalo is not None else used
    percent = round(100.0 * consumed / limit, 1) if limit else 100.0
    return {
        "oa_id": oa_id,
        "month": month,
        "proactive_used": used,
        "proactive_limit": limit,
        "proactive_remaining": remaining,
        "free_replies_open": open_replies(oa_id, now) if open_replies is not None else None,
        "used_percent": percent,
        "warning": percent >= WARN_AT_PERCENT,
        "sources": {
            "proactive_used": "ours",
            "proactive_limit": limit_source,
            "proactive_remaining": limit_source if limit_source == "zalo" else "ours",
            "free_replies_open": "ours",
        },
        "zalo": zalo,
    }


def reply_tier(oa_id: str, user_id: str, now: datetime | None = None) -> dict[str, Any]:
    """What the next officer reply in this conversation will cost (shown in the reply box)."""
    now = now or utcnow()
    decision = decide(ConversationWindows().window(oa_id, user_id), now)
    out: dict[str, Any] = {
        **decision.as_json(),
        "free_total": FREE_REPLIES,
        "free_left": decision.free_left,
    }
    if decision.tier == "reply":
        out["covered"] = True
        out["label"] = (
            f"Tin trả lời miễn phí: còn {decision.free_left}/{FREE_REPLIES} tin đến "
            f"{_vn_time(decision.until)}."
        )
        return out
    quota = oa_quota(oa_id, now)
    covered = quota["proactive_remaining"] > 0
    out.update(
        {
            "covered": covered,
            "quota": {
                k: quota[k] for k in ("month", "proactive_used", "proactive_limit", "proactive_remaining")
            },
            "label": (
                "Tin chủ động (tính vào hạn mức tháng "
                f"{quota['month']}: còn {quota['proactive_remaining']}/{quota['proactive_limit']} tin)."
                if covered
                else "Tin chủ động nhưng kênh Zalo này đã hết hạn mức tin chủ động của tháng "
                f"{quota['month']}: tin sẽ không gửi được mà được giữ lại cho cán bộ. Hãy chờ người dân "
                "nhắn lại hoặc liên hệ qua điện thoại."
            ),
        }
    )
    return out


def _vn_time(at: datetime | None) -> str:
    if at is None:
        return ""
    return at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
