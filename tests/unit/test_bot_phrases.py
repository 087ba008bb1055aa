"""The fixed phrases and button payloads, as citizens type them."""

from __future__ import annotations

from datetime import date

import pytest

from anninh.bot.messages import split_text
from anninh.bot.phrases import parse


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("menu", "menu"),
        ("MENU", "menu"),
        ("Menu.", "menu"),
        ("xin chào", "greeting"),
        ("Alo", "greeting"),
        ("CCCD", "cccd_help"),
        ("Căn cước", "cccd_help"),
        ("lấy số", "queue"),
        ("Lay so thu tu", "queue"),
        ("bốc số ngày mai", "queue"),
        ("số của tôi", "queue_mine"),
        ("hủy số #tp-cccd:20260505:3", "queue_cancel"),
        ("truy nã", "notices"),
        ("Tìm người thân", "notices"),
        ("xem thêm thông báo", "notices"),
        ("đường dây nóng", "hotline"),
        ("hotline", "hotline"),
        ("tin an ninh", "news"),
        ("thủ tục", "procedure"),
        ("thu tuc #ho-chieu", "procedure"),
        ("gặp cán bộ", "human"),
        ("Cảm ơn ad!", "thanks"),
        ("ok", "thanks"),
        ("Tra cứu CCCD", "cccd_help"),
        ("thủ tục làm căn cước thế nào", "faq"),
        ("làm hộ chiếu ở đâu", "faq"),
        ("cho hỏi số điện thoại công an phường", "hotline"),
    ],
)
def test_commands(text: str, name: str) -> None:
    assert parse(text, {}).name == name


def test_cccd_phrase_with_and_without_diacritics_and_in_the_lookup_flow() -> None:
    command = parse("cccd TP-0001 05/09/1990", {})
    assert command.name == "cccd_lookup"
    assert command.args == {"receipt_no": "TP-0001", "dob": date(1990, 9, 5)}
    assert parse("Căn Cước tp-0001 5/9/1990", {}).args["receipt_no"] == "TP-0001"
    assert parse("tra cứu cccd TP-0001 05/09/1990", {}).name == "cccd_lookup"
    # After the CCCD button the citizen may send just "<receipt> <dob>".
    assert parse("TP-0001 05/09/1990", {"flow": "cccd"}).name == "cccd_lookup"
    assert parse("TP-0001 05/09/1990", {}).name == "faq"


def test_queue_payloads_carry_place_and_day() -> None:
    command = parse("lấy số #tp-cccd 05/05/2026", {})
    assert command.args == {"place_id": "tp-cccd", "day": "05/05/2026"}
    assert parse("ngày mai", {"flow": "queue", "queue_place": "tp-cccd"}).name == "queue_day"


def test_long_answers_are_split_under_zalo_limit_at_paragraphs() -> None:
    text = "\n\n".join(f"Đoạn {i}: " + "chữ " * 150 for i in range(6))
    parts = split_text(text)
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts)
    assert all(p.startswith("Đoạn") for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert all(len(p) <= 2000 for p in split_text("x" * 4500))


def test_tip_about_a_notice_carries_the_notice_id() -> None:
    from anninh.notices import tip_reference

    assert tip_reference("báo tin #demo-tn-001") == "demo-tn-001"
    assert tip_reference("Bao tin #Demo-TN-002 tôi thấy người này ở chợ") == "demo-tn-002"
    assert tip_reference("báo tin có trộm") is None
    assert tip_reference("truy nã #demo-tn-001") is None
