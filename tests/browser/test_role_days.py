"""Each role's day in the console against the real local stack, at 360 px and 1280 px (issue 17).

Every step leaves a screenshot in test-artifacts/screenshots/roles/ (<role>-<step>-<width>.png).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.browser.conftest import PHONE, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

WIDE = {"width": 1280, "height": 900}
HIEP_TAN_OA = "2200000000000000001"


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def shot(page: Any, role: str, step: str) -> None:
    width = page.viewport_size["width"]
    screenshot(page, f"roles/{role}-{step}-{width}")


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def nav_links(page: Any) -> list[str]:
    links = page.locator("nav[aria-label='Chức năng'] a")
    return [str(text).strip() for text in links.evaluate_all("links => links.map(a => a.textContent)")]


def totp(secret: str, at: float | None = None) -> str:
    """The current 6-digit code of an authenticator app (RFC 6238: SHA-1, 30 s)."""
    import base64
    import hashlib
    import hmac
    import struct
    import time

    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def fresh_code(secret: str) -> str:
    import time

    if time.time() % 30 > 27:  # too close to the next step: wait for it
        time.sleep(30 - time.time() % 30 + 0.5)
    return totp(secret)


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1280"])
def test_admin_sets_up_two_step_sign_in_then_manages_officers_and_units(
    local_stack: Any, new_page: Any, viewport: dict[str, int]
) -> None:
    # A new admin account (temporary password), made by the demo admin through the API.
    username = f"qt{uuid.uuid4().hex[:6]}"
    admin = local_stack.login("tanphu.quantri")
    created = local_stack.api(
        "POST",
        "/officers",
        token=admin,
        json={
            "username": username,
            "unit_id": "tan-phu",
            "roles": ["admin"],
            "temporary_password": "Tam-Thoi-2026-abc",
        },
    )
    assert created.status_code == 201, created.text

    page = new_page(viewport)
    page.goto(local_stack.base_url + "/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("Tam-Thoi-2026-abc")
    page.get_by_role("button", name="Đăng nhập").click()
    # First sign-in: a new password, with the pool's real policy in the hint.
    expect(page.get_by_role("heading", name="Đặt mật khẩu mới")).to_be_visible()
    expect(page.locator("form")).to_contain_text("ít nhất 12 ký tự, có chữ hoa, chữ thường, số")
    page.get_by_label("Mật khẩu mới", exact=True).fill("Quan-Tri-2026-moi")
    page.get_by_label("Nhập lại mật khẩu mới").fill("Quan-Tri-2026-moi")
    page.get_by_role("button", name="Lưu và đăng nhập").click()

    # Admins must turn on two-step sign-in before anything else: any page leads here.
    expect(page.get_by_role("heading", name="Bảo mật tài khoản")).to_be_visible()
    page.goto(local_stack.base_url + "/#/admin")
    expect(page.get_by_role("heading", name="Bảo mật tài khoản")).to_be_visible()
    page.get_by_role("button", name="Bật xác thực hai lớp").click()
    expect(page.get_by_role("img", name=re.compile("Mã QR"))).to_be_visible()
    shot(page, "admin", "mfa-setup")
    secret = str(page.locator("code.secret").get_attribute("data-secret"))
    page.get_by_label("Mã 6 số trên ứng dụng").fill("000000" if totp(secret) != "000000" else "111111")
    page.get_by_role("button", name="Xác nhận và bật").click()
    expect(page.get_by_text("Mã xác thực không đúng")).to_be_visible()  # a wrong code is refused
    page.get_by_label("Mã 6 số trên ứng dụng").fill(fresh_code(secret))
    page.get_by_role("button", name="Xác nhận và bật").click()
    expect(page.get_by_role("heading", name="Xác thực hai lớp: đang bật")).to_be_visible()
    page.get_by_role("link", name="Vào trang làm việc").click()
    expect(page.get_by_role("heading", name="Quản trị", exact=True)).to_be_visible()

    # Signing out revokes the session; signing in again asks for the code.
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("Quan-Tri-2026-moi")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Xác thực hai lớp")).to_be_visible()
    page.get_by_label("Mã xác thực").fill(fresh_code(secret))
    shot(page, "admin", "mfa-code")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("heading", name="Quản trị", exact=True)).to_be_visible()
    assert "Tin báo" not in nav_links(page) and "Quản trị" in nav_links(page)
    officers = page.locator("table.officers")
    expect(officers.locator("tr[data-username='hieptan.canbo']")).to_be_visible()
    shot(page, "admin", "officers")
    no_sideways_scroll(page)

    # A new officer for the Hiệp Tân ward, then given the commander role as well.
    officer = f"hieptan.cb{uuid.uuid4().hex[:4]}"
    page.get_by_text("Thêm cán bộ", exact=True).click()
    page.get_by_label("Tên đăng nhập").fill(officer)
    page.get_by_label("Họ tên").fill("Nguyễn Văn Thử")
    page.locator("#officers form").get_by_label("Đơn vị").select_option("p-hiep-tan")
    page.get_by_label("Mật khẩu tạm").fill("Tam-Thoi-2026-xyz")
    page.get_by_role("button", name="Tạo tài khoản").click()
    row = officers.locator(f"tr[data-username='{officer}']")
    expect(row).to_be_visible()
    row.get_by_label("Chỉ huy").check()
    row.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text(f"Đã cập nhật tài khoản {officer}.")).to_be_visible()
    shot(page, "admin", "officer-created")

    # The units table; a page of another role sends the admin home.
    expect(page.locator("table.units tr[data-unit='p-hiep-tan']")).to_contain_text("Công an phường Hiệp Tân")
    page.goto(local_stack.base_url + "/#/inbox")
    expect(page.get_by_role("heading", name="Quản trị", exact=True)).to_be_visible()
    shot(page, "admin", "units")


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1280"])
def test_ward_commander_sends_a_campaign_to_the_wards_own_channel(
    local_stack: Any, new_page: Any, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    sign_in(page, local_stack.base_url, "hieptan.chihuy")
    expect(page.get_by_role("heading", name="Tin báo", exact=True)).to_be_visible()
    assert "Chiến dịch" in nav_links(page) and "Quản trị" not in nav_links(page)
    page.goto(local_stack.base_url + "/#/campaigns")
    boxes = page.locator("fieldset input[name=oa_ids]")
    expect(boxes).to_have_count(1)  # only the ward's own channel, not all 18
    shot(page, "commander", "campaign-form")
    name = f"Họp tổ dân phố {uuid.uuid4().hex[:4]}"
    page.get_by_label("Tên chiến dịch").fill(name)
    page.get_by_label("Công an phường Hiệp Tân", exact=True).check()
    page.get_by_label("Nội dung tin").fill("Mời bà con dự họp tổ dân phố tối thứ Bảy tại trụ sở khu phố.")
    page.locator("details.targeting summary").click()  # only followers who wrote in the last 30 days
    page.get_by_label("Chỉ người đã tương tác trong … ngày").fill("30")
    page.get_by_role("button", name="Tạo chiến dịch").click()
    card = page.locator(".campaign", has_text=name)
    expect(card).to_be_visible()
    card.locator("details.deliveries summary").click()  # the per-recipient records
    expect(card.locator("details.deliveries")).to_contain_text(re.compile("Người nhận|Chưa có người nhận"))
    shot(page, "commander", "campaign-sent")

    page.goto(local_stack.base_url + "/#/stats")
    expect(page.get_by_role("heading", name="Thống kê")).to_be_visible()
    expect(page.get_by_role("button", name="Tải báo cáo sơ kết")).to_be_visible()
    shot(page, "commander", "figures")


def test_editor_lands_on_content_and_officers_pages_are_not_offered(local_stack: Any, new_page: Any) -> None:
    page = new_page(PHONE)
    sign_in(page, local_stack.base_url, "tanphu.bientap")
    expect(page).to_have_url(re.compile(r"#/content"))
    assert "Tin báo" not in nav_links(page) and "Hội thoại" not in nav_links(page)
    shot(page, "editor", "home")


def _tip(stack: Any, text: str, token: str, oa_id: str = HIEP_TAN_OA) -> dict[str, Any]:
    """A citizen reports a tip by text; returns the case once the inbox lists it."""
    from tests.browser.test_console_local_stack import _event

    user_id = f"84{uuid.uuid4().int % 10**10:010d}"
    assert stack.sign_and_post(_event("user_send_text", user_id, oa_id, {"text": text})).status_code == 200
    marker = text.split(":", 1)[1].strip()

    def listed() -> dict[str, Any] | None:
        items = stack.api("GET", "/tips", token=token, params={"limit": 100}).json().get("items", [])
        return next((c for c in items if marker in (c.get("summary") or "")), None)

    return stack.wait_for(listed, 60, f"the tip '{marker}'", interval=0.5)


def test_officer_day_views_assignment_shortcuts_block_and_merge(local_stack: Any, new_page: Any) -> None:
    tag = f"vu{uuid.uuid4().hex[:6]}"
    token = local_stack.login("hieptan.canbo")
    first = _tip(local_stack, f"Báo tin: {tag}, trộm cắp xe máy Wave đỏ trước tiệm tạp hóa Kim Ngân", token)
    second = _tip(
        local_stack, f"Báo tin: {tag}, trộm cắp xe máy Wave đỏ trước tạp hóa Kim Ngân tối nay", token
    )
    prank = _tip(local_stack, f"Báo tin: {tag}x, alo alo thử xem có ai trực không", token)

    page = new_page(WIDE)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, local_stack.base_url, "hieptan.canbo")
    page.get_by_role("link", name=re.compile("^Chưa phân công")).click()
    expect(page.locator(".case-row", has_text=first["code"])).to_be_visible()
    expect(page.locator(".case-row.unread", has_text=second["code"])).to_be_visible()  # never opened
    expect(page.locator(".view-tab[data-view=unassigned] .count")).to_contain_text(re.compile(r"\d"))
    shot(page, "officer", "views")

    # "?" lists the shortcuts; j moves to a case; x selects it for a bulk action.
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_contain_text("Tin báo kế tiếp")
    shot(page, "officer", "shortcuts")
    page.get_by_role("button", name="Đóng").click()
    page.locator(".case-row", has_text=prank["code"]).locator(".case-link").focus()
    page.keyboard.press("x")
    expect(page.get_by_role("region", name="Thao tác hàng loạt")).to_contain_text("Đã chọn 1 tin báo")
    page.get_by_label("Trạng thái cho các tin đã chọn").select_option("spam")
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.get_by_text(re.compile("Đã chuyển 1 tin báo sang “Tin rác”"))).to_be_visible()
    expect(page.locator(".case-row", has_text=prank["code"])).to_have_count(0)
    shot(page, "officer", "bulk-spam")

    # Merge the second report into the first, from the duplicate suggestion.
    page.goto(f"{local_stack.base_url}/#/case/{second['case_id']}")
    dup = page.locator(".duplicates li", has_text=first["code"])
    expect(dup).to_be_visible()
    shot(page, "officer", "duplicate-suggestion")
    dup.get_by_role("button", name="Gộp vào tin này").click()
    expect(page.get_by_text(f"Đã gộp vào tin báo {first['code']}.")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("đã được gộp")

    # The first case: assign a colleague, reply with "r", resolve with "e", block and unblock.
    page.goto(f"{local_stack.base_url}/#/case/{first['case_id']}")
    expect(page.get_by_role("heading", name=f"Tin báo {first['code']}")).to_be_visible()
    page.get_by_label("Phân công cho").select_option("hieptan.chihuy")
    page.get_by_role("button", name="Phân công", exact=True).click()
    expect(page.locator(".facts")).to_contain_text("hieptan.chihuy")
    page.keyboard.press("r")
    expect(page.get_by_label("Trả lời người báo")).to_be_focused()
    page.keyboard.type("Công an phường đã tiếp nhận, tổ tuần tra đang đến hiện trường.")
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_text("Đã gửi trả lời tới người báo qua Zalo.")).to_be_visible()
    page.get_by_label("Trạng thái", exact=True).select_option("in_review")
    page.get_by_role("button", name="Cập nhật trạng thái").click()
    expect(page.locator(".page-head .badge", has_text="Đang xác minh")).to_be_visible()
    page.locator("main").focus()
    page.keyboard.press("e")
    expect(page.locator(".page-head .badge", has_text="Đã giải quyết")).to_be_visible()
    page.locator("summary", has_text="Chặn người báo").click()
    page.get_by_label("Lý do chặn").fill("Thử chặn rồi bỏ chặn")
    page.get_by_role("button", name="Chặn người báo").click()
    expect(page.get_by_text("Người báo này đang bị chặn.")).to_be_visible()
    shot(page, "officer", "case-blocked")
    page.get_by_role("button", name="Bỏ chặn người báo").click()
    expect(page.get_by_text("Đã bỏ chặn người báo.")).to_be_visible()

    # A colleague opening the same case sees that someone else is on it.
    other = new_page(PHONE)
    sign_in(other, local_stack.base_url, "hieptan.chihuy")
    other.goto(f"{local_stack.base_url}/#/case/{first['case_id']}")
    expect(other.locator("#presence")).to_contain_text("hieptan.canbo cũng đang xem")
    shot(other, "officer", "presence")
    other.goto(f"{local_stack.base_url}/#/cccd")  # records are found by receipt number
    other.get_by_label("Số biên nhận").fill("HT-KHONG-CO")
    other.get_by_role("button", name="Tìm hồ sơ").click()
    expect(other.locator(".state.error")).to_contain_text("Không tìm thấy hồ sơ")
    other.goto(f"{local_stack.base_url}/#/inbox?view=mine")
    expect(other.get_by_role("heading", name="Tin báo", exact=True)).to_be_visible()
    no_sideways_scroll(other)
    shot(other, "officer", "mine")


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1280"])
def test_editor_day_canned_replies_notices_news_and_kb(
    local_stack: Any, new_page: Any, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    sign_in(page, local_stack.base_url, "tanphu.bientap")
    expect(page.get_by_role("heading", name="Thông báo và hỏi đáp thủ tục")).to_be_visible()
    shot(page, "editor", "content")
    title = f"Hẹn lịch làm việc {uuid.uuid4().hex[:4]}"
    canned = page.locator("#canned")
    canned.locator("summary").click()
    canned.get_by_label("Tên mẫu").fill(title)
    canned.get_by_label("Lời trả lời mẫu").fill(
        "Anh/chị vui lòng đến trụ sở Công an phường vào giờ hành chính để làm việc."
    )
    canned.get_by_role("button", name="Lưu mẫu trả lời").click()
    item = canned.locator("li.canned", has_text=title)
    expect(item).to_be_visible()
    item.get_by_role("button", name="Sửa").click()
    canned.get_by_label("Lời trả lời mẫu").fill(
        "Anh/chị vui lòng đến trụ sở Công an phường trong giờ hành chính."
    )
    canned.get_by_role("button", name="Lưu thay đổi").click()
    expect(item).to_contain_text("trong giờ hành chính")
    shot(page, "editor", "canned")

    news = page.locator("#news")
    expect(news.get_by_label("Kênh")).to_be_visible()
    news.locator("summary").click()
    headline = f"Cảnh giác lừa đảo qua điện thoại {uuid.uuid4().hex[:4]}"
    news.get_by_label("Tên bài viết").fill(headline)
    news.get_by_label("Đường dẫn bài viết").fill("https://congan.hochiminhcity.gov.vn/canh-giac-lua-dao")
    news.get_by_role("button", name="Thêm tin").click()
    expect(news.get_by_role("link", name=headline)).to_be_visible()
    shot(page, "editor", "news")

    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Xóa").click()
    expect(item).to_have_count(0)
    expect(page.get_by_role("heading", name="Thông báo truy nã, tìm người")).to_be_visible()
    expect(page.get_by_role("heading", name="Hỏi đáp thủ tục hành chính")).to_be_visible()
    no_sideways_scroll(page)
    shot(page, "editor", "notices-kb")


def test_the_session_renews_with_the_refresh_token_and_sign_out_revokes_it(
    local_stack: Any, new_page: Any
) -> None:
    page = new_page(PHONE)
    sign_in(page, local_stack.base_url, "sonky.canbo")
    before = page.evaluate("sessionStorage.getItem('anninh.idToken')")
    refresh = page.evaluate("sessionStorage.getItem('anninh.refreshToken')")
    assert refresh, "the refresh token is kept for renewal"
    renewed = page.evaluate("async () => (await import('./js/api.js')).refreshSession()")
    after = page.evaluate("sessionStorage.getItem('anninh.idToken')")
    assert renewed is True and after and after != before  # a new id token, no new sign-in
    page.reload()
    expect(page.get_by_role("heading", name="Tin báo", exact=True)).to_be_visible()  # still signed in

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('anninh.refreshToken')") is None
    idp = local_stack.aws_client("cognito-idp")
    with pytest.raises(Exception, match="NotAuthorized"):  # revoked by the sign-out, not just forgotten
        idp.initiate_auth(
            ClientId=local_stack.config["user_pool_client_id"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh},
        )
