"""The fake Zalo platform in-process (werkzeug test client): tokens, records, faults, limits, OAuth."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from anninh.registry import Registry
from localcloud.fake_zalo import FakeZalo, _DropConnection

ROOT = Path(__file__).resolve().parents[2]
CS = "/_local/zalo/v3.0/oa/message/cs"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def registry() -> Registry:
    return Registry.load(ROOT / "demo" / "registry.json")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(registry: Registry, clock: Clock) -> FakeZalo:
    return FakeZalo(registry, clock=clock)


@pytest.fixture
def client(fake: FakeZalo) -> Client:
    return Client(fake)


def send(
    client: Client, token: str, user_id: str, message: dict[str, Any] | None = None, endpoint: str = CS
) -> Any:
    reply = client.post(
        endpoint,
        headers={"access_token": token},
        json={"recipient": {"user_id": user_id}, "message": message or {"text": "Chào"}},
    )
    assert reply.status_code == 200
    return reply


def test_sends_are_recorded_with_the_body_as_sent(fake: FakeZalo, client: Client, registry: Registry) -> None:
    oa = registry.oas[0].oa_id
    token = fake.issue_tokens(oa)["access_token"]
    buttons = {
        "text": "Chọn",
        "attachment": {
            "type": "template",
            "payload": {
                "buttons": [{"title": "Gọi 113", "type": "oa.open.phone", "payload": {"phone_code": "113"}}]
            },
        },
    }
    first = send(client, token, "u1", buttons).json
    assert first["error"] == 0 and first["data"]["user_id"] == "u1"
    send(client, token, "u2", endpoint="/_local/zalo/v3.0/oa/message/transaction")
    sent = json.loads(client.get("/_local/zalo/sent?user_id=u1").get_data())
    assert sent == [
        {
            "endpoint": "/v3.0/oa/message/cs",
            "oa_id": oa,
            "body": {"recipient": {"user_id": "u1"}, "message": buttons},
            "at": sent[0]["at"],
            "user_id": "u1",
            "reply_to": None,
            "tier": "proactive",
            "message_id": first["data"]["message_id"],
        }
    ]
    assert sent[0]["at"].endswith("Z")
    assert [s["user_id"] for s in fake.sent(oa_id=oa)] == ["u1", "u2"]
    assert fake.sent(oa_id=registry.oas[1].oa_id) == []


def test_bad_tokens_and_bad_bodies_fail_with_http_200(
    fake: FakeZalo, client: Client, clock: Clock, registry: Registry
) -> None:
    token = fake.issue_tokens(registry.oas[0].oa_id)["access_token"]
    assert send(client, "nope", "u").json["error"] == -216
    assert send(client, token, "u", {"text": "x" * 2001}).json["error"] == -201
    assert (
        client.post(CS, headers={"access_token": token}, json={"message": {"text": "a"}}).json["error"]
        == -201
    )
    clock.now += 90_001
    assert send(client, token, "u").json["error"] == -220  # expired after 25 h
    assert fake.sent() == []
    assert [r["error"] for r in fake.requests("/v3.0/oa/message/cs")] == [-216, -201, -201, -220]


def test_faults_count_down_scope_to_a_recipient_and_reset(
    fake: FakeZalo, client: Client, registry: Registry
) -> None:
    token = fake.issue_tokens(registry.oas[0].oa_id)["access_token"]
    assert client.post("/_local/zalo/faults", json={"error": -32, "count": 2}).status_code == 201
    assert [send(client, token, "u").json["error"] for _ in range(3)] == [-32, -32, 0]
    client.post("/_local/zalo/faults", json={"error": -230, "user_id": "stale"})
    assert send(client, token, "stale").json["error"] == -230
    assert send(client, token, "fresh").json["error"] == 0
    assert send(client, token, "stale").json["error"] == -230
    client.post("/_local/zalo/faults", json={"error": "network"})
    with pytest.raises(_DropConnection):
        send(client, token, "u")
    assert client.post("/_local/zalo/faults", json={"error": "oops"}).status_code == 400
    client.post("/_local/zalo/reset")
    assert fake.sent() == [] and send(client, token, "stale").json["error"] == 0


def test_rate_limit_is_app_wide_with_a_sliding_minute(
    fake: FakeZalo, client: Client, clock: Clock, registry: Registry
) -> None:
    client.post("/_local/zalo/config", json={"rate_limit_per_minute": 2})
    tokens = [fake.issue_tokens(oa.oa_id)["access_token"] for oa in registry.oas[:2]]
    replies = [send(client, tokens[i % 2], "u") for i in range(3)]
    assert [r.json["error"] for r in replies] == [0, 0, -32]
    assert [r.headers["X-RateLimit-Remain"] for r in replies] == ["1", "0", "0"]
    assert replies[0].headers["X-RateLimit-Limit"] == "2"
    clock.now += 61
    assert send(client, tokens[0], "u").json["error"] == 0
    assert client.post("/_local/zalo/config", json={"rate_limit_per_minute": 0}).status_code == 400


def test_refresh_tokens_rotate_and_are_single_use(fake: FakeZalo, client: Client, registry: Registry) -> None:
    oa = registry.oas[3]
    app = registry.apps_by_id[oa.app_id]
    first = fake.issue_tokens(oa.oa_id)
    form = {"app_id": app.app_id, "grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    url = "/_local/zalo-oauth/v4/oa/access_token"
    assert client.post(url, data=form, headers={"secret_key": "wrong"}).json["error"] == -14003
    second = client.post(url, data=form, headers={"secret_key": app.app_secret}).json
    assert second["expires_in"] == "90000" and second["refresh_token"] != first["refresh_token"]
    assert send(client, first["access_token"], "u").json["error"] == -216
    assert send(client, second["access_token"], "u").json["error"] == 0
    reused = client.post(url, data=form, headers={"secret_key": app.app_secret}).json
    assert reused["error"] == -14014 and reused["error_name"] == "Invalid refresh token"
    assert (
        client.post(
            url, data={**form, "grant_type": "password"}, headers={"secret_key": app.app_secret}
        ).json["error"]
        == -14004
    )


def test_pkce_authorization_code(fake: FakeZalo, client: Client, registry: Registry) -> None:
    oa = registry.oas[4]
    app = registry.apps_by_id[oa.app_id]
    verifier = "a-long-random-verifier-of-at-least-43-characters-xyz"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    consent = client.get(
        f"/_local/zalo-oauth/v4/oa/permission?app_id={app.app_id}&oa_id={oa.oa_id}"
        f"&redirect_uri=http://ops.local/cb&code_challenge={challenge}&state=s1"
    )
    assert consent.status_code == 302 and consent.headers["Location"].startswith("http://ops.local/cb?code=")
    code = consent.headers["Location"].split("code=")[1].split("&")[0]
    form = {"app_id": app.app_id, "grant_type": "authorization_code", "code": code, "code_verifier": verifier}
    tokens = client.post(
        "/_local/zalo-oauth/v4/oa/access_token", data=form, headers={"secret_key": app.app_secret}
    ).json
    assert send(client, tokens["access_token"], "u").json["error"] == 0
    again = client.post(
        "/_local/zalo-oauth/v4/oa/access_token", data=form, headers={"secret_key": app.app_secret}
    ).json
    assert again["error"] == -14005


def test_followers_tags_profile_and_oa_info(fake: FakeZalo, client: Client, registry: Registry) -> None:
    oa = registry.oas[0]
    token = fake.issue_tokens(oa.oa_id)["access_token"]
    headers = {"access_token": token}
    for user in ("u1", "u2", "u3"):
        fake.add_follower(oa.oa_id, user)
    page = client.get('/_local/zalo/v3.0/oa/user/getlist?data={"offset":1,"count":2}', headers=headers).json
    assert page["data"]["total"] == 3 and [u["user_id"] for u in page["data"]["users"]] == ["u2", "u3"]
    assert (
        client.get('/_local/zalo/v3.0/oa/user/getlist?data={"offset":0,"count":51}', headers=headers).json[
            "error"
        ]
        == -201
    )
    client.post(
        "/_local/zalo/v2.0/oa/tag/tagfollower",
        headers=headers,
        json={"user_id": "u2", "tag_name": "khu-pho-3"},
    )
    tagged = client.get(
        '/_local/zalo/v3.0/oa/user/getlist?data={"offset":0,"count":50,"tag_name":"khu-pho-3"}',
        headers=headers,
    ).json
    assert [u["user_id"] for u in tagged["data"]["users"]] == ["u2"]
    assert client.get("/_local/zalo/v2.0/oa/tag/gettagsofoa", headers=headers).json["data"] == ["khu-pho-3"]
    profile = client.get('/_local/zalo/v3.0/oa/user/detail?data={"user_id":"u2"}', headers=headers).json[
        "data"
    ]
    assert profile["user_is_follower"] is True and profile["tags_and_notes_info"]["tag_names"] == [
        "khu-pho-3"
    ]
    info = client.get("/_local/zalo/v2.0/oa/getoa", headers=headers).json["data"]
    assert info["name"] == oa.name and info["oa_type"] == 4 and info["num_follower"] == 3


def test_uploads_articles_and_article_broadcast(fake: FakeZalo, client: Client, registry: Registry) -> None:
    oa = registry.oas[0]
    headers = {"access_token": fake.issue_tokens(oa.oa_id)["access_token"]}
    image = client.post(
        "/_local/zalo/v2.0/oa/upload/image",
        headers=headers,
        data={"file": (io.BytesIO(b"\xff\xd8\xff" + b"0" * 100), "a.jpg")},
    ).json
    assert image["error"] == 0 and image["data"]["attachment_id"]
    big = client.post(
        "/_local/zalo/v2.0/oa/upload/image",
        headers=headers,
        data={"file": (io.BytesIO(b"0" * 1_000_001), "big.jpg")},
    ).json
    assert big["error"] == -201
    assert (
        client.post(
            "/_local/zalo/v2.0/oa/upload/file", headers=headers, data={"file": (io.BytesIO(b"%PDF"), "x.exe")}
        ).json["error"]
        == -201
    )
    created = client.post(
        "/_local/zalo/v2.0/article/create",
        headers=headers,
        json={"type": "normal", "title": "Cảnh giác lừa đảo", "body": [{"type": "text", "content": "..."}]},
    ).json
    article_id = client.post(
        "/_local/zalo/v2.0/article/verify", headers=headers, json={"token": created["data"]["token"]}
    ).json["data"]["id"]
    listing = client.get(
        "/_local/zalo/v2.0/article/getslice?offset=0&limit=5&type=normal", headers=headers
    ).json
    assert [m["id"] for m in listing["data"]["medias"]] == [article_id]
    broadcast = {
        "recipient": {"target": {"cities": "4"}},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "media",
                    "elements": [{"media_type": "article", "attachment_id": article_id}],
                },
            }
        },
    }
    assert client.post("/_local/zalo/v2.0/oa/message", headers=headers, json=broadcast).json["error"] == 0
    broadcast["message"]["attachment"]["payload"]["elements"][0]["attachment_id"] = "unknown"
    assert client.post("/_local/zalo/v2.0/oa/message", headers=headers, json=broadcast).json["error"] == -201
    assert [s["endpoint"] for s in fake.sent(oa_id=oa.oa_id)] == ["/v2.0/oa/message"]


def test_cdn_serves_valid_demo_media(client: Client) -> None:
    jpeg = client.get("/_local/zalo-cdn/photo.jpg")
    assert jpeg.status_code == 200 and jpeg.mimetype == "image/jpeg"
    data = jpeg.get_data()
    assert data.startswith(b"\xff\xd8\xff\xe0") and data.endswith(b"\xff\xd9")
    png = client.get("/_local/zalo-cdn/x.png").get_data()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get("/_local/zalo-cdn/x.exe").status_code == 404
