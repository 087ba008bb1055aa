"""Zalo's tiers in the console (console/js/quota.js), against the stand-in backend: the reply box says
what a reply costs before it is sent, the campaign preview says what each tier takes and when the
quota cannot cover it, and the statistics page warns when a unit's OA has used 80 % of its month."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import sign_in
from tests.browser.fake_backend import FakeBackend

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_reply_box_says_whether_the_reply_is_free_or_out_of_quota(
    new_page: Any, fake_backend: FakeBackend
) -> None:
    page = new_page()
    sign_in(page, fake_backend.base_url, "hieptan.canbo")
    page.goto(fake_backend.base_url + "/#/case/c1")
    note = page.locator(".reply-tier")
    expect(note).to_have_text("Tin trả lời miễn phí: còn 7/8 tin đến 09:00 01/12/2026.")
    expect(note).to_have_class("small reply-tier free")

    fake_backend.reply_tiers["c2"] = {
        "tier": "proactive",
        "covered": False,
        "free_left": 0,
        "label": "Tin chủ động nhưng kênh Zalo này đã hết hạn mức tin chủ động của tháng 2026-11.",
    }
    page.goto(fake_backend.base_url + "/#/case/c2")
    expect(page.locator(".reply-tier")).to_contain_text("đã hết hạn mức tin chủ động")
    expect(page.locator(".reply-tier")).to_have_attribute("data-covered", "no")


def test_statistics_page_warns_at_80_percent_of_the_month(new_page: Any, fake_backend: FakeBackend) -> None:
    fake_backend.unit_quota = {
        "unit_id": "p-hiep-tan",
        "warn_at_percent": 80.0,
        "warning": True,
        "oas": [
            {
                "oa_id": "2200000000000000001",
                "oa_name": "Công an phường Hiệp Tân",
                "proactive_limit": 1000,
                "proactive_remaining": 150,
                "used_percent": 85.0,
                "free_replies_open": 4,
                "warning": True,
            }
        ],
    }
    page = new_page()
    sign_in(page, fake_backend.base_url, "hieptan.canbo")
    page.goto(fake_backend.base_url + "/#/stats")
    panel = page.locator(".unit-quota")
    expect(panel).to_contain_text("850/1.000 (85%)")
    expect(panel.get_by_role("alert")).to_contain_text("Công an phường Hiệp Tân đã dùng từ 80%")
