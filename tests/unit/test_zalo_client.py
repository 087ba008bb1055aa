"""ZaloClient against httpx.MockTransport: request shapes, error classes, rate-limit headers, OAuth."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from anninh.zalo import messages as m
from anninh.zalo.client import ZaloClient
from anninh.zalo.errors import ZaloError, end_of_quiet_hours

API = "http://zalo.test/openapi"
OAUTH = "http://zalo.test/oauth"
ZNS = "http://zalo.test/zns"


def make(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[ZaloClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = ZaloClient(api_base=API, oauth_base=OAUTH, zns_base=ZNS, transport=httpx.MockTransport(record))
    return client, seen


def ok(data: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(200, json={"error": 0, "message": "Success", "data": data}, headers=headers)


def zalo_error(code: int, message: str = "failed") -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, json={"error": code, "message": message})


SENT = {"message_id": "m-1", "user_id": "u-1", "quota": {"quota_type": "reply", "remain": "8", "total": "8"}}


def test_send_message_shape_and_result() -> None:
    client, seen = make(lambda r: ok(SENT, {"X-RateLimit-Limit": "4000", "X-RateLimit-Remain": "3987"}))
    result = client.send_message("tok-123", "u-1", m.text_message("Xin chào"))
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url) == f"{API}/v3.0/oa/message/cs"
    assert request.headers["access_token"] == "tok-123"  # bare, not "Bearer ..."
    assert "authorization" not in request.headers
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"recipient": {"user_id": "u-1"}, "message": {"text": "Xin chào"}}
    assert result.message_id == "m-1"
    assert result.quota == {"quota_type": "reply", "remain": "8", "total": "8"}
    assert (result.rate_limit_limit, result.rate_limit_remain) == (4000, 3987)


@pytest.mark.parametrize("kind", ["transaction", "promotion"])
def test_send_message_kinds_use_their_endpoint(kind: str) -> None:
    client, seen = make(lambda r: ok(SENT))
    client.send_message("t", "u-1", {"text": "x"}, kind=kind)  # type: ignore[arg-type]
    assert seen[0].url.path == f"/openapi/v3.0/oa/message/{kind}"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (-32, "transient"),
        (-216, "token"),
        (-220, "token"),
        (-213, "recipient"),
        (-218, "recipient"),
        (-227, "recipient"),
        (-230, "recipient"),
        (-232, "recipient"),
        (-244, "recipient"),
        (-204, "oa"),
        (-205, "oa"),
        (-211, "oa"),
        (-221, "oa"),
        (-223, "oa"),
        (-224, "oa"),
        (-240, "oa"),
        (-248, "oa"),
        (-201, "invalid"),
        (-99999, "invalid"),
    ],
)
def test_error_codes_in_http_200_map_to_kinds(code: int, kind: str) -> None:
    client, _ = make(zalo_error(code, "nope"))
    with pytest.raises(ZaloError) as caught:
        client.send_message("t", "u", {"text": "x"})
    assert caught.value.code == code
    assert caught.value.kind == kind
    assert caught.value.message == "nope"


def test_window_errors_are_flagged() -> None:
    client, _ = make(zalo_error(-230))
    with pytest.raises(ZaloError) as caught:
        client.send_message("t", "u", {"text": "x"})
    assert caught.value.outside_window


def test_quiet_hours_is_transient_until_six_in_the_morning() -> None:
    client, _ = make(zalo_error(-234, "quiet hours"))
    with pytest.raises(ZaloError) as caught:
        client.send_message("t", "u", {"text": "x"}, kind="promotion")
    assert caught.value.kind == "transient"
    assert caught.value.retry_at == end_of_quiet_hours()
    assert caught.value.retry_at is not None and caught.value.retry_at.hour == 6


def test_http_5xx_and_429_are_transient() -> None:
    for status in (500, 502, 503, 429):
        client, _ = make(lambda r, s=status: httpx.Response(s, text="busy"))
        with pytest.raises(ZaloError) as caught:
            client.send_message("t", "u", {"text": "x"})
        assert caught.value.kind == "transient"
        assert caught.value.http_status == status


def test_connection_refused_is_transient_and_not_delivered() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client, _ = make(refuse)
    with pytest.raises(ZaloError) as caught:
        client.send_message("t", "u", {"text": "x"})
    assert caught.value.kind == "transient"
    assert not caught.value.maybe_delivered


def test_read_timeout_is_transient_but_maybe_delivered() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client, _ = make(slow)
    with pytest.raises(ZaloError) as caught:
        client.send_message("t", "u", {"text": "x"})
    assert caught.value.kind == "transient"
    assert caught.value.maybe_delivered


def test_non_json_answer_is_an_error_not_a_crash() -> None:
    client, _ = make(lambda r: httpx.Response(200, text="<html>oops</html>"))
    with pytest.raises(ZaloError) as caught:
        client.send_message("t", "u", {"text": "x"})
    assert caught.value.kind == "invalid"


def test_rate_limit_headers_are_read_on_errors_too() -> None:
    client, _ = make(
        lambda r: httpx.Response(
            200,
            json={"error": -32, "message": "rate"},
            headers={"X-RateLimit-Limit": "4000", "X-RateLimit-Remain": "0"},
        )
    )
    with pytest.raises(ZaloError):
        client.send_message("t", "u", {"text": "x"})
    assert (client.rate_limit.limit, client.rate_limit.remain) == (4000, 0)


def test_message_builders() -> None:
    assert m.text_message("a" * 2000) == {"text": "a" * 2000}
    with pytest.raises(ValueError):
        m.text_message("a" * 2001)
    assert m.image_message(url="https://x/y.jpg") == {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "url": "https://x/y.jpg"}],
            },
        }
    }
    by_id = m.image_message(attachment_id="att-1", text="Ảnh")
    assert by_id["text"] == "Ảnh"
    assert by_id["attachment"]["payload"]["elements"][0] == {"media_type": "image", "attachment_id": "att-1"}
    buttons = m.buttons_message(
        "Chọn",
        [
            m.url_button("Cổng DVC", "https://dichvucong.gov.vn"),
            m.query_button("Thủ tục", "#thu-tuc"),
            m.query_button("Ẩn", "#an", show=False),
            m.phone_button("Gọi 113", "113"),
            m.sms_button("Nhắn tin", "0900000000", "Tôi cần hỗ trợ"),
        ],
    )
    types = [b["type"] for b in buttons["attachment"]["payload"]["buttons"]]
    assert types == ["oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.phone", "oa.open.sms"]
    assert buttons["attachment"]["payload"]["buttons"][3]["payload"] == {"phone_code": "113"}
    assert buttons["attachment"]["payload"]["buttons"][1]["payload"] == "#thu-tuc"
    info = m.request_user_info_message("Cho biết thông tin", "Để cán bộ liên hệ", "https://x/i.png")
    assert info["attachment"]["payload"]["template_type"] == "request_user_info"
    assert m.quoting({"text": "Đã nhận"}, "msg-9") == {"text": "Đã nhận", "react_message_id": "msg-9"}


def test_split_text_keeps_every_piece_under_the_limit() -> None:
    long = ("Câu trả lời dài. " * 300).strip()
    pieces = m.split_text(long)
    assert len(pieces) > 1
    assert all(len(p) <= 2000 for p in pieces)
    assert " ".join(pieces).split() == long.split()


def test_template_message_goes_to_zns() -> None:
    client, seen = make(lambda r: ok({"msg_id": "z-1", "sent_time": "1", "quota": {"dailyQuota": "5000"}}))
    result = client.send_template("t", "84901234567", "tpl-1", {"name": "An"}, tracking_id="trk")
    assert str(seen[0].url) == f"{ZNS}/message/template"
    assert json.loads(seen[0].content) == {
        "phone": "84901234567",
        "template_id": "tpl-1",
        "template_data": {"name": "An"},
        "tracking_id": "trk",
    }
    assert result.msg_id == "z-1"


def test_upload_image_is_multipart_file() -> None:
    client, seen = make(lambda r: ok({"attachment_id": "att-7"}))
    assert client.upload_image("t", "a.png", b"\x89PNG...", "image/png") == "att-7"
    request = seen[0]
    assert request.url.path == "/openapi/v2.0/oa/upload/image"
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="file"; filename="a.png"' in request.content
    with pytest.raises(ValueError):
        client.upload_image("t", "big.jpg", b"x" * 1_000_001)


def test_upload_file_returns_token() -> None:
    client, seen = make(lambda r: ok({"token": "file-tok"}))
    assert client.upload_file("t", "a.pdf", b"%PDF") == "file-tok"
    assert seen[0].url.path == "/openapi/v2.0/oa/upload/file"


def test_user_detail_sends_data_json_param() -> None:
    client, seen = make(lambda r: ok({"display_name": "An", "user_is_follower": True}))
    detail = client.user_detail("t", "u-1")
    assert detail["display_name"] == "An"
    assert seen[0].method == "GET"
    assert json.loads(seen[0].url.params["data"]) == {"user_id": "u-1"}


def test_followers_paging_walks_every_page() -> None:
    users = [f"u{i}" for i in range(120)]

    def page(request: httpx.Request) -> httpx.Response:
        query = json.loads(request.url.params["data"])
        chunk = users[query["offset"] : query["offset"] + query["count"]]
        return ok(
            {
                "total": len(users),
                "count": len(chunk),
                "offset": query["offset"],
                "users": [{"user_id": u} for u in chunk],
            }
        )

    client, seen = make(page)
    assert list(client.iter_followers("t")) == users
    assert [json.loads(r.url.params["data"])["offset"] for r in seen] == [0, 50, 100]
    assert all(json.loads(r.url.params["data"])["count"] == 50 for r in seen)
    with pytest.raises(ValueError):
        client.followers_page("t", offset=0, count=51)
    with pytest.raises(ValueError):
        client.followers_page("t", offset=9952)


def test_tags_endpoints() -> None:
    client, seen = make(lambda r: ok(["vip", "phường"]) if r.url.path.endswith("gettagsofoa") else ok({}))
    client.tag_follower("t", "u-1", "phường")
    client.untag_follower("t", "u-1", "phường")
    client.remove_tag("t", "phường")
    assert client.tags("t") == ["vip", "phường"]
    assert [r.url.path.rsplit("/", 1)[1] for r in seen] == [
        "tagfollower",
        "rmfollowerfromtag",
        "rmtag",
        "gettagsofoa",
    ]
    assert json.loads(seen[0].content) == {"user_id": "u-1", "tag_name": "phường"}


def test_articles_and_broadcast() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[1]
        return {
            "create": ok({"token": "art-tok"}),
            "verify": ok({"id": "art-1"}),
            "getslice": ok({"medias": [{"id": "art-1"}], "total": 1}),
            "getdetail": ok({"id": "art-1", "title": "Cảnh báo lừa đảo"}),
            "update": ok({"token": "upd-tok"}),
            "remove": ok({}),
            "message": ok({"message_id": "bc-1"}),
        }[name]

    client, seen = make(route)
    token = client.create_article("t", {"type": "normal", "title": "Cảnh báo lừa đảo"})
    article_id = client.verify_article("t", token)
    assert article_id == "art-1"
    assert client.articles("t")["total"] == 1
    assert client.article_detail("t", "art-1")["title"] == "Cảnh báo lừa đảo"
    assert client.update_article("t", "art-1", {"title": "Mới"}) == "upd-tok"
    client.remove_article("t", "art-1")
    assert client.broadcast_article("t", "art-1", {"cities": "4"}) == "bc-1"
    broadcast = json.loads(seen[-1].content)
    assert seen[-1].url.path == "/openapi/v2.0/oa/message"
    assert broadcast["recipient"] == {"target": {"cities": "4"}}
    assert broadcast["message"]["attachment"]["payload"]["elements"] == [
        {"media_type": "article", "attachment_id": "art-1"}
    ]
    assert json.loads(seen[1].content) == {"token": "art-tok"}


def test_oauth_exchange_and_refresh_are_form_encoded_with_secret_key() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "A2", "refresh_token": "R2", "expires_in": "90000"})

    client, seen = make(answer)
    pair = client.exchange_code("app-1", "s3cret", "code-1", "verifier-1")
    assert (pair.access_token, pair.refresh_token, pair.expires_in) == ("A2", "R2", 90000)
    request = seen[0]
    assert str(request.url) == f"{OAUTH}/v4/oa/access_token"
    assert request.headers["secret_key"] == "s3cret"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(httpx.QueryParams(request.content.decode()))
    assert form == {
        "code": "code-1",
        "app_id": "app-1",
        "grant_type": "authorization_code",
        "code_verifier": "verifier-1",
    }
    client.refresh("app-1", "s3cret", "R1")
    assert dict(httpx.QueryParams(seen[1].content.decode())) == {
        "refresh_token": "R1",
        "app_id": "app-1",
        "grant_type": "refresh_token",
    }


def test_oauth_refusal_is_a_token_error() -> None:
    client, _ = make(
        lambda r: httpx.Response(
            200,
            json={
                "error": -14014,
                "error_name": "Invalid refresh token",
                "error_description": "refresh token is invalid",
            },
        )
    )
    with pytest.raises(ZaloError) as caught:
        client.refresh("app-1", "s", "used")
    assert caught.value.kind == "token"
    assert caught.value.code == -14014
