"""Zalo OA OpenAPI client (httpx): consultation messages, ZNS, uploads, followers, tags, articles,
article broadcasts and OAuth v4.

One synchronous `httpx.Client` per instance; tests and the local cloud inject a transport. Every
response is checked for `error != 0` (Zalo answers failures with HTTP 200) and mapped to `ZaloError`
with a kind (see `anninh.zalo.errors`). The OA access token travels in a bare `access_token` header.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from anninh.settings import get_settings
from anninh.zalo.errors import BAD_RESPONSE, HTTP_ERROR, NETWORK_ERROR, ErrorKind, ZaloError
from anninh.zalo.messages import article_broadcast_message

if TYPE_CHECKING:  # imported on first use: httpx costs ~0.1 s of a cold start
    import httpx

MessageKind = Literal["cs", "transaction", "promotion"]
MAX_PAGE = 50
MAX_OFFSET = 9951


class RateLimit(BaseModel):
    limit: int | None = None
    remain: int | None = None


class SendResult(BaseModel):
    message_id: str
    user_id: str = ""
    quota: dict[str, Any] | None = None
    rate_limit_limit: int | None = None
    rate_limit_remain: int | None = None


class TemplateResult(BaseModel):
    msg_id: str
    sent_time: str = ""
    quota: dict[str, Any] | None = None


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    expires_in: int = Field(default=90000, description="seconds; Zalo sends it as a string")


class FollowersPage(BaseModel):
    total: int
    offset: int
    user_ids: list[str]


def _int_header(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class ZaloClient:
    def __init__(
        self,
        api_base: str | None = None,
        oauth_base: str | None = None,
        zns_base: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        settings = get_settings()
        self.api_base = (api_base or settings.zalo_api_base).rstrip("/")
        self.oauth_base = (oauth_base or settings.zalo_oauth_base).rstrip("/")
        self.zns_base = (zns_base or settings.zns_api_base).rstrip("/")
        import httpx

        self._http = httpx.Client(transport=transport, timeout=timeout)
        self.rate_limit = RateLimit()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ transport and errors
    def _request(
        self,
        method: str,
        url: str,
        *,
        access_token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        all_headers = dict(headers or {})
        if access_token is not None:
            all_headers["access_token"] = access_token
        endpoint = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
        import httpx

        try:
            response = self._http.request(method, url, headers=all_headers, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never reached Zalo: safe to retry.
            raise ZaloError(
                NETWORK_ERROR, f"{type(exc).__name__}: {exc}", "transient", endpoint=endpoint
            ) from exc
        except httpx.TransportError as exc:
            # The request may have been received (read timeout, connection dropped mid-answer).
            raise ZaloError(
                NETWORK_ERROR,
                f"{type(exc).__name__}: {exc}",
                "transient",
                endpoint=endpoint,
                maybe_delivered=True,
            ) from exc
        self.rate_limit = RateLimit(
            limit=_int_header(response.headers.get("X-RateLimit-Limit")),
            remain=_int_header(response.headers.get("X-RateLimit-Remain")),
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise ZaloError(
                HTTP_ERROR,
                f"HTTP {response.status_code}",
                "transient",
                endpoint=endpoint,
                http_status=response.status_code,
                maybe_delivered=response.status_code >= 500,
            )
        try:
            body = response.json()
        except ValueError as exc:
            kind: ErrorKind = "invalid" if response.status_code < 400 else "transient"
            raise ZaloError(
                BAD_RESPONSE,
                f"HTTP {response.status_code}, not JSON",
                kind,
                endpoint=endpoint,
                http_status=response.status_code,
            ) from exc
        if not isinstance(body, dict):
            raise ZaloError(BAD_RESPONSE, "response is not a JSON object", "invalid", endpoint=endpoint)
        code = body.get("error", 0)
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = BAD_RESPONSE
        if code != 0:
            message = str(body.get("message") or body.get("error_description") or "")
            raise ZaloError.from_response(code, message, endpoint, response.status_code)
        if response.status_code >= 400:
            raise ZaloError(
                HTTP_ERROR,
                f"HTTP {response.status_code}",
                "invalid",
                endpoint=endpoint,
                http_status=response.status_code,
            )
        return body

    def _api(self, method: str, path: str, access_token: str, **kwargs: Any) -> dict[str, Any]:
        body = self._request(method, f"{self.api_base}{path}", access_token=access_token, **kwargs)
        data = body.get("data")
        return data if isinstance(data, dict) else {"value": data} if data is not None else {}

    @staticmethod
    def _data_param(data: dict[str, Any]) -> dict[str, str]:
        return {"data": json.dumps(data, separators=(",", ":"), ensure_ascii=False)}

    # ------------------------------------------------------------------ messages
    def send_message(
        self,
        access_token: str,
        user_id: str,
        message: dict[str, Any],
        kind: MessageKind = "cs",
        reply_to: str | None = None,
    ) -> SendResult:
        """Send one message to a follower; `message` comes from `anninh.zalo.messages`.

        `reply_to` is the id of the citizen's message being answered: the request then names it in
        `recipient.message_id` (instead of `user_id`) and Zalo counts the send as a free reply when it
        falls within 48 hours and 8 replies of the citizen's latest message (docs/zalo.md).
        """
        recipient = {"message_id": reply_to} if reply_to else {"user_id": user_id}
        body = {"recipient": recipient, "message": message}
        data = self._request(
            "POST", f"{self.api_base}/v3.0/oa/message/{kind}", access_token=access_token, json=body
        )
        payload = data.get("data") or {}
        message_id = str(payload.get("message_id") or "")
        if not message_id:
            raise ZaloError(
                BAD_RESPONSE,
                "success without message_id",
                "invalid",
                endpoint=f"v3.0/oa/message/{kind}",
                maybe_delivered=True,
            )
        return SendResult(
            message_id=message_id,
            user_id=str(payload.get("user_id") or user_id),
            quota=payload.get("quota"),
            rate_limit_limit=self.rate_limit.limit,
            rate_limit_remain=self.rate_limit.remain,
        )

    def proactive_quota(self, access_token: str) -> dict[str, Any]:
        """The OA's proactive quota this month, `v2.0/oa/quota/message` without a message id:
        `{"type": "active", "remain", "total"}` (docs/zalo.md, S3)."""
        return self._api("POST", "/v2.0/oa/quota/message", access_token, json={})

    def conversation(self, access_token: str, user_id: str, count: int = 10) -> list[dict[str, Any]]:
        """The latest messages between the OA and one citizen, newest first (at most 10):
        `message_id`, `src` (0 = the OA, 1 = the citizen), `time` (ms), `type`, `message`."""
        body = self._request(
            "GET",
            f"{self.api_base}/v2.0/oa/conversation",
            access_token=access_token,
            params=self._data_param({"user_id": user_id, "offset": 0, "count": min(10, max(1, count))}),
        )
        data = body.get("data")
        return [m for m in data if isinstance(m, dict)] if isinstance(data, list) else []

    def find_sent(
        self, access_token: str, user_id: str, message: dict[str, Any], since_ms: int
    ) -> str | Literal[False] | None:
        """After a lost answer: did a message go out? Zalo's message id when the conversation shows
        an OA message with the same text sent since `since_ms` (epoch ms), False when it shows none,
        None when Zalo cannot tell (the lookup failed, or the message has no text to recognise)."""
        text = message.get("text")
        if not isinstance(text, str) or not text or "attachment" in message:
            return None
        try:
            latest = self.conversation(access_token, user_id, count=10)
        except ZaloError:
            return None
        for item in latest:
            try:
                at_ms = int(item.get("time") or 0)
            except (TypeError, ValueError):
                at_ms = 0
            if str(item.get("src")) == "0" and item.get("message") == text and at_ms >= since_ms:
                return str(item.get("message_id") or "") or None
        return False

    def send_template(
        self,
        access_token: str,
        phone: str,
        template_id: str,
        template_data: dict[str, Any],
        tracking_id: str = "",
    ) -> TemplateResult:
        """A ZNS template message to a phone number (84xxxxxxxxx)."""
        body: dict[str, Any] = {"phone": phone, "template_id": template_id, "template_data": template_data}
        if tracking_id:
            body["tracking_id"] = tracking_id
        data = self._request(
            "POST", f"{self.zns_base}/message/template", access_token=access_token, json=body
        )
        payload = data.get("data") or {}
        return TemplateResult(
            msg_id=str(payload.get("msg_id") or ""),
            sent_time=str(payload.get("sent_time") or ""),
            quota=payload.get("quota"),
        )

    def broadcast_article(
        self, access_token: str, article_id: str, target: dict[str, Any] | None = None
    ) -> str:
        """Broadcast an article to the OA's followers (Zalo fans it out); returns the message id."""
        body = {"recipient": {"target": target or {}}, "message": article_broadcast_message(article_id)}
        data = self._api("POST", "/v2.0/oa/message", access_token, json=body)
        return str(data.get("message_id") or "")

    # ------------------------------------------------------------------ uploads
    def _upload(
        self, access_token: str, what: str, filename: str, content: bytes, content_type: str
    ) -> dict[str, Any]:
        files = {"file": (filename, content, content_type)}
        return self._api("POST", f"/v2.0/oa/upload/{what}", access_token, files=files)

    def upload_image(
        self, access_token: str, filename: str, content: bytes, content_type: str = "image/jpeg"
    ) -> str:
        """jpg/png up to 1 MB; returns the attachment_id for `image_message`."""
        if len(content) > 1_000_000:
            raise ValueError("Zalo accepts images up to 1 MB")
        return str(self._upload(access_token, "image", filename, content, content_type)["attachment_id"])

    def upload_gif(self, access_token: str, filename: str, content: bytes) -> str:
        return str(self._upload(access_token, "gif", filename, content, "image/gif")["attachment_id"])

    def upload_file(
        self, access_token: str, filename: str, content: bytes, content_type: str = "application/pdf"
    ) -> str:
        """pdf/doc/docx up to 5 MB; returns the file token."""
        if len(content) > 5_000_000:
            raise ValueError("Zalo accepts files up to 5 MB")
        return str(self._upload(access_token, "file", filename, content, content_type)["token"])

    # ------------------------------------------------------------------ followers and tags
    def user_detail(self, access_token: str, user_id: str) -> dict[str, Any]:
        """Profile: display_name, user_is_follower, user_last_interaction_date (DD/MM/YYYY), ..."""
        return self._api(
            "GET", "/v3.0/oa/user/detail", access_token, params=self._data_param({"user_id": user_id})
        )

    def followers_page(
        self, access_token: str, offset: int = 0, count: int = MAX_PAGE, **filters: Any
    ) -> FollowersPage:
        """One page of followers (`count` <= 50, `offset` <= 9951); filters e.g. tag_name, is_follower."""
        if not 0 < count <= MAX_PAGE:
            raise ValueError(f"count must be 1..{MAX_PAGE}")
        if not 0 <= offset <= MAX_OFFSET:
            raise ValueError(f"offset must be 0..{MAX_OFFSET}")
        query = {"offset": offset, "count": count, **filters}
        data = self._api("GET", "/v3.0/oa/user/getlist", access_token, params=self._data_param(query))
        users = data.get("users") or data.get("followers") or []
        ids = [str(u.get("user_id")) for u in users if isinstance(u, dict) and u.get("user_id")]
        return FollowersPage(total=int(data.get("total") or 0), offset=offset, user_ids=ids)

    def iter_followers(self, access_token: str, page_size: int = MAX_PAGE, **filters: Any) -> Iterator[str]:
        """Every follower id Zalo lets us page to (the API stops at offset 9951)."""
        offset = 0
        while offset <= MAX_OFFSET:
            page = self.followers_page(access_token, offset, page_size, **filters)
            yield from page.user_ids
            offset += page_size
            if not page.user_ids or offset >= page.total:
                return

    def tag_follower(self, access_token: str, user_id: str, tag_name: str) -> None:
        self._api(
            "POST", "/v2.0/oa/tag/tagfollower", access_token, json={"user_id": user_id, "tag_name": tag_name}
        )

    def untag_follower(self, access_token: str, user_id: str, tag_name: str) -> None:
        self._api(
            "POST",
            "/v2.0/oa/tag/rmfollowerfromtag",
            access_token,
            json={"user_id": user_id, "tag_name": tag_name},
        )

    def remove_tag(self, access_token: str, tag_name: str) -> None:
        self._api("POST", "/v2.0/oa/tag/rmtag", access_token, json={"tag_name": tag_name})

    def tags(self, access_token: str) -> list[str]:
        body = self._request("GET", f"{self.api_base}/v2.0/oa/tag/gettagsofoa", access_token=access_token)
        data = body.get("data") or []
        return [str(t) for t in data] if isinstance(data, list) else []

    def oa_info(self, access_token: str) -> dict[str, Any]:
        return self._api("GET", "/v2.0/oa/getoa", access_token)

    # ------------------------------------------------------------------ articles
    def create_article(self, access_token: str, article: dict[str, Any]) -> str:
        """Submit an article (`type`, `title`, `author`, `cover`, `description`, `body`, `status`...);
        returns the token that `verify_article` turns into the article id."""
        return str(self._api("POST", "/v2.0/article/create", access_token, json=article)["token"])

    def verify_article(self, access_token: str, token: str) -> str:
        return str(self._api("POST", "/v2.0/article/verify", access_token, json={"token": token})["id"])

    def articles(
        self, access_token: str, offset: int = 0, limit: int = 10, article_type: str = "normal"
    ) -> dict[str, Any]:
        return self._api(
            "GET",
            "/v2.0/article/getslice",
            access_token,
            params={"offset": offset, "limit": limit, "type": article_type},
        )

    def article_detail(self, access_token: str, article_id: str) -> dict[str, Any]:
        return self._api("GET", "/v2.0/article/getdetail", access_token, params={"id": article_id})

    def update_article(self, access_token: str, article_id: str, article: dict[str, Any]) -> str:
        data = self._api("POST", "/v2.0/article/update", access_token, json={**article, "id": article_id})
        return str(data.get("token") or "")

    def remove_article(self, access_token: str, article_id: str) -> None:
        self._api("POST", "/v2.0/article/remove", access_token, json={"id": article_id})

    # ------------------------------------------------------------------ OAuth v4
    def _token(self, app_secret: str, form: dict[str, str]) -> TokenPair:
        try:
            body = self._request(
                "POST", f"{self.oauth_base}/v4/oa/access_token", headers={"secret_key": app_secret}, data=form
            )
        except ZaloError as exc:
            if exc.kind == "transient":
                raise
            # A rejected code or refresh token: only an admin re-authorising the OA helps.
            raise ZaloError(
                exc.code, exc.message, "token", endpoint=exc.endpoint, http_status=exc.http_status
            ) from exc
        if not body.get("access_token") or not body.get("refresh_token"):
            # OAuth failures come as {"error_name", "error_description"} without a usable pair.
            raise ZaloError(
                BAD_RESPONSE,
                str(body.get("error_description") or "no token in answer"),
                "token",
                endpoint="v4/oa/access_token",
            )
        return TokenPair(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            expires_in=int(body.get("expires_in") or 90000),
        )

    def exchange_code(self, app_id: str, app_secret: str, code: str, code_verifier: str) -> TokenPair:
        return self._token(
            app_secret,
            {
                "code": code,
                "app_id": app_id,
                "grant_type": "authorization_code",
                "code_verifier": code_verifier,
            },
        )

    def refresh(self, app_id: str, app_secret: str, refresh_token: str) -> TokenPair:
        """Single use: the refresh token is consumed and a new pair returned."""
        return self._token(
            app_secret, {"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"}
        )
