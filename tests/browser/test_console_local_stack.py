"""The officer console against the real local stack (`python -m localcloud`): a tip from arrival to
"resolved" in the browser, the reply seen in the fake Zalo record, and a campaign reaching 100%.

Screenshots of the inbox, a case, a campaign in progress and the statistics page, at phone and desktop
width, land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

HIEP_TAN_OA = "2200000000000000001"


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _event(name: str, user_id: str, oa_id: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_name": name,
        "sender": {"id": user_id},
        "recipient": {"id": oa_id},
        "user_id_by_app": user_id,
        "timestamp": str(int(time.time() * 1000)),
        "message": {"msg_id": uuid.uuid4().hex, **message},
    }


def _open_tip(stack: Any, text: str, oa_id: str = HIEP_TAN_OA) -> tuple[str, dict[str, Any]]:
    """A citizen reports a tip, then adds a photo and a location; returns (user_id, case)."""
    user_id = f"84{uuid.uuid4().int % 10**10:010d}"
    tag = f"vụ {uuid.uuid4().hex[:6]}"
    opener, _, rest = text.partition(":")
    text = f"{opener}: {tag}, {rest.strip()}"  # near the start: the case summary is trimmed
    token = stack.login("hieptan.canbo" if oa_id == HIEP_TAN_OA else "tanphu.chihuy")

    def case_with(media: int) -> dict[str, Any] | None:
        reply = stack.api("GET", "/tips", token=token, params={"limit": 100})
        case = next((c for c in reply.json().get("items", []) if tag in (c.get("summary") or "")), None)
        return case if case and case.get("media_count", 0) >= media else None

    assert stack.sign_and_post(_event("user_send_text", user_id, oa_id, {"text": text})).status_code == 200
    # Generous timeouts: the machine running the suite may be busy.
    stack.wait_for(lambda: case_with(0), 60, "the tip case", interval=0.5)
    photo = f"{stack.base_url}/_local/zalo-cdn/tip-photo.jpg"
    follow_ups = (
        _event(
            "user_send_image",
            user_id,
            oa_id,
            {"attachments": [{"type": "image", "payload": {"url": photo, "thumbnail": photo}}]},
        ),
        _event(
            "user_send_location",
            user_id,
            oa_id,
            {
                "attachments": [
                    {
                        "type": "location",
                        "payload": {"coordinates": {"latitude": "10.7745", "longitude": "106.6290"}},
                    }
                ]
            },
        ),
    )
    for event in follow_ups:
        assert stack.sign_and_post(event).status_code == 200
    case = stack.wait_for(lambda: case_with(1), 90, "the photo stored with the tip", interval=0.5)
    return user_id, case


@pytest.mark.slow
def test_ward_officer_handles_a_tip_from_arrival_to_resolved(local_stack: Any, new_page: Any) -> None:
    user_id, case = _open_tip(
        local_stack, "Báo tin: có nhóm thanh niên đánh nhau, mang theo dao trước chợ Tân Hương"
    )
    before = len(local_stack.sent(user_id))

    page = new_page(DESKTOP)
    sign_in(page, local_stack.base_url, "hieptan.canbo")
    row = page.locator(".case-row", has_text=case["code"])
    expect(row).to_be_visible()
    screenshot(page, "inbox-desktop")
    row.click()

    expect(page.get_by_role("heading", name=f"Tin báo {case['code']}")).to_be_visible()
    expect(page.locator(".thread")).to_contain_text("đánh nhau")
    photo = page.get_by_role("img", name=re.compile("Ảnh người báo gửi")).first
    expect(photo).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    expect(page.get_by_role("img", name=re.compile(r"Vị trí 10\.774"))).to_be_visible()

    page.get_by_label("Trạng thái").select_option("in_review")
    page.get_by_role("button", name="Cập nhật trạng thái").click()
    expect(page.locator(".page-head .badge", has_text="Đang xác minh")).to_be_visible()
    page.get_by_role("button", name="Đánh dấu tin có giá trị").click()
    expect(page.locator(".page-head .badge", has_text="Có giá trị")).to_be_visible()

    reply = "Công an phường Hiệp Tân đã cử tổ công tác đến hiện trường. Cảm ơn anh/chị đã báo tin."
    page.get_by_label("Trả lời người báo").fill(reply)
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_text("Đã gửi trả lời tới người báo qua Zalo.")).to_be_visible()

    def reply_delivered() -> bool:
        return any(reply in str(r.get("body")) for r in local_stack.sent(user_id)[before:])

    local_stack.wait_for(reply_delivered, 30, "the officer's reply in the fake Zalo record")

    page.get_by_label("Ghi chú nội bộ").fill("Đã phối hợp tổ tuần tra 113.")
    page.get_by_role("button", name="Lưu ghi chú").click()
    expect(page.locator(".notes")).to_contain_text("tổ tuần tra 113")

    # in review -> resolved, with the outcome recorded in the same change
    page.get_by_label("Kết quả xử lý").select_option("prevented")
    page.get_by_label("Trạng thái").select_option("resolved")
    page.get_by_role("button", name="Cập nhật trạng thái").click()
    expect(page.locator(".page-head .badge", has_text="Đã giải quyết")).to_be_visible()
    expect(page.locator(".history").first).to_contain_text("Đang xác minh → Đã giải quyết")
    expect(page.locator(".facts")).to_contain_text("Ngăn chặn kịp thời")
    screenshot(page, "case-desktop")

    phone = new_page(PHONE)
    sign_in(phone, local_stack.base_url, "hieptan.canbo")
    expect(phone.locator(".case-row", has_text=case["code"])).to_contain_text("Đã giải quyết")
    screenshot(phone, "inbox-360")
    phone.locator(".case-row", has_text=case["code"]).click()
    expect(phone.get_by_role("heading", name=f"Tin báo {case['code']}")).to_be_visible()
    screenshot(phone, "case-360")


def test_another_ward_officer_does_not_see_the_tip(local_stack: Any, new_page: Any) -> None:
    _, case = _open_tip(local_stack, "Báo tin: mất trộm xe máy trong hẻm 45 đường Lũy Bán Bích tối qua")
    page = new_page(PHONE)
    sign_in(page, local_stack.base_url, "hoathanh.canbo")
    expect(page.get_by_role("heading", name="Tin báo")).to_be_visible()
    page.wait_for_selector(".case-row, .state.empty")
    assert case["code"] not in page.locator("main").inner_text()
    page.goto(f"{local_stack.base_url}/#/case/{case['case_id']}")
    expect(page.get_by_role("alert")).to_contain_text("Không tìm thấy")


@pytest.mark.slow
def test_editor_runs_a_campaign_to_100_percent(local_stack: Any, new_page: Any) -> None:
    # A few citizens interact with the Hiệp Tân OA, so they are in the 7-day window.
    for _ in range(3):
        uid = f"84{uuid.uuid4().int % 10**10:010d}"
        local_stack.sign_and_post(
            {
                "event_name": "follow",
                "oa_id": HIEP_TAN_OA,
                "follower": {"id": uid},
                "source": "oa_profile",
                "user_id_by_app": uid,
                "timestamp": str(int(time.time() * 1000)),
            }
        )
        local_stack.sign_and_post(_event("user_send_text", uid, HIEP_TAN_OA, {"text": "menu"}))

    page = new_page(PHONE)
    sign_in(page, local_stack.base_url, "tanphu.bientap")
    page.goto(local_stack.base_url + "/#/campaigns")
    name = f"Cảnh báo lừa đảo {uuid.uuid4().hex[:4]}"
    page.get_by_label("Tên chiến dịch").fill(name)
    page.get_by_label("Công an phường Hiệp Tân", exact=True).check()
    page.get_by_label("Nội dung tin").fill(
        "Công an phường Hiệp Tân cảnh báo: không chuyển tiền cho người lạ gọi điện xưng công an."
    )
    page.get_by_role("button", name="Xem trước người nhận").click()
    expect(page.locator(".preview")).to_contain_text("người đủ điều kiện nhận")
    page.get_by_role("button", name="Tạo chiến dịch").click()
    card = page.locator(".campaign", has_text=name)
    expect(card.get_by_role("progressbar")).to_be_visible()
    from playwright.sync_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):  # catch it mid-way for the screenshot when possible
        page.locator(".campaign[data-status=running]", has_text=name).wait_for(timeout=20000)
    screenshot(page, "campaign-360")
    expect(card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100", timeout=60000)
    expect(card.locator(".percent")).to_have_text("100%")
    # Every recipient accounted for: sent, or skipped with a reason (the shared stack may hold a
    # follower of this OA that another test left outside the window or unfollowed).
    progress = card.locator(".progress-text").inner_text()
    counts = re.search(r"đã gửi (\d+)/(\d+)(?:, bỏ qua (\d+))?", progress)
    assert counts, progress
    sent, total, skipped = int(counts[1]), int(counts[2]), int(counts[3] or 0)
    assert sent >= 3 and sent + skipped == total, progress

    desktop = new_page(DESKTOP)
    sign_in(desktop, local_stack.base_url, "tanphu.bientap")
    desktop.goto(local_stack.base_url + "/#/campaigns")
    expect(desktop.locator(".campaign", has_text=name)).to_be_visible()
    screenshot(desktop, "campaign-desktop")


def _a_message_counted_today(stack: Any) -> None:
    """A citizen writes to a ward of the district today, and the district's figures count it: the
    statistics page draws its charts only for a period with figures, and this test may be the first
    on a stack nobody has written to yet."""
    token = stack.login("tanphu.chihuy")

    def messages_in() -> int:
        reply = stack.api("GET", "/stats", token=token)
        assert reply.status_code == 200, reply.text
        return int(reply.json()["messages_in"])

    before = messages_in()
    user_id = f"84{uuid.uuid4().int % 10**10:010d}"
    event = _event(
        "user_send_text", user_id, HIEP_TAN_OA, {"text": "Cho hỏi giờ làm việc của công an phường"}
    )
    assert stack.sign_and_post(event).status_code == 200
    stack.wait_for(lambda: messages_in() > before, 60, "the message in the district's figures", interval=0.5)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "desktop"])
def test_commander_sees_statistics_with_charts(
    local_stack: Any, new_page: Any, viewport: dict[str, int]
) -> None:
    _a_message_counted_today(local_stack)
    page = new_page(viewport)
    sign_in(page, local_stack.base_url, "tanphu.chihuy")
    page.goto(local_stack.base_url + "/#/stats")
    # the district commander sees 18 units over 30 days: the figures can take a while on a busy machine
    expect(page.locator("[data-stat=tips] .value")).to_be_visible(timeout=60000)
    expect(page.get_by_role("img", name="Tin nhắn đến và đi theo ngày")).to_be_visible()
    quota = page.get_by_role("region", name="Hạn mức tin Zalo trong tháng")
    expect(quota.get_by_role("table")).to_be_visible()
    expect(quota).not_to_contain_text("null")  # no empty slot is written out as text
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, f"stats-{'360' if viewport is PHONE else 'desktop'}")
    page.get_by_role("button", name="Tải báo cáo sơ kết").click()  # 202, then the console polls
    link = page.get_by_role("link", name="Tải báo cáo (PDF)")
    expect(link).to_be_visible(timeout=60000)
    pdf = httpx.get(str(link.get_attribute("href")), timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_officer_answers_a_conversation_the_bot_handed_off(local_stack: Any, new_page: Any) -> None:
    user_id = f"84{uuid.uuid4().int % 10**10:010d}"
    local_stack.sign_and_post(_event("user_send_text", user_id, HIEP_TAN_OA, {"text": "cho tôi gặp cán bộ"}))
    token = local_stack.login("hieptan.canbo")

    def handed_off() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = local_stack.api("GET", "/conversations", token=token).json()["items"]
        return items

    known = {c["conversation_id"] for c in local_stack.wait_for(handed_off, 60, "the hand-off", interval=0.5)}
    page = new_page(PHONE)
    sign_in(page, local_stack.base_url, "hieptan.canbo")
    page.get_by_label("Trình đơn").click()  # on a phone the navigation is folded into the menu
    page.get_by_role("link", name="Hội thoại").click()
    rows = page.locator(".conv-list .case-row")
    expect(rows.first).to_be_visible()
    assert rows.count() == len(known)
    before = len(local_stack.sent(user_id))
    # the newest hand-off is first; it is this citizen's (the list is newest first)
    rows.first.click()
    expect(page.locator(".conv-detail .thread")).to_contain_text("cho tôi gặp cán bộ")
    answer = "Chào anh/chị, cán bộ Công an phường Hiệp Tân xin nghe. Anh/chị cần hỗ trợ việc gì ạ?"
    page.get_by_label("Trả lời người dân").fill(answer)
    page.get_by_role("button", name="Gửi trả lời").click()
    local_stack.wait_for(
        lambda: any(answer in str(r.get("body")) for r in local_stack.sent(user_id)[before:]),
        30,
        "the officer's answer in the fake Zalo record",
    )
    page.get_by_role("button", name="Kết thúc, trả lại cho bot").click()
    expect(page.get_by_text("Đã kết thúc hội thoại.")).to_be_visible()


def test_cccd_import_reports_each_bad_row(local_stack: Any, new_page: Any) -> None:
    page = new_page(DESKTOP)
    sign_in(page, local_stack.base_url, "hieptan.canbo")
    page.get_by_role("link", name="Căn cước").click()
    csv = (
        "receipt_no,full_name,dob,status,ready_at,pickup_place\n"
        "HT2611000123,Nguyễn Văn An,01/02/1990,ready,2026-12-01,Công an phường Hiệp Tân\n"
        "X,,31/02/1990,zzz,,\n"
    )
    page.get_by_label("Chọn tệp").set_input_files(
        files=[{"name": "cccd.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Nhập dữ liệu").click()
    result = page.get_by_role("status").filter(has_text="Kết quả nhập")
    expect(result).to_contain_text("1 dòng đã nhập / 2 dòng, 1 dòng lỗi.")
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("table").locator("tbody tr td").first).to_have_text("3")


def test_editor_tries_the_bot_and_publishes_a_notice(local_stack: Any, new_page: Any) -> None:
    page = new_page(DESKTOP)
    sign_in(page, local_stack.base_url, "tanphu.bientap")
    page.get_by_role("link", name="Thông báo & hỏi đáp").click()
    page.get_by_label("Câu hỏi").fill("dang ky tam tru o dau")
    page.get_by_role("button", name="Hỏi thử").click()
    expect(page.locator(".matches li.best")).to_contain_text("Đăng ký tạm trú")

    notices = page.locator("section.card", has_text="Thông báo truy nã, tìm người")
    notices.get_by_role("button", name="+ Thêm mới").click()
    page.get_by_label("Loại").select_option("missing")
    title = f"Tìm người thân đi lạc {uuid.uuid4().hex[:4]}"
    page.get_by_label("Tiêu đề").fill(title)
    page.get_by_label("Họ tên người bị truy nã / người cần tìm").fill("Nguyễn Văn Bình")
    page.get_by_label("Mô tả (đặc điểm, thời gian, nơi xuất hiện lần cuối)").fill(
        "Cụ ông 78 tuổi, áo sơ mi xanh."
    )
    page.get_by_role("button", name="Đăng thông báo").click()
    expect(notices.locator(".plain-list")).to_contain_text(title)
