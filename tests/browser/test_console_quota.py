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


def test_on_the_local_stack_the_reply_box_warns_before_an_out_of_quota_reply(
    local_stack: Any, new_page: Any
) -> None:
    """With no proactive quota left, a reply 49 hours after the citizen wrote: the console says so
    before sending, and the reply is kept for the officer with the quota reason."""
    import time
    import uuid

    oa_id, words = "2200000000000000006", f"xe đạp điện {uuid.uuid4().hex[:6]}"
    citizen = f"e2e-console-quota-{uuid.uuid4().hex[:8]}"
    event = {
        "event_name": "user_send_text",
        "sender": {"id": citizen},
        "recipient": {"id": oa_id},
        "user_id_by_app": citizen,
        "timestamp": str(int((time.time() - 49 * 3600) * 1000)),
        "message": {"msg_id": uuid.uuid4().hex, "text": f"Báo tin mất trộm {words} ở hẻm 12"},
    }
    local_stack.http.post("/_local/zalo/config", json={"proactive_quota_per_month": 0}).raise_for_status()
    try:
        assert local_stack.sign_and_post(event).status_code == 200
        token = local_stack.login("sonky.canbo")

        def tip() -> str | None:
            items = local_stack.api("GET", "/tips", token=token, params={"q": words}).json()["items"]
            return str(items[0]["case_id"]) if items else None

        case_id = local_stack.wait_for(tip, 60, "the tip", interval=0.5)
        page = new_page()
        sign_in(page, local_stack.base_url, "sonky.canbo")
        page.goto(f"{local_stack.base_url}/#/case/{case_id}")
        note = page.locator(".reply-tier")
        expect(note).to_contain_text("hết hạn mức tin chủ động")
        expect(note).to_have_attribute("data-covered", "no")
        text = f"Mời anh/chị đến trụ sở Công an phường ({words})."
        page.get_by_label("Trả lời người báo").fill(text)
        page.get_by_role("button", name="Gửi trả lời").click()

        def kept() -> dict[str, Any] | None:
            items = local_stack.api("GET", "/undelivered", token=token).json()["items"]
            return next((i for i in items if text in i["text"]), None)  # replies may name the tip

        item = local_stack.wait_for(kept, 60, "the reply kept for the officer", interval=0.5)
        assert item["cause"] == "quota"
    finally:
        local_stack.http.post("/_local/zalo/config", json={"proactive_quota_per_month": None})


def test_campaign_preview_shows_tiers_and_says_when_the_quota_cannot_cover_it(
    new_page: Any, fake_backend: FakeBackend
) -> None:
    fake_backend.preview_quota = {
        "tiers": {"reply": 0, "proactive": 12, "broadcast": 0, "zns": 0},
        "quota": [
            {
                "oa_id": "2200000000000000001",
                "oa_name": "Công an phường Hiệp Tân",
                "proactive_needed": 12,
                "proactive_remaining": 5,
                "proactive_limit": 1000,
                "month": "2026-11",
                "covered": False,
            }
        ],
        "quota_ok": False,
    }
    page = new_page()
    sign_in(page, fake_backend.base_url, "tanphu.bientap")
    page.goto(fake_backend.base_url + "/#/campaigns")
    page.get_by_label("Tên chiến dịch").fill("Thông báo lịch tiếp dân")
    page.get_by_label("Công an phường Hiệp Tân").check()
    page.get_by_label("Nội dung tin").fill("Lịch tiếp dân tháng 12.")
    page.get_by_role("button", name="Xem trước người nhận").click()
    box = page.locator(".campaign-quota")
    expect(box).to_contain_text("Tin chủ động (tính hạn mức tháng): 12")
    expect(box).to_contain_text("5/1.000 (tháng 2026-11)")
    expect(box.get_by_role("alert")).to_contain_text("Chiến dịch sẽ bị từ chối")
