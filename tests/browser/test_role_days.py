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


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1280"])
def test_admin_lands_on_administration_and_manages_officers_and_units(
    local_stack: Any, new_page: Any, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    sign_in(page, local_stack.base_url, "tanphu.quantri")
    expect(page.get_by_role("heading", name="Quản trị", exact=True)).to_be_visible()
    assert "Tin báo" not in nav_links(page) and "Quản trị" in nav_links(page)
    expect(page.locator("main")).not_to_contain_text("không có quyền")
    officers = page.locator("table.officers")
    expect(officers.locator("tr[data-username='hieptan.canbo']")).to_be_visible()
    shot(page, "admin", "officers")
    no_sideways_scroll(page)

    # A new officer for the Hiệp Tân ward, then given the commander role as well.
    username = f"hieptan.cb{uuid.uuid4().hex[:4]}"
    page.get_by_text("Thêm cán bộ", exact=True).click()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Họ tên").fill("Nguyễn Văn Thử")
    page.locator("#officers form").get_by_label("Đơn vị").select_option("p-hiep-tan")
    page.get_by_label("Mật khẩu tạm").fill("Tam-Thoi-2026-xyz")
    page.get_by_role("button", name="Tạo tài khoản").click()
    row = officers.locator(f"tr[data-username='{username}']")
    expect(row).to_be_visible()
    row.get_by_label("Chỉ huy").check()
    row.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text(f"Đã cập nhật tài khoản {username}.")).to_be_visible()
    shot(page, "admin", "officer-created")

    # The units table, and an editor's page is refused politely by sending the admin home.
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
    page.get_by_role("button", name="Tạo chiến dịch").click()
    expect(page.locator(".campaign", has_text=name)).to_be_visible()
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
