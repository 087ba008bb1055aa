"""The reply-or-proactive rule on the conversation log (docs/zalo.md: 8 free replies within 48 hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from anninh.clock import iso
from anninh.sending.tiers import ReplyWindow, decide, vn_month, window_from_log

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def item(direction: str, hours_ago: float, msg_id: str = "") -> dict[str, str]:
    return {"direction": direction, "at": iso(NOW - timedelta(hours=hours_ago)), "msg_id": msg_id}


def test_counts_our_messages_after_the_citizens_latest() -> None:
    log = [item("out", 1), item("out", 2), item("in", 3, "m2"), item("out", 4), item("in", 5, "m1")]
    window = window_from_log(log)
    assert window == ReplyWindow("m2", NOW - timedelta(hours=3), used=2)
    decision = decide(window, NOW)
    assert decision.tier == "reply" and decision.reply_to == "m2" and decision.free_left == 6
    assert decision.until == NOW + timedelta(hours=45)


def test_ninth_message_and_late_messages_are_proactive() -> None:
    eight = [item("out", 0.1 * i) for i in range(1, 9)] + [item("in", 2, "m1")]
    assert decide(window_from_log(eight), NOW).tier == "proactive"
    seven = eight[1:]
    assert decide(window_from_log(seven), NOW).tier == "reply"
    late = [item("in", 48.01, "m1")]
    assert decide(window_from_log(late), NOW).tier == "proactive"
    assert decide(window_from_log([]), NOW).tier == "proactive"


def test_only_consultation_messages_can_be_replies() -> None:
    window = window_from_log([item("in", 1, "m1")])
    assert decide(window, NOW, kind="promotion").tier == "proactive"


def test_month_is_the_vietnam_month() -> None:
    assert vn_month(datetime(2026, 11, 30, 17, 0, tzinfo=UTC)) == "2026-12"
    assert vn_month(datetime(2026, 11, 30, 16, 59, tzinfo=UTC)) == "2026-11"
