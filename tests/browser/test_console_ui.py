"""The console's own behaviour, against a small stand-in backend (fast and deterministic).

What a user would notice: signing in (and a wrong password), the inbox with urgent tips first, the
live count of new tips, triage and reply on a case, a campaign's progress reaching 100%, the session
expiring, and a phone-width layout without sideways scrolling.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot, sign_in
from tests.browser.fake_backend import FakeBackend

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_wrong_password_is_refused_with_a_vietnamese_message(
    new_page: Any, fake_backend: FakeBackend
) -> None:
    page = new_page()
    page.goto(fake_backend.base_url + "/")
    page.get_by_label("Tên đăng nhập").fill("hieptan.canbo")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    assert not any(path.startswith("/api/") for _, path in fake_backend.requests)


def test_sign_in_with_the_keyboard_only(new_page: Any, fake_backend: FakeBackend) -> None:
    page = new_page()
    page.goto(fake_backend.base_url + "/")
    expect(page.get_by_label("Tên đăng nhập")).to_be_focused()
    page.keyboard.type("hieptan.canbo")
    page.keyboard.press("Tab")
    page.keyboard.type("Demo-Passw0rd-2026")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Tin báo")).to_be_visible()
    expect(page.locator("main")).to_be_focused()  # each page moves focus to its content
    page.get_by_role("link", name="Bỏ qua, đến nội dung chính").focus()
    page.keyboard.press("Enter")  # the skip link moves focus without breaking the page's address
    expect(page.locator("main")).to_be_focused()
    assert page.url.endswith("#/inbox")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_inbox_lists_urgent_tips_first_and_fits_the_screen(
    new_page: Any, fake_backend: FakeBackend, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    sign_in(page, fake_backend.base_url, "hieptan.canbo")
    rows = page.locator(".case-row")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("KHẨN")
    expect(rows.first).to_contain_text("Mới tiếp nhận")
    expect(rows.last).to_contain_text("Đã giải quyết")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {viewport['width']}px"
    screenshot(page, f"fake-inbox-{viewport['width']}")


def test_search_filters_the_inbox(new_page: Any, fake_backend: FakeBackend) -> None:
    page = new_page()
    sign_in(page, fake_backend.base_url, "hieptan.canbo")
    page.get_by_label("Tìm kiếm").fill("ma túy")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page.locator(".case-row")).to_have_count(1)
    expect(page.locator(".case-row")).to_contain_text("HT-2611-0003")
    assert "q=ma+t%C3%BAy" in page.url or "q=ma%20t" in page.url


def test_a_new_tip_is_announced_while_the_inbox_is_open(new_page: Any, fake_backend: FakeBackend) -> None:
    page = new_page()
    page.clock.install()
    sign_in(page, fake_backend.base_url, "hieptan.canbo")
    expect(page.locator(".case-row")).to_have_count(4)
    fresh = dict(
        fake_backend.cases["c2"],
        case_id="c9",
        code="HT-2611-0009",
        urgent=True,
        created_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        summary="Báo tin cháy nhà",
    )
    fake_backend.cases["c9"] = fresh
    page.clock.run_for(16_000)
    announce = page.get_by_role("button", name=re.compile(r"1 tin báo mới \(1 khẩn\)"))
    expect(announce).to_be_visible()
    announce.click()
    expect(page.locator(".case-row")).to_have_count(5)
    expect(page.locator(".case-row").first).to_contain_text("Báo tin cháy nhà")


def test_triage_a_case_reply_and_resolve(new_page: Any, fake_backend: FakeBackend) -> None:
    page = new_page()
    sign_in(page, fake_backend.base_url, "hieptan.canbo")
    page.locator(".case-row", has_text="HT-2611-0002").click()
    expect(page.get_by_role("heading", name="Tin báo HT-2611-0002")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Ảnh người báo gửi"))).to_be_visible()

    page.get_by_label("Trạng thái").select_option(label="Đang xác minh")
    page.get_by_role("button", name="Cập nhật trạng thái").click()
    expect(page.locator(".page-head .badge", has_text="Đang xác minh")).to_be_visible()

    page.get_by_role("button", name="Đánh dấu tin có giá trị").click()
    expect(page.locator(".page-head .badge", has_text="Có giá trị")).to_be_visible()

    page.get_by_label("Mẫu trả lời").select_option(label="Cảm ơn đã báo tin")
    expect(page.get_by_label("Trả lời người báo")).to_have_value(re.compile("đã tiếp nhận tin báo"))
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.locator(".bubble.out").last).to_contain_text("hieptan.canbo")
    expect(page.locator(".bubble.out").last).to_contain_text("đã tiếp nhận tin báo, cảm ơn")
    assert [(s["case_id"], s["text"]) for s in fake_backend.sent] == [
        ("c2", "Công an phường đã tiếp nhận tin báo, cảm ơn anh/chị.")
    ]
    # Every submit carries an idempotency key the API dedupes on (a double submit is queued once).
    assert re.fullmatch(r"[A-Za-z0-9_.:-]{16,100}", fake_backend.sent[0]["idempotency_key"] or "")

    page.get_by_label("Ghi chú nội bộ").fill("Đã trích xuất camera nhà số 12.")
    page.get_by_role("button", name="Lưu ghi chú").click()
    expect(page.locator(".notes")).to_contain_text("Đã trích xuất camera")

    page.get_by_label("Kết quả xử lý").select_option(label="Thu hồi tài sản")
    page.get_by_label("Trạng thái").select_option(label="Đã giải quyết")
    page.get_by_role("button", name="Cập nhật trạng thái").click()
    expect(page.locator(".page-head .badge", has_text="Đã giải quyết")).to_be_visible()
    assert fake_backend.cases["c2"]["outcome"] == "recovered_goods"
    screenshot(page, "fake-case-desktop")


def test_conversations_page_lists_messages_that_could_not_be_delivered(
    new_page: Any, fake_backend: FakeBackend
) -> None:
    page = new_page(PHONE)
    sign_in(page, fake_backend.base_url, "hieptan.canbo")
    page.goto(fake_backend.base_url + "/#/conversations")
    section = page.get_by_role("region", name="Tin nhắn chưa gửi được")
    expect(section).to_contain_text("Không có tin nhắn nào chưa gửi được.")

    fake_backend.undelivered = [
        {
            "id": "u1",
            "unit_id": "p-hiep-tan",
            "oa_id": "2200000000000000001",
            "oa_name": "Công an phường Hiệp Tân",
            "status": "undeliverable_window",
            "cause": "window",
            "label": "Không gửi được: người dân chưa tương tác với OA trong 7 ngày qua.",
            "text": "Công an phường đã xác minh tin báo của anh/chị.",
            "at": "2026-05-04T03:00:00Z",
            "officer": "hieptan.canbo",
            "case_id": "c2",
            "case_code": "HT-2611-0002",
            "conversation_id": "conv-1",
            "pseudonym": "Công dân 7KQ2MX",
        }
    ]
    page.goto(fake_backend.base_url + "/#/inbox")
    page.goto(fake_backend.base_url + "/#/conversations")
    row = section.locator(".undelivered-row")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("Quá 7 ngày chưa tương tác")
    expect(row).to_contain_text("chưa tương tác với OA trong 7 ngày qua")
    expect(row).to_contain_text("Công an phường đã xác minh tin báo của anh/chị.")
    expect(row.locator("time")).to_have_attribute("datetime", "2026-05-04T03:00:00Z")
    expect(row.locator("time")).to_contain_text("04/05/2026")  # 10:00 in Vietnam
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, "fake-undelivered-360")
    row.get_by_role("link", name="Tin báo HT-2611-0002").click()
    expect(page.get_by_role("heading", name="Tin báo HT-2611-0002")).to_be_visible()


def test_campaign_progress_reaches_100_percent(new_page: Any, fake_backend: FakeBackend) -> None:
    page = new_page(PHONE)
    sign_in(page, fake_backend.base_url, "tanphu.bientap")
    page.goto(fake_backend.base_url + "/#/campaigns")
    page.get_by_label("Tên chiến dịch").fill("Cảnh báo lừa đảo qua mạng")
    page.get_by_label("Công an phường Hiệp Tân").check()
    page.get_by_label("Nội dung tin").fill(
        "Công an phường Hiệp Tân cảnh báo: không chuyển tiền cho người lạ."
    )
    page.get_by_role("button", name="Xem trước người nhận").click()
    expect(page.locator(".preview")).to_contain_text("12 người đủ điều kiện nhận")
    expect(page.locator(".preview")).to_contain_text(
        "Người quan tâm không tương tác với OA trong 7 ngày qua: 2"
    )
    page.get_by_role("button", name="Tạo chiến dịch").click()
    card = page.locator(".campaign", has_text="Cảnh báo lừa đảo qua mạng")
    expect(card.get_by_role("progressbar")).to_be_visible()
    screenshot(page, "fake-campaign-360")
    expect(card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100", timeout=20000)
    expect(card).to_contain_text("Hoàn tất")
    expect(card.locator(".percent")).to_have_text("100%")


def test_expired_session_asks_to_sign_in_again_and_returns_to_the_page(
    new_page: Any, fake_backend: FakeBackend
) -> None:
    page = new_page()
    sign_in(page, fake_backend.base_url, "hieptan.canbo")
    page.goto(fake_backend.base_url + "/#/case/c1")
    expect(page.get_by_role("heading", name="Tin báo HT-2611-0001")).to_be_visible()
    # The case view's own follow-up requests (officers, block state, duplicates, presence) are answered.
    follow_ups = ("/officers", "/block", "/duplicates", "/presence")
    page.wait_for_function("() => true")  # let the page run its queued work
    for _ in range(100):
        if all(any(path.split("?")[0].endswith(f) for _, path in fake_backend.requests) for f in follow_ups):
            break
        page.wait_for_timeout(50)
    page.wait_for_timeout(200)
    fake_backend.revoked = True  # the API now answers 401, as when the token has expired
    page.get_by_role("button", name="↻ Tải lại").click()
    expect(page.get_by_text("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('anninh.idToken')") is None
    page.get_by_label("Tên đăng nhập").fill("hieptan.canbo")
    page.get_by_label("Mật khẩu").fill("Demo-Passw0rd-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Tin báo HT-2611-0001")).to_be_visible()


def test_token_expiry_signs_out_without_an_api_call(new_page: Any) -> None:
    with FakeBackend(token_lifetime_s=8) as backend:
        page = new_page()
        sign_in(page, backend.base_url, "hieptan.canbo")
        expect(page.get_by_text("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.")).to_be_visible(
            timeout=10000
        )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_statistics_page_draws_charts(
    new_page: Any, fake_backend: FakeBackend, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    sign_in(page, fake_backend.base_url, "tanphu.chihuy")
    page.goto(fake_backend.base_url + "/#/stats")
    expect(page.locator("[data-stat=tips] .value")).to_have_text("14")
    expect(page.locator("[data-stat=followers] .value")).to_have_text("1.520")
    expect(page.get_by_role("img", name="Tin nhắn đến và đi theo ngày")).to_be_visible()
    expect(page.locator("dl.rates")).to_contain_text("84%")
    expect(page.locator("dl.rates")).to_contain_text("21 phút")
    page.get_by_role("button", name="Tải báo cáo sơ kết").click()
    expect(page.get_by_role("link", name="Tải báo cáo (PDF)")).to_be_focused()
    # 202 with an id, then polls until the report is ready
    assert fake_backend.reports["r1"]["polls"] == 2  # queued, then ready
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, f"fake-stats-{viewport['width']}")


def test_a_campaign_can_be_paused_and_cancelled(new_page: Any, fake_backend: FakeBackend) -> None:
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Hủy chiến dịch này?" confirmation
    sign_in(page, fake_backend.base_url, "tanphu.bientap")
    page.goto(fake_backend.base_url + "/#/campaigns")
    page.get_by_label("Tên chiến dịch").fill("Thông báo lịch cấp căn cước")
    page.get_by_label("Công an phường Hiệp Tân").check()
    page.get_by_label("Nội dung tin").fill(
        "Thứ Bảy này Công an phường làm căn cước lưu động tại nhà văn hóa."
    )
    page.get_by_role("button", name="Tạo chiến dịch").click()
    card = page.locator(".campaign", has_text="Thông báo lịch cấp căn cước")
    card.get_by_role("button", name="Tạm dừng").click()
    expect(card).to_have_attribute("data-status", "paused")
    expect(card.get_by_role("button", name="Tiếp tục gửi")).to_be_visible()
    card.get_by_role("button", name="Hủy chiến dịch").click()
    expect(card).to_have_attribute("data-status", "cancelled")
    expect(card).to_contain_text("Đã huỷ")
    expect(card.get_by_role("button")).to_have_count(0)


def test_urgent_alert_rings_notifies_and_is_acknowledged(new_page: Any, fake_backend: FakeBackend) -> None:
    fake_backend.alerts.append(
        {
            "id": "c2",
            "case_id": "c2",
            "code": "HT-2611-0002",
            "unit_id": "p-hiep-tan",
            "class": "violence",
            "created_at": "2026-11-29T10:00:00.000Z",
            "acknowledged_at": None,
            "escalated_to": [],
        }
    )
    page = new_page()
    page.context.grant_permissions(["notifications"])
    # Record desktop notifications and tones instead of showing and playing them.
    page.add_init_script(
        """
        window.__shown = []; window.__tones = 0;
        window.Notification = class { constructor(title, opts) { window.__shown.push([title, opts.tag]); }
          close() {} static get permission() { return "granted"; } static requestPermission() {
          return Promise.resolve("granted"); } };
        const Real = window.AudioContext;
        window.AudioContext = class extends Real { createOscillator() { window.__tones += 1;
          return super.createOscillator(); } };
        """
    )
    sign_in(page, fake_backend.base_url, "hieptan.canbo")
    banner = page.get_by_role("alert", name="Tin báo khẩn chưa xác nhận")
    expect(banner).to_contain_text("KHẨN HT-2611-0002")
    expect(banner).to_contain_text("Bạo lực, tội phạm (113)")
    page.wait_for_function("window.__shown.length === 1")
    assert page.evaluate("window.__shown") == [["Tin báo khẩn HT-2611-0002", "alert-c2"]]
    assert page.evaluate("window.__tones") == 3
    assert page.title().startswith("(1) KHẨN")
    banner.get_by_role("button", name="Đã nhận").click()
    expect(page.get_by_role("alert", name="Tin báo khẩn chưa xác nhận")).to_have_count(0)
    assert ("POST", "/api/v1/alerts/c2/ack") in fake_backend.requests
