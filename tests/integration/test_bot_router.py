"""Bot replies for each menu branch, as the citizen would see them in Zalo."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from anninh import cccd
from anninh.bot.router import BotResult, BotTurn, respond
from anninh.text import starts_with_phrase
from localcloud import demo_notices

DISTRICT_OA, WARD_OA = "2200000000000000000", "2200000000000000001"
MONDAY_9AM = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
def stack(aws_stack: Any) -> Any:
    return aws_stack


class Chat:
    """One citizen talking to one OA; the bot state is carried between turns like the pipeline does."""

    def __init__(self, oa_id: str = WARD_OA, unit_id: str = "p-hiep-tan", user_id: str = "citizen-1") -> None:
        self.oa_id, self.unit_id, self.user_id = oa_id, unit_id, user_id
        self.state: dict[str, Any] = {"greeted": True}
        self.n = 0

    def say(self, text: str, at: datetime = MONDAY_9AM) -> BotResult:
        self.n += 1
        turn = BotTurn(
            self.oa_id, self.user_id, self.unit_id, f"ev-{self.user_id}-{self.n}", text, at, self.state
        )
        result = respond(turn)
        self.state = turn.state
        for i, m in enumerate(result.messages):
            assert m.key == f"bot:ev-{self.user_id}-{self.n}:{i}"
            assert (m.oa_id, m.user_id) == (self.oa_id, self.user_id)
            assert len(m.message.get("text", "")) <= 2000
        return result


def _texts(result: BotResult) -> str:
    return "\n".join(m.message.get("text", "") for m in result.messages)


def _buttons(result: BotResult) -> list[dict[str, Any]]:
    return [
        b
        for m in result.messages
        for b in m.message.get("attachment", {}).get("payload", {}).get("buttons", [])
    ]


def test_menu_offers_every_service_with_short_vietnamese_buttons(stack: Any) -> None:
    result = Chat().say("menu")
    assert result.intent == "menu" and not result.handed_off
    titles = [b["title"] for b in _buttons(result)]
    assert titles == [
        "Báo tin ANTT",
        "Thủ tục hành chính",
        "Tra cứu CCCD",
        "Lấy số thứ tự",
        "Truy nã / tìm người thân",
        "Đường dây nóng",
        "Tin an ninh",
    ]
    assert all(len(m.message["attachment"]["payload"]["buttons"]) <= 5 for m in result.messages)
    assert "Công an phường Hiệp Tân" in _texts(result)
    tip = next(b for b in _buttons(result) if b["title"] == "Báo tin ANTT")
    assert tip["type"] == "oa.query.show" and starts_with_phrase(tip["payload"], "báo tin")


def test_first_contact_greeting_shows_the_menu(stack: Any) -> None:
    chat = Chat()
    chat.state = {}
    assert chat.say("Xin chào").intent == "menu"
    assert chat.state["greeted"] is True


def test_procedure_question_is_answered_from_the_knowledge_base(stack: Any) -> None:
    result = Chat().say("lam can cuoc lan dau can giay to gi")
    assert result.answered and not result.handed_off and result.intent == "faq"
    text = _texts(result)
    assert "CẤP THẺ CĂN CƯỚC LẦN ĐẦU" in text
    assert "Giấy tờ cần chuẩn bị" in text and "Phí, lệ phí: Miễn phí" in text and "07 ngày làm việc" in text


def test_damaged_card_is_answered_as_cap_lai_with_its_fee_date_and_source(stack: Any) -> None:
    result = Chat().say("thẻ căn cước bị hỏng không dùng được thì làm lại thế nào, bao nhiêu tiền")
    assert result.intent == "faq" and result.answered
    text = _texts(result)
    assert text.startswith("CẤP LẠI THẺ CĂN CƯỚC") and "hư hỏng không sử dụng được" in text
    assert "Lệ phí cấp lại: 70.000 đồng/thẻ (Thông tư 73/2024/TT-BTC, Điều 4" in text
    assert "Luật Căn cước số 26/2023/QH15, Điều 24 khoản 2" in text
    assert "Nguồn: Luật Căn cước số 26/2023/QH15 (https://" in text
    assert "Thông tin cập nhật ngày 29/11/2026." in text


def test_lost_passport_is_reported_within_two_working_days_with_date_and_source(stack: Any) -> None:
    text = _texts(Chat().say("mất hộ chiếu phải báo trong bao lâu"))
    assert "trong thời hạn 02 ngày làm việc kể từ khi phát hiện" in text and "48 giờ" not in text
    assert "Luật số 23/2023/QH15" in text and "Nguồn: Luật số 23/2023/QH15" in text
    assert "Thông tin cập nhật ngày 29/11/2026." in text


def test_unsure_question_is_handed_to_an_officer(stack: Any) -> None:
    result = Chat().say("hàng xóm xây tường lấn sang đất nhà tôi thì phải làm sao")
    assert result.handed_off and not result.answered and result.intent == "handoff"
    assert "Câu hỏi của anh/chị đã được chuyển tới cán bộ Công an phường Hiệp Tân" in _texts(result)


def test_procedures_button_lists_entries_and_opens_one(stack: Any) -> None:
    chat = Chat()
    listing = chat.say("thủ tục")
    assert "Đăng ký tạm trú" in _texts(listing)
    passport = next(b for b in _buttons(listing) if b["payload"] == "thủ tục #ho-chieu")
    answer = chat.say(passport["payload"])
    assert answer.intent == "procedure" and "HỘ CHIẾU" in _texts(answer)


def test_cccd_lookup_by_phrase_and_through_the_button(stack: Any) -> None:
    csv = (
        "receipt_no,full_name,dob,status,ready_at,pickup_place\n"
        "HT-777,Lê Thị Hoa,05/09/1990,ready,02/05/2026,Công an phường Hiệp Tân\n"
    )
    cccd.service().import_csv(
        csv.splitlines(keepends=True), imported_by="hieptan.canbo", unit_id="p-hiep-tan"
    )
    chat = Chat()
    direct = chat.say("cccd ht-777 05/09/1990")
    assert direct.intent == "cccd_lookup" and "Đã có thẻ, mời nhận" in _texts(direct)
    assert "Công an phường Hiệp Tân" in _texts(direct)
    assert "CCCD <số biên nhận>" in _texts(chat.say("CCCD"))
    wrong = chat.say("HT-777 06/09/1990")
    assert wrong.intent == "cccd_lookup" and _texts(wrong) == cccd.NOT_FOUND


def test_queue_number_flow_take_see_cancel(stack: Any) -> None:
    chat = Chat()
    offer = chat.say("Lấy số thứ tự")
    days = [b["title"] for b in _buttons(offer)]
    assert days[:2] == ["Hôm nay", "Ngày mai"]
    taken = chat.say("ngày mai")
    assert "Số thứ tự của anh/chị: 1" in _texts(taken)
    assert "Thứ Ba, 05/05/2026" in _texts(taken) and "Công an phường Hiệp Tân" in _texts(taken)
    assert "Số thứ tự của anh/chị: 1" in _texts(chat.say("số của tôi"))
    other = Chat(user_id="citizen-2")
    other.say("lấy số")
    assert "Số thứ tự của anh/chị: 2" in _texts(other.say("05/05"))
    cancel = next(b for b in _buttons(taken) if b["title"] == "Hủy số")
    assert "Đã hủy số thứ tự 1" in _texts(chat.say(cancel["payload"]))
    assert "chưa có số thứ tự" in _texts(chat.say("số của tôi"))


def test_notices_newest_first_with_photo_and_tip_button(stack: Any) -> None:
    demo_notices.seed()
    chat = Chat()
    page = chat.say("Truy nã / tìm người thân")
    assert page.intent == "notices"
    images = [
        m.message
        for m in page.messages
        if m.message.get("attachment", {}).get("payload", {}).get("template_type") == "media"
    ]
    assert images and images[0]["attachment"]["payload"]["elements"][0]["media_type"] == "image"
    tip_buttons = [b["payload"] for b in _buttons(page) if b["title"] == "Báo tin về thông báo này"]
    assert tip_buttons == ["báo tin #demo-tn-001", "báo tin #demo-tn-002", "báo tin #demo-tn-003"]
    assert all(starts_with_phrase(p, "báo tin") for p in tip_buttons)


def test_hotline_has_call_buttons_for_the_unit_and_emergency_numbers(stack: Any) -> None:
    result = Chat().say("đường dây nóng")
    phones = [b["payload"]["phone_code"] for b in _buttons(result) if b["type"] == "oa.open.phone"]
    assert phones == ["02838649393", "113", "114", "115"]  # the ward shows the district's duty desk
    assert "Công an quận Tân Phú" in _texts(result)


def test_security_news_links_open_in_the_browser(stack: Any) -> None:
    result = Chat(DISTRICT_OA, "tan-phu").say("tin an ninh")
    urls = [b["payload"]["url"] for b in _buttons(result) if b["type"] == "oa.open.url"]
    assert urls and all(u.startswith("https://") for u in urls)


HOSTILE = [
    "",
    "   ",
    "#",
    "lấy số #",
    "lấy số #khong-co-noi-nay ngày mai",
    "lấy số #ht-cccd 99/99/9999",
    "hủy số #abc:2026:1",
    "hủy số #ht-cccd:20260505:99999",
    "xem thêm thông báo",
    "thủ tục #khong-ton-tai",
    "CCCD " + "A" * 3000 + " 01/01/1990",
    "🙂🙂🙂 " * 300,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
]


def test_hostile_or_odd_text_never_crashes(stack: Any) -> None:
    for text in HOSTILE:
        chat = Chat()
        chat.state.update(flow="queue", queue_place="ht-cccd", notice_cursor="not-a-cursor")
        result = chat.say(text)
        assert result.messages and result.intent, text


def test_queue_offers_no_holiday_and_refuses_2_september(stack: Any) -> None:
    friday = datetime(2026, 8, 28, 2, 0, tzinfo=UTC)
    chat = Chat()
    offer = chat.say("Lấy số thứ tự", at=friday)
    titles = [b["title"] for b in _buttons(offer)]
    assert titles == ["Hôm nay", "Thứ Năm, 03/09/2026", "Thứ Sáu, 04/09/2026"]  # not 31/8, 1/9, 2/9
    refused = chat.say("02/09", at=friday)
    assert "là ngày nghỉ lễ (Quốc khánh)" in _texts(refused)
    assert "Số thứ tự của anh/chị" not in _texts(refused)


@pytest.mark.parametrize("text", ["thời tiết hôm nay thế nào", "bạn tên gì vậy", "ăn cơm chưa ad", "hihi"])
def test_small_talk_gets_a_short_polite_answer_and_the_menu_not_an_officer(stack: Any, text: str) -> None:
    result = Chat().say(text)
    assert not result.handed_off and result.intent == "small_talk"
    assert "chuyển tới cán bộ" not in _texts(result)
    assert "Dạ, cảm ơn anh/chị đã nhắn tin" in _texts(result)
    assert {"Báo tin ANTT", "Thủ tục hành chính"} <= {b["title"] for b in _buttons(result)}
