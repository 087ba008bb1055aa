"""The officer API for self-service: FAQ ranking, knowledge-base edits, CCCD import, notices."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from anninh import cccd
from anninh.bot.router import BotTurn, respond
from anninh.clock import utcnow
from tests.integration.test_api_support import call, claims_for


@pytest.fixture
def stack(aws_stack: Any) -> Any:
    from anninh.kb import forget_cached_entries

    forget_cached_entries()
    yield aws_stack
    forget_cached_entries()


def test_faq_match_ranks_entries_with_id_and_score(stack: Any, registry: Any) -> None:
    status, body = call(
        "GET",
        "/api/v1/faq/match",
        claims_for(registry, "hieptan.canbo"),
        query={"q": "lam ho khau cho con moi sinh"},
    )
    assert status == 200
    assert body["matches"][0]["id"] == "dang-ky-thuong-tru" and body["best"] == "dang-ky-thuong-tru"
    assert all(0 <= m["score"] <= 1 for m in body["matches"])
    status, body = call(
        "GET", "/api/v1/faq/match", claims_for(registry, "hieptan.canbo"), query={"q": "kết quả bóng đá"}
    )
    assert status == 200 and body["best"] is None
    assert call("GET", "/api/v1/faq/match", claims_for(registry, "hieptan.canbo"))[0] in (400, 422)
    assert call("GET", "/api/v1/faq/match", None, query={"q": "cccd"})[0] == 401


def test_editor_changes_an_entry_and_the_bot_answers_with_it(stack: Any, registry: Any) -> None:
    officer = claims_for(registry, "hieptan.canbo")
    editor = claims_for(registry, "tanphu.bientap")
    change = {"fee": "Miễn phí (thử nghiệm biên tập).", "keywords": ["sổ đỏ tạm trú"]}
    assert call("PUT", "/api/v1/kb/entries/dang-ky-tam-tru", officer, change)[0] == 403
    status, entry = call("PUT", "/api/v1/kb/entries/dang-ky-tam-tru", editor, change)
    assert status == 200 and entry["fee"] == change["fee"] and entry["title"].startswith("Đăng ký tạm trú")
    status, listed = call("GET", "/api/v1/kb/entries", officer)
    assert {"id": "dang-ky-tam-tru", "title": entry["title"], "edited": True} in listed["items"]
    turn = BotTurn(
        "2200000000000000001",
        "u1",
        "p-hiep-tan",
        "ev-kb",
        "đăng ký tạm trú hết bao nhiêu tiền",
        utcnow(),
        {"greeted": True},
    )
    assert "thử nghiệm biên tập" in respond(turn).messages[0].message["text"]
    # A new entry needs a title; then it can be matched.
    assert call("PUT", "/api/v1/kb/entries/lao-dong-nuoc-ngoai", editor, {"steps": ["x"]})[0] == 422
    status, _ = call(
        "PUT",
        "/api/v1/kb/entries/lao-dong-nuoc-ngoai",
        editor,
        {
            "title": "Xác nhận cho người nước ngoài lao động",
            "where": "Phòng Quản lý xuất nhập cảnh",
            "examples": ["người nước ngoài làm việc tại Việt Nam cần xác nhận gì"],
        },
    )
    assert status == 200
    assert call("DELETE", "/api/v1/kb/entries/lao-dong-nuoc-ngoai", editor)[0] == 204
    assert call("GET", "/api/v1/kb/entries/lao-dong-nuoc-ngoai", officer)[0] == 404


def test_cccd_import_reports_rows_and_rejects_a_bad_header(stack: Any, registry: Any) -> None:
    officer = claims_for(registry, "hieptan.canbo")
    csv = (
        "receipt_no,full_name,dob,status,ready_at,pickup_place\r\n"
        "HT-1,Lê Văn Một,01/02/1990,ready,,Công an phường Hiệp Tân\r\n"
        "HT-2,Lê Văn Hai,1990-02-01,ready,,\r\n"
    )
    status, report = call("POST", "/api/v1/cccd/imports", officer, csv, headers={"content-type": "text/csv"})
    assert status == 200 and report["imported"] == 1 and report["rejected"] == 1
    assert report["errors"] == [
        {"line": 3, "receipt_no": "HT-2", "error": "ngày sinh (dob) không đúng dạng dd/mm/yyyy"}
    ]
    found = cccd.service().lookup(
        "HT-1", date(1990, 2, 1), oa_id="oa", user_id="u", unit_id="p-hiep-tan", event_key="api-1"
    )
    assert found.found
    status, body = call(
        "POST", "/api/v1/cccd/imports", officer, "so,ten\r\n1,2\r\n", headers={"content-type": "text/csv"}
    )
    assert status == 400 and body["error"]["code"] == "bad_csv_header"
    assert call("POST", "/api/v1/cccd/imports", claims_for(registry, "tanphu.bientap"), csv)[0] == 403


def test_notices_crud_and_the_chat_shows_only_published(stack: Any, registry: Any) -> None:
    editor = claims_for(registry, "tanphu.bientap")
    status, notice = call(
        "POST",
        "/api/v1/notices",
        editor,
        {
            "kind": "missing",
            "title": "Tìm người thân (thử nghiệm)",
            "name": "Người mẫu",
            "description": "Mô tả thử nghiệm",
            "photo_url": "https://example.com/a.jpg",
            "contact": "113",
        },
    )
    assert status == 201
    assert call("POST", "/api/v1/notices", editor, {"kind": "other", "title": "x"})[0] == 422
    assert (
        call(
            "POST",
            "/api/v1/notices",
            claims_for(registry, "hieptan.canbo"),
            {"kind": "missing", "title": "abc"},
        )[0]
        == 403
    )
    turn = BotTurn("2200000000000000000", "u1", "tan-phu", "ev-n1", "truy nã", utcnow(), {"greeted": True})
    shown = [
        b["payload"]
        for m in respond(turn).messages
        for b in m.message.get("attachment", {}).get("payload", {}).get("buttons", [])
    ]
    assert f"báo tin #{notice['notice_id']}" in shown
    status, withdrawn = call("DELETE", f"/api/v1/notices/{notice['notice_id']}", editor)
    assert status == 200 and withdrawn["status"] == "withdrawn"
    turn = BotTurn("2200000000000000000", "u1", "tan-phu", "ev-n2", "truy nã", utcnow(), {"greeted": True})
    assert "Hiện chưa có thông báo" in respond(turn).messages[0].message["text"]
    status, listed = call("GET", "/api/v1/notices", editor)
    assert [n["status"] for n in listed["items"]] == ["withdrawn"]


def test_hotlines_and_news_are_editable(stack: Any, registry: Any) -> None:
    admin = claims_for(registry, "tanphu.quantri")
    status, body = call(
        "PUT",
        "/api/v1/hotlines/p-hiep-tan",
        admin,
        {"hotlines": [{"label": "Trực ban phường", "phone": "028 0000 0001"}]},
    )
    assert status == 200 and body["hotlines"] == [{"label": "Trực ban phường", "phone": "02800000001"}]
    assert (
        call("PUT", "/api/v1/hotlines/p-hiep-tan", admin, {"hotlines": [{"label": "x1", "phone": "abc"}]})[0]
        == 422
    )
    editor = claims_for(registry, "tanphu.bientap")
    status, _link = call(
        "POST",
        "/api/v1/news/2200000000000000000",
        editor,
        {"title": "Cảnh báo lừa đảo mới", "url": "https://example.com/canh-bao"},
    )
    assert status == 201
    status, listed = call("GET", "/api/v1/news/2200000000000000000", editor)
    assert listed["items"][0]["url"] == "https://example.com/canh-bao"


def test_an_imported_cccd_record_is_found_by_its_unit_with_the_name_masked(stack: Any, registry: Any) -> None:
    officer = claims_for(registry, "hieptan.canbo")
    csv = (
        "receipt_no,full_name,dob,status,ready_at,pickup_place\r\n"
        "HT-77,Nguyễn Thị Bảy Mươi,07/07/1977,ready,,Công an phường Hiệp Tân\r\n"
    )
    status, _ = call("POST", "/api/v1/cccd/imports", officer, csv, headers={"content-type": "text/csv"})
    assert status == 200
    status, record = call("GET", "/api/v1/cccd/records/ht-77", officer)
    assert status == 200, record
    assert record["name"] == "Nguyễn *** *** Mươi" and record["status"] == "ready"
    assert "dob" not in record and "07/07/1977" not in str(record)
    assert call("GET", "/api/v1/cccd/records/HT-77", claims_for(registry, "hoathanh.canbo"))[0] == 404
    assert call("GET", "/api/v1/cccd/records/HT-78", officer)[0] == 404
    assert call("GET", "/api/v1/cccd/records/HT-77", claims_for(registry, "tanphu.bientap"))[0] == 403
