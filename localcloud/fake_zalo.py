"""A local fake of Zalo's OA OpenAPI, OAuth v4, ZNS and media CDN that records every request.

Mounted by the local cloud under:
  /_local/zalo/v2.0/..., /_local/zalo/v3.0/...   the OA OpenAPI (header `access_token`)
  /_local/zalo-oauth/v4/oa/access_token          OAuth v4 (form-encoded, header `secret_key`)
  /_local/zns/message/template                   ZNS template messages
  /_local/zalo-cdn/<name>                        demo media (what attachment URLs point to)
and controlled through:
  GET  /_local/zalo/sent?user_id=&oa_id=         successful message deliveries, oldest first
  GET  /_local/zalo/requests?endpoint=&oa_id=    every request, failures included
  POST /_local/zalo/faults                       {"error": -32 | "network" | "lost_answer", "count"?,
                                                 "user_id"?, "oa_id"?} (lost_answer: the send is
                                                 taken, the connection drops before the answer)
                                                 "endpoint"?}; GET lists them, DELETE clears them
  POST /_local/zalo/reset                        forget records and faults (tokens stay valid)
  GET|POST /_local/zalo/config                   {"rate_limit_per_minute", "enforce_quiet_hours",
                                                 "proactive_quota_per_month"}
  GET  /_local/zalo/quota?oa_id=                 the fake's tier ledger: proactive sends per OA and month
  POST /_local/zalo/followers                    {"oa_id", "user_id", "display_name"?} add a follower
  POST /_local/zalo/tokens/expire                {"oa_id"} the OA's current access token expires now
  GET  /_local/zalo/tokens                       current token state per OA (local only)
  POST /_local/zalo-oauth/codes                  {"oa_id", "code_challenge"?} mint an authorization code
  GET  /_local/zalo-oauth/v4/oa/permission       the OA admin's consent page: redirects with ?code=

Like the platform, errors come back with HTTP 200 and `"error" != 0`.

Message tiers (docs/zalo.md): the fake learns each citizen's messages from the webhook events the local
cloud receives (`observe_webhook`), as Zalo knows what it delivered. A consultation message whose
`recipient.message_id` names a message of the citizen, sent within 48 hours of the citizen's latest
message and among the first 8 since then, uses the free reply quota (`data.quota.quota_type` "reply");
anything else is proactive and counts against the OA's monthly quota (Vietnam month), refused with
-211 beyond `proactive_quota_per_month` when that is configured (unlimited by default, so local demos
and benchmarks are not cut off; production OAs get 1,000 a month).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from anninh.registry import Registry
from localcloud import demo_media

API_PREFIX = "/_local/zalo"
OAUTH_PREFIX = "/_local/zalo-oauth"
ZNS_PREFIX = "/_local/zns"
CDN_PREFIX = "/_local/zalo-cdn"

ACCESS_TOKEN_SECONDS = 90_000  # 25 h, as Zalo says ("expires_in": "90000")
REFRESH_TOKEN_SECONDS = 90 * 86_400
CODE_SECONDS = 600
MESSAGE_ENDPOINTS = (
    "/v3.0/oa/message/cs",
    "/v3.0/oa/message/transaction",
    "/v3.0/oa/message/promotion",
    "/v3.0/oa/message/template",
)
BROADCAST_ENDPOINT = "/v2.0/oa/message"
ZNS_ENDPOINT = "/zns/message/template"
QUOTA_ENDPOINT = "/v2.0/oa/quota/message"
CONVERSATION_ENDPOINT = "/v2.0/oa/conversation"
FREE_REPLIES = 8
REPLY_WINDOW_SECONDS = 48 * 3600
SEND_ENDPOINTS = (*MESSAGE_ENDPOINTS, BROADCAST_ENDPOINT, ZNS_ENDPOINT)
MAX_TEXT = 2000
VN = timedelta(hours=7)

ERROR_MESSAGES = {
    -32: "The request exceeds the app's rate limit",
    -201: "Parameters are invalid",
    -204: "Official Account has been deleted",
    -205: "Official Account does not exist",
    -211: "Out of quota",
    -213: "User has not followed the Official Account",
    -216: "Access token is invalid",
    -218: "Out of quota for this recipient",
    -220: "Access token has expired",
    -221: "Official Account is not verified",
    -223: "Official Account has not authorised this API",
    -224: "Official Account needs a package upgrade",
    -227: "User is banned or has been inactive for more than 45 days",
    -230: "User has not interacted with the Official Account in the last 7 days",
    -232: "User's interaction has expired",
    -234: "Promotion messages cannot be sent at this hour",
    -240: "The v2 message API has been shut down",
    -244: "User has restricted this type of message",
    -248: "The message violates Zalo's standards",
}
# OAuth v4 errors come as {"error", "error_name", "error_reason", "error_description"} with HTTP 200.
OAUTH_ERRORS = {
    -14002: ("Invalid app id", "app_id is missing or unknown"),
    -14003: ("Invalid secret key", "secret_key does not match the app"),
    -14004: ("Invalid grant type", "grant_type must be authorization_code or refresh_token"),
    -14005: ("Invalid code", "the authorization code is unknown, used or expired"),
    -14014: ("Invalid refresh token", "the refresh token is unknown, already used or expired"),
    -14019: ("Invalid code verifier", "code_verifier does not match the code_challenge"),
}


def vn_month_of_iso(value: str) -> str:
    return (datetime.fromisoformat(value.replace("Z", "+00:00")) + VN).strftime("%Y-%m")


def iso_now(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def pkce_challenge(verifier: str) -> str:
    """S256 code challenge: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass
class _Token:
    oa_id: str
    app_id: str
    expires_at: float
    revoked: bool = False


@dataclass
class _Fault:
    error: int | str
    remaining: int | None  # None: until reset
    user_id: str | None = None
    oa_id: str | None = None
    endpoint: str | None = None

    def matches(self, endpoint: str, oa_id: str | None, user_id: str | None) -> bool:
        return (
            (self.user_id is None or self.user_id == user_id)
            and (self.oa_id is None or self.oa_id == oa_id)
            and (self.endpoint is None or endpoint.endswith(self.endpoint))
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "count": self.remaining,
            "user_id": self.user_id,
            "oa_id": self.oa_id,
            "endpoint": self.endpoint,
        }


@dataclass
class _OaState:
    followers: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, set[str]] = field(default_factory=dict)
    articles: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_articles: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> article


@dataclass
class _Thread:
    """One citizen's conversation with one OA, as the platform tracks it for reply quotas."""

    last_user_msg_id: str = ""
    last_user_at: float = 0.0  # seconds, from the webhook event's timestamp
    replies_used: int = 0  # free replies used since the citizen's latest message
    user_msg_ids: set[str] = field(default_factory=set)


def vn_month(at: float) -> str:
    return (datetime.fromtimestamp(at, UTC) + VN).strftime("%Y-%m")


def vn_month_end(at: float) -> str:
    local = datetime.fromtimestamp(at, UTC) + VN
    first_next = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (first_next - timedelta(days=1)).strftime("%d/%m/%Y")


class _DropConnection(Exception):
    """Fault injection: close the socket without an answer."""


class FakeZalo:
    """The fake platform's state and its WSGI application (thread-safe)."""

    def __init__(self, registry: Registry, rate_limit_per_minute: int = 4000, clock: Any = time.time) -> None:
        self.registry = registry
        self.clock = clock
        self.rate_limit_per_minute = rate_limit_per_minute
        self.enforce_quiet_hours = False
        self._lock = threading.RLock()
        self._requests: list[dict[str, Any]] = []
        self._sent: list[dict[str, Any]] = []
        self._faults: list[_Fault] = []
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Token] = {}
        self._current: dict[str, tuple[str, str]] = {}  # oa_id -> (access, refresh)
        self._codes: dict[str, dict[str, Any]] = {}
        self._windows: dict[str, deque[float]] = {}  # app_id -> accepted request times
        self._oas: dict[str, _OaState] = {}
        # Message tiers: conversations keyed (oa_id, user_id), user message ids -> (oa_id, user_id),
        # proactive sends per (oa_id, Vietnam month).
        self.proactive_quota_per_month: int | None = None
        self._threads: dict[tuple[str, str], _Thread] = {}
        self._user_msgs: dict[str, tuple[str, str]] = {}
        self._proactive: dict[tuple[str, str], int] = {}

    # ------------------------------------------------------------------ tokens
    def issue_tokens(self, oa_id: str) -> dict[str, Any]:
        """Mint a fresh token pair for an OA (revoking the previous pair), as a consent would."""
        oa = self.registry.oa(oa_id)
        if oa is None:
            raise KeyError(f"unknown OA {oa_id}")
        now = self.clock()
        with self._lock:
            old = self._current.get(oa_id)
            if old:
                self._revoke(*old)
            access = "fake-at-" + secrets.token_urlsafe(24)
            refresh = "fake-rt-" + secrets.token_urlsafe(24)
            self._access[access] = _Token(oa_id, oa.app_id, now + ACCESS_TOKEN_SECONDS)
            self._refresh[refresh] = _Token(oa_id, oa.app_id, now + REFRESH_TOKEN_SECONDS)
            self._current[oa_id] = (access, refresh)
        return {"access_token": access, "refresh_token": refresh, "expires_in": str(ACCESS_TOKEN_SECONDS)}

    def _revoke(self, access: str, refresh: str) -> None:
        if access in self._access:
            self._access[access].revoked = True
        if refresh in self._refresh:
            self._refresh[refresh].revoked = True

    def expire_access_token(self, oa_id: str) -> None:
        with self._lock:
            current = self._current.get(oa_id)
            if current and current[0] in self._access:
                self._access[current[0]].expires_at = self.clock() - 1

    def mint_code(self, oa_id: str, code_challenge: str | None = None) -> str:
        if self.registry.oa(oa_id) is None:
            raise KeyError(f"unknown OA {oa_id}")
        code = "fake-code-" + secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = {
                "oa_id": oa_id,
                "challenge": code_challenge,
                "expires_at": self.clock() + CODE_SECONDS,
                "used": False,
            }
        return code

    def _token_error(self, token: str | None) -> tuple[int, _Token | None]:
        if not token:
            return -216, None
        record = self._access.get(token)
        if record is None or record.revoked:
            return -216, None
        if record.expires_at <= self.clock():
            return -220, None
        return 0, record

    # ------------------------------------------------------------------ records
    def sent(self, user_id: str | None = None, oa_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                dict(s)
                for s in self._sent
                if (user_id is None or s.get("user_id") == user_id) and (oa_id is None or s["oa_id"] == oa_id)
            ]

    def requests(self, endpoint: str | None = None, oa_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                dict(r)
                for r in self._requests
                if (endpoint is None or r["endpoint"].endswith(endpoint))
                and (oa_id is None or r.get("oa_id") == oa_id)
            ]

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._sent.clear()
            self._faults.clear()
            self._windows.clear()
            self._threads.clear()
            self._user_msgs.clear()
            self._proactive.clear()

    def add_fault(self, spec: dict[str, Any]) -> _Fault:
        error = spec.get("error")
        if not (error in ("network", "lost_answer") or (isinstance(error, int) and error < 0)):
            raise ValueError('"error" must be a negative Zalo error code, "network" or "lost_answer"')
        user_id = spec.get("user_id")
        count = spec.get("count")
        if count is None:
            count = None if user_id else 1  # a recipient's condition lasts; a glitch happens once
        elif not isinstance(count, int) or count < 1:
            raise ValueError('"count" must be a positive integer')
        fault = _Fault(
            error,
            count,
            str(user_id) if user_id else None,
            str(spec["oa_id"]) if spec.get("oa_id") else None,
            spec.get("endpoint"),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def _take_fault(self, endpoint: str, oa_id: str | None, user_id: str | None) -> int | str | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(endpoint, oa_id, user_id):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault.error
        return None

    # ------------------------------------------------------------------ message tiers
    def observe_webhook(self, raw: bytes) -> None:
        """Learn a citizen's message from a webhook event the local cloud received (Zalo sent it)."""
        try:
            event = json.loads(raw or b"{}")
        except (ValueError, RecursionError):  # hostile bodies are the webhook's to answer, not ours
            return
        if not isinstance(event, dict) or not str(event.get("event_name", "")).startswith("user_send_"):
            return
        message = _dict(event.get("message"))
        sender = _dict(event.get("sender"))
        recipient = _dict(event.get("recipient"))
        try:
            at = int(str(event.get("timestamp"))) / 1000.0
        except ValueError:
            at = self.clock()
        if message.get("msg_id") and sender.get("id") and recipient.get("id"):
            self.observe_user_message(str(recipient["id"]), str(sender["id"]), str(message["msg_id"]), at)

    def observe_user_message(self, oa_id: str, user_id: str, msg_id: str, at: float) -> None:
        """A citizen wrote to the OA at `at`: a new 48-hour window with 8 free replies starts."""
        with self._lock:
            thread = self._threads.setdefault((oa_id, user_id), _Thread())
            thread.user_msg_ids.add(msg_id)
            self._user_msgs[msg_id] = (oa_id, user_id)
            if at >= thread.last_user_at:
                thread.last_user_msg_id, thread.last_user_at, thread.replies_used = msg_id, at, 0

    def _take_tier(self, oa_id: str, user_id: str, reply_to: str | None) -> dict[str, Any] | None:
        """Classify and consume one send; the `data.quota` answer, or None when out of quota (-211)."""
        now = self.clock()
        with self._lock:
            thread = self._threads.get((oa_id, user_id))
            if (
                reply_to
                and thread is not None
                and reply_to in thread.user_msg_ids
                and now - thread.last_user_at <= REPLY_WINDOW_SECONDS
                and thread.replies_used < FREE_REPLIES
            ):
                thread.replies_used += 1
                return {
                    "quota_type": "reply",
                    "remain": str(FREE_REPLIES - thread.replies_used),
                    "total": "8",
                }
            month = vn_month(now)
            used = self._proactive.get((oa_id, month), 0)
            limit = self.proactive_quota_per_month
            if limit is not None and used >= limit:
                return None
            self._proactive[(oa_id, month)] = used + 1
            quota: dict[str, Any] = {"quota_type": "sub_quota", "expired_date": vn_month_end(now)}
            if limit is not None:
                quota.update({"remain": str(limit - used - 1), "total": str(limit)})
            return quota

    def quota(self, oa_id: str, month: str | None = None) -> dict[str, Any]:
        """The fake's own tier ledger for an OA (local control endpoint, not a Zalo API)."""
        month = month or vn_month(self.clock())
        with self._lock:
            used = self._proactive.get((oa_id, month), 0)
            sent = [s for s in self._sent if s["oa_id"] == oa_id and vn_month_of_iso(s["at"]) == month]
        tiers: dict[str, int] = {}
        for s in sent:
            tier = str(s.get("tier") or "")
            if tier:
                tiers[tier] = tiers.get(tier, 0) + 1
        return {
            "oa_id": oa_id,
            "month": month,
            "proactive_used": used,
            "proactive_limit": self.proactive_quota_per_month,
            "sent_by_tier": tiers,
        }

    def add_follower(self, oa_id: str, user_id: str, display_name: str = "") -> None:
        with self._lock:
            self._oa(oa_id).followers[user_id] = {
                "user_id": user_id,
                "display_name": display_name or f"Người dùng {user_id[-4:]}",
                "followed_at": self.clock(),
            }

    def _oa(self, oa_id: str) -> _OaState:
        return self._oas.setdefault(oa_id, _OaState())

    # ------------------------------------------------------------------ rate limit
    def _rate(self, app_id: str) -> tuple[bool, int]:
        """Admit one request of the app under the sliding 60 s window; returns (ok, remaining)."""
        now = self.clock()
        with self._lock:
            window = self._windows.setdefault(app_id, deque())
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= self.rate_limit_per_minute:
                return False, 0
            window.append(now)
            return True, self.rate_limit_per_minute - len(window)

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except _DropConnection:
            sock = environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            raise
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith(CDN_PREFIX + "/"):
            return self._cdn(request, path[len(CDN_PREFIX) + 1 :])
        if path.startswith(OAUTH_PREFIX + "/"):
            return self._oauth(request, path[len(OAUTH_PREFIX) :])
        if path.startswith(ZNS_PREFIX + "/"):
            return self._openapi(request, "/zns" + path[len(ZNS_PREFIX) :])
        if path.startswith(API_PREFIX + "/"):
            sub = path[len(API_PREFIX) :]
            if sub.startswith(("/v2.0/", "/v3.0/")):
                return self._openapi(request, sub)
            return self._control(request, sub)
        return _json({"message": "Not Found"}, 404)

    # ------------------------------------------------------------------ control
    def _control(self, request: Request, sub: str) -> Response:
        args = request.args
        if sub == "/sent" and request.method == "GET":
            return _json(self.sent(args.get("user_id") or None, args.get("oa_id") or None))
        if sub == "/requests" and request.method == "GET":
            return _json(self.requests(args.get("endpoint") or None, args.get("oa_id") or None))
        if sub == "/reset" and request.method == "POST":
            self.reset()
            return _json({"status": "reset"})
        if sub == "/faults":
            if request.method == "GET":
                with self._lock:
                    return _json([f.as_json() for f in self._faults])
            if request.method == "DELETE":
                with self._lock:
                    self._faults.clear()
                return _json({"status": "cleared"})
            if request.method == "POST":
                try:
                    fault = self.add_fault(_body_json(request))
                except (ValueError, TypeError) as exc:
                    return _json({"message": str(exc)}, 400)
                return _json(fault.as_json(), 201)
        if sub == "/config":
            if request.method == "POST":
                body = _body_json(request)
                limit = body.get("rate_limit_per_minute")
                if limit is not None:
                    if not isinstance(limit, int) or limit < 1:
                        return _json({"message": "rate_limit_per_minute must be a positive integer"}, 400)
                    with self._lock:
                        self.rate_limit_per_minute = limit
                        self._windows.clear()
                if "enforce_quiet_hours" in body:
                    self.enforce_quiet_hours = bool(body["enforce_quiet_hours"])
                if "proactive_quota_per_month" in body:
                    quota = body["proactive_quota_per_month"]
                    if quota is not None and (
                        not isinstance(quota, int) or isinstance(quota, bool) or quota < 0
                    ):
                        return _json(
                            {"message": "proactive_quota_per_month must be a non-negative integer or null"},
                            400,
                        )
                    with self._lock:
                        self.proactive_quota_per_month = quota
            return _json(
                {
                    "rate_limit_per_minute": self.rate_limit_per_minute,
                    "enforce_quiet_hours": self.enforce_quiet_hours,
                    "proactive_quota_per_month": self.proactive_quota_per_month,
                }
            )
        if sub == "/quota" and request.method == "GET":
            oa_id = args.get("oa_id") or ""
            if not oa_id:
                return _json({"message": "oa_id is required"}, 400)
            return _json(self.quota(oa_id, args.get("month") or None))
        if sub == "/followers" and request.method == "POST":
            body = _body_json(request)
            if not body.get("oa_id") or not body.get("user_id"):
                return _json({"message": "oa_id and user_id are required"}, 400)
            self.add_follower(str(body["oa_id"]), str(body["user_id"]), str(body.get("display_name", "")))
            return _json({"status": "added"}, 201)
        if sub == "/tokens" and request.method == "GET":
            with self._lock:
                out = {
                    oa: {
                        "access_token": a,
                        "refresh_token": r,
                        "expires_at": iso_now(self._access[a].expires_at),
                    }
                    for oa, (a, r) in self._current.items()
                }
            return _json(out)
        if sub == "/tokens/expire" and request.method == "POST":
            oa_id = str(_body_json(request).get("oa_id", ""))
            if oa_id not in self._current:
                return _json({"message": "unknown oa_id"}, 404)
            self.expire_access_token(oa_id)
            return _json({"status": "expired", "oa_id": oa_id})
        return _json({"message": "Not Found"}, 404)

    # ------------------------------------------------------------------ CDN
    def _cdn(self, request: Request, name: str) -> Response:
        self._record(request, "cdn", "/" + name, oa_id=None, error=0, response=None)
        media = demo_media.for_name(name)
        if media is None or "/" in name or request.method not in ("GET", "HEAD"):
            return Response(b"not found", 404, content_type="text/plain")
        data, content_type = media
        return Response(
            data, 200, content_type=content_type, headers={"Cache-Control": "public, max-age=3600"}
        )

    # ------------------------------------------------------------------ OAuth
    def _oauth(self, request: Request, sub: str) -> Response:
        if sub == "/codes" and request.method == "POST":
            body = _body_json(request)
            try:
                code = self.mint_code(str(body.get("oa_id", "")), body.get("code_challenge"))
            except KeyError as exc:
                return _json({"message": str(exc)}, 404)
            oa = self.registry.oa(str(body["oa_id"]))
            return _json({"code": code, "oa_id": body["oa_id"], "app_id": oa.app_id if oa else ""}, 201)
        if sub == "/v4/oa/permission" and request.method == "GET":
            oa_id = request.args.get("oa_id") or (self.registry.oas[0].oa_id if self.registry.oas else "")
            try:
                code = self.mint_code(oa_id, request.args.get("code_challenge"))
            except KeyError:
                return _json({"message": "unknown oa_id"}, 404)
            redirect = request.args.get("redirect_uri", "")
            query = urlencode({"code": code, "oa_id": oa_id, "state": request.args.get("state", "")})
            if not redirect:
                return _json({"code": code, "oa_id": oa_id})
            return Response(
                "", 302, headers={"Location": f"{redirect}{'&' if '?' in redirect else '?'}{query}"}
            )
        if sub == "/v4/oa/access_token" and request.method == "POST":
            result, token_oa = self._access_token(request)
            self._record(
                request, "oauth", sub, oa_id=token_oa, error=int(result.get("error", 0)), response=result
            )
            return _json(result)
        return _json({"message": "Not Found"}, 404)

    def _access_token(self, request: Request) -> tuple[dict[str, Any], str | None]:
        form = request.form
        app = self.registry.apps_by_id.get(form.get("app_id", ""))
        if app is None:
            return _oauth_error(-14002), None
        if not secrets.compare_digest(request.headers.get("secret_key", ""), app.app_secret):
            return _oauth_error(-14003), None
        grant = form.get("grant_type", "")
        now = self.clock()
        with self._lock:
            if grant == "authorization_code":
                code = self._codes.get(form.get("code", ""))
                if code is None or code["used"] or code["expires_at"] <= now:
                    return _oauth_error(-14005), None
                oa = self.registry.oa(code["oa_id"])
                if oa is None or oa.app_id != app.app_id:
                    return _oauth_error(-14005), None
                code["used"] = True
                if code["challenge"] and pkce_challenge(form.get("code_verifier", "")) != code["challenge"]:
                    return _oauth_error(-14019), code["oa_id"]
                return self.issue_tokens(code["oa_id"]), code["oa_id"]
            if grant == "refresh_token":
                record = self._refresh.get(form.get("refresh_token", ""))
                if (
                    record is None
                    or record.revoked
                    or record.expires_at <= now
                    or record.app_id != app.app_id
                ):
                    return _oauth_error(-14014), record.oa_id if record else None
                return self.issue_tokens(record.oa_id), record.oa_id
        return _oauth_error(-14004), None

    # ------------------------------------------------------------------ OpenAPI
    def _openapi(self, request: Request, endpoint: str) -> Response:
        body = _request_body(request)
        user_id = _recipient(endpoint, body, request)
        reply_to = _reply_to(body)
        if user_id is None and reply_to is not None:
            with self._lock:
                owner = self._user_msgs.get(reply_to)
            user_id = owner[1] if owner else None
        headers: dict[str, str] = {}
        if endpoint in SEND_ENDPOINTS and self._take_fault_network(endpoint, request, user_id):
            self._record(request, "openapi", endpoint, oa_id=None, error="network", response=None, body=body)
            raise _DropConnection
        with self._lock:
            code, token = self._token_error(request.headers.get("access_token"))
        oa_id = token.oa_id if token else None
        if token is None:
            return self._answer(
                request, endpoint, oa_id=oa_id, body=body, result=_error(code), headers=headers
            )
        if not endpoint.startswith("/zns/"):
            ok, remaining = self._rate(token.app_id)
            headers = {
                "X-RateLimit-Limit": str(self.rate_limit_per_minute),
                "X-RateLimit-Remain": str(remaining),
            }
            if not ok:
                return self._answer(
                    request, endpoint, oa_id=oa_id, body=body, result=_error(-32), headers=headers
                )
        fault: int | str | None = None
        if endpoint in SEND_ENDPOINTS:
            fault = self._take_fault(endpoint, oa_id, user_id)
            if isinstance(fault, int):
                return self._answer(
                    request, endpoint, oa_id=oa_id, body=body, result=_error(fault), headers=headers
                )
        result: dict[str, Any]
        handler = _ROUTES.get((request.method, endpoint))
        if handler is None:
            result = {"error": -201, "message": f"Unknown endpoint {request.method} {endpoint}"}
        else:
            result = handler(self, token, body, request)
        if result.get("error") == 0 and endpoint in SEND_ENDPOINTS:
            data = _dict(result.get("data"))
            with self._lock:
                self._sent.append(
                    {
                        "endpoint": endpoint,
                        "oa_id": token.oa_id,
                        "body": body,
                        "at": iso_now(self.clock()),
                        "user_id": user_id or data.get("user_id"),
                        "reply_to": _reply_to(body),
                        "tier": _tier_of(endpoint, data),
                        "message_id": result.get("data", {}).get("message_id")
                        or result.get("data", {}).get("msg_id"),
                    }
                )
        if fault == "lost_answer":  # taken (and recorded as sent), but the caller never hears back
            self._record(
                request, "openapi", endpoint, oa_id=oa_id, error="lost_answer", response=result, body=body
            )
            raise _DropConnection
        return self._answer(request, endpoint, oa_id=oa_id, body=body, result=result, headers=headers)

    def _take_fault_network(self, endpoint: str, request: Request, user_id: str | None) -> bool:
        with self._lock:
            token = self._access.get(request.headers.get("access_token", ""))
            oa_id = token.oa_id if token else None
            # Faults fire in the order they were queued: drop the connection only when the first
            # matching fault is a network one (and consume only that one).
            first = next((f for f in self._faults if f.matches(endpoint, oa_id, user_id)), None)
            if first is None or first.error != "network":
                return False
            if first.remaining is not None:
                first.remaining -= 1
                if first.remaining <= 0:
                    self._faults.remove(first)
            return True

    def _answer(
        self,
        request: Request,
        endpoint: str,
        *,
        oa_id: str | None,
        body: Any,
        result: dict[str, Any],
        headers: dict[str, str],
    ) -> Response:
        service = "openapi" if not endpoint.startswith("/zns/") else "zns"
        self._record(
            request,
            service,
            endpoint,
            oa_id=oa_id,
            error=int(result.get("error", 0)),
            response=result,
            body=body,
        )
        return _json(result, headers=headers)

    def _record(
        self,
        request: Request,
        service: str,
        endpoint: str,
        *,
        oa_id: str | None,
        error: int | str,
        response: Any,
        body: Any = None,
    ) -> None:
        if body is None and service == "oauth":
            body = {k: v for k, v in request.form.items()}
        with self._lock:
            self._requests.append(
                {
                    "at": iso_now(self.clock()),
                    "service": service,
                    "method": request.method,
                    "endpoint": endpoint,
                    "oa_id": oa_id,
                    "query": dict(request.args),
                    "body": body,
                    "error": error,
                    "response": response,
                }
            )

    # ---- endpoint implementations: (fake, token, body, request) -> result dict
    def _send_message(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        if not isinstance(body, dict):
            return _error(-201, "Body must be a JSON object")
        endpoint = request.path[len(API_PREFIX) :]
        recipient: dict[str, Any] = body["recipient"] if isinstance(body.get("recipient"), dict) else {}
        user_id = recipient.get("user_id") or body.get("user_id")
        reply_to = str(recipient["message_id"]) if recipient.get("message_id") else None
        if reply_to is not None:
            # A reply names the citizen's message instead of (or besides) the citizen.
            with self._lock:
                owner = self._user_msgs.get(reply_to)
            if owner is None or owner[0] != token.oa_id or (user_id and str(user_id) != owner[1]):
                return _error(-201, "recipient.message_id is not a message sent to this Official Account")
            user_id = owner[1]
        message = body.get("message")
        if endpoint.endswith("/template") and not message and body.get("template_id"):
            message = {"template_id": body["template_id"]}
        if not user_id or not isinstance(message, dict) or not message:
            return _error(-201, "recipient.user_id and message are required")
        text = message.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
            return _error(-201, f"message.text must be a string of at most {MAX_TEXT} characters")
        if text is None and "attachment" not in message and "template_id" not in message:
            return _error(-201, "message needs text or an attachment")
        if endpoint.endswith("/promotion") and self.enforce_quiet_hours:
            hour = (datetime.fromtimestamp(self.clock(), UTC) + VN).hour
            if hour >= 22 or hour < 6:
                return _error(-234)
        # Only consultation messages can be replies; transaction and promotion messages are sent on the
        # OA's own initiative and draw on the same monthly quota in this fake.
        quota = self._take_tier(token.oa_id, str(user_id), reply_to if endpoint.endswith("/cs") else None)
        if quota is None:
            return _error(-211)
        return _ok(
            {
                "message_id": uuid.uuid4().hex,
                "user_id": str(user_id),
                "sent_time": str(int(self.clock() * 1000)),
                "quota": quota,
            }
        )

    def _broadcast(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        try:
            target = body["recipient"]["target"]
            element = body["message"]["attachment"]["payload"]["elements"][0]
        except (KeyError, IndexError, TypeError):
            return _error(-201, "recipient.target and one article element are required")
        if not isinstance(target, dict) or element.get("media_type") != "article":
            return _error(-201, "Only articles can be broadcast")
        if str(element.get("attachment_id")) not in self._oa(token.oa_id).articles:
            return _error(-201, "Article does not exist")
        return _ok({"message_id": uuid.uuid4().hex})

    def _zns(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("phone") or not body.get("template_id"):
            return _error(-201, "phone and template_id are required")
        return _ok(
            {
                "msg_id": uuid.uuid4().hex,
                "sent_time": str(int(self.clock() * 1000)),
                "quota": {"dailyQuota": "5000", "remainingQuota": "4999"},
            }
        )

    def _quota_message(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        """v2.0/oa/quota/message: without message_id the OA's proactive quota this month; with the
        message_id of a citizen's message, the free replies left for it (docs/zalo.md)."""
        body = body if isinstance(body, dict) else _data_param(request)
        now = self.clock()
        message_id = str(body.get("message_id") or "")
        with self._lock:
            if message_id:
                owner = self._user_msgs.get(message_id)
                if owner is None or owner[0] != token.oa_id:
                    return _error(-201, "message_id is not a message sent to this Official Account")
                thread = self._threads[owner]
                open_ = now - thread.last_user_at <= REPLY_WINDOW_SECONDS
                remain = FREE_REPLIES - thread.replies_used if open_ else 0
                return _ok({"type": "reply", "remain": remain, "total": FREE_REPLIES})
            used = self._proactive.get((token.oa_id, vn_month(now)), 0)
            limit = self.proactive_quota_per_month
        if limit is None:
            return _ok({"type": "active", "remain": None, "total": None, "used": used})
        return _ok({"type": "active", "remain": max(0, limit - used), "total": limit, "used": used})

    def _conversation(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        """v2.0/oa/conversation: the latest messages between the OA and one citizen, newest first."""
        query = _data_param(request)
        user_id = str(query.get("user_id") or "")
        offset, count = int(query.get("offset", 0)), int(query.get("count", 10))
        if not user_id or count < 1 or count > 10 or offset < 0:
            return _error(-201, "user_id is required; count must be 1-10")
        with self._lock:
            out = [
                {
                    "src": 0,
                    "message_id": s["message_id"],
                    "time": int(datetime.fromisoformat(s["at"].replace("Z", "+00:00")).timestamp() * 1000),
                    "type": "text"
                    if isinstance((s["body"] or {}).get("message", {}).get("text"), str)
                    else "link",
                    "message": (s["body"] or {}).get("message", {}).get("text") or "",
                    "from_id": token.oa_id,
                    "to_id": user_id,
                }
                for s in self._sent
                if s["oa_id"] == token.oa_id
                and s.get("user_id") == user_id
                and isinstance(s.get("body"), dict)
            ]
        out.sort(key=lambda m: m["time"], reverse=True)
        return _ok(out[offset : offset + count])

    def _getlist(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        query = _data_param(request)
        offset, count = int(query.get("offset", 0)), int(query.get("count", 50))
        if count < 1 or count > 50 or offset < 0 or offset > 9951:
            return _error(-201, "count must be 1-50 and offset 0-9951")
        state = self._oa(token.oa_id)
        users = sorted(state.followers)
        tag = query.get("tag_name")
        if tag:
            users = [u for u in users if u in state.tags.get(tag, set())]
        page = users[offset : offset + count]
        return _ok(
            {
                "total": len(users),
                "count": len(page),
                "offset": offset,
                "users": [{"user_id": u} for u in page],
            }
        )

    def _detail(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        user_id = str(_data_param(request).get("user_id", ""))
        if not user_id:
            return _error(-201, "user_id is required")
        state = self._oa(token.oa_id)
        follower = state.followers.get(user_id)
        last = datetime.fromtimestamp(follower["followed_at"] if follower else self.clock(), UTC) + VN
        return _ok(
            {
                "user_id": user_id,
                "user_id_by_app": user_id,
                "display_name": follower["display_name"] if follower else f"Người dùng {user_id[-4:]}",
                "user_alias": "",
                "user_is_follower": follower is not None,
                "avatar": "",
                "avatars": {},
                "user_last_interaction_date": last.strftime("%d/%m/%Y"),
                "tags_and_notes_info": {
                    "tag_names": sorted(t for t, us in state.tags.items() if user_id in us),
                    "notes": [],
                },
                "shared_info": {},
            }
        )

    def _getoa(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        oa = self.registry.oa(token.oa_id)
        return _ok(
            {
                "oa_id": token.oa_id,
                "name": oa.name if oa else "",
                "description": "",
                "oa_alias": "",
                "is_verified": True,
                "oa_type": 4,
                "cate_name": "Cơ quan nhà nước",
                "num_follower": len(self._oa(token.oa_id).followers),
                "avatar": "",
                "cover": "",
                "package_name": "Gói Nâng cao",
            }
        )

    def _upload(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        upload = request.files.get("file")
        if upload is None:
            return _error(-201, "multipart field 'file' is required")
        data = upload.read()
        name = (upload.filename or "").lower()
        kind = request.path.rsplit("/", 1)[-1]
        limits = {
            "image": (1_000_000, (".jpg", ".jpeg", ".png")),
            "gif": (5_000_000, (".gif",)),
            "file": (5_000_000, (".pdf", ".doc", ".docx")),
        }
        limit, extensions = limits[kind]
        if not name.endswith(extensions):
            return _error(-201, f"{kind} upload accepts {', '.join(extensions)}")
        if len(data) > limit:
            return _error(-201, f"{kind} upload is larger than {limit} bytes")
        if kind == "file":
            return _ok({"token": "fake-file-" + uuid.uuid4().hex})
        return _ok({"attachment_id": "fake-att-" + uuid.uuid4().hex})

    def _tag(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        state = self._oa(token.oa_id)
        action = request.path.rsplit("/", 1)[-1]
        if action == "gettagsofoa":
            return _ok(sorted(state.tags))
        if not isinstance(body, dict) or not body.get("tag_name"):
            return _error(-201, "tag_name is required")
        tag = str(body["tag_name"])
        with self._lock:
            if action == "rmtag":
                state.tags.pop(tag, None)
                return _ok(None)
            if not body.get("user_id"):
                return _error(-201, "user_id is required")
            if action == "tagfollower":
                state.tags.setdefault(tag, set()).add(str(body["user_id"]))
            else:
                state.tags.get(tag, set()).discard(str(body["user_id"]))
        return _ok(None)

    def _article(self, token: _Token, body: Any, request: Request) -> dict[str, Any]:
        state = self._oa(token.oa_id)
        action = request.path.rsplit("/", 1)[-1]
        body = body if isinstance(body, dict) else {}
        with self._lock:
            if action in ("create", "update"):
                if action == "update" and str(body.get("id")) not in state.articles:
                    return _error(-201, "Article does not exist")
                if not body.get("title") or not body.get("type"):
                    return _error(-201, "type and title are required")
                token_id = "fake-art-token-" + uuid.uuid4().hex[:12]
                state.pending_articles[token_id] = {**body, "id": str(body.get("id") or uuid.uuid4().hex)}
                return _ok({"token": token_id})
            if action == "verify":
                article = state.pending_articles.pop(str(body.get("token", "")), None)
                if article is None:
                    return _error(-201, "Unknown token")
                now = int(self.clock() * 1000)
                article.setdefault("create_date", now)
                article.update(
                    {
                        "update_date": now,
                        "status": article.get("status", "show"),
                        "total_view": 0,
                        "total_share": 0,
                    }
                )
                state.articles[article["id"]] = article
                return _ok({"id": article["id"]})
            if action == "getslice":
                offset = int(request.args.get("offset", 0))
                limit = min(int(request.args.get("limit", 10)), 10)
                kind = request.args.get("type", "normal")
                items = [a for a in state.articles.values() if a.get("type") == kind]
                return _ok(
                    {
                        "medias": [
                            {
                                k: a.get(k)
                                for k in (
                                    "id",
                                    "type",
                                    "title",
                                    "status",
                                    "total_view",
                                    "total_share",
                                    "create_date",
                                    "update_date",
                                )
                            }
                            for a in items[offset : offset + limit]
                        ],
                        "total": len(items),
                    }
                )
            if action == "getdetail":
                article = state.articles.get(request.args.get("id", ""))
                return _ok(article) if article else _error(-201, "Article does not exist")
            if action == "remove":
                if state.articles.pop(str(body.get("id", "")), None) is None:
                    return _error(-201, "Article does not exist")
                return _ok({"token": "fake-art-token-" + uuid.uuid4().hex[:12]})
        return _error(-201, "Unknown article action")


_ROUTES: dict[tuple[str, str], Any] = {
    **{("POST", e): FakeZalo._send_message for e in MESSAGE_ENDPOINTS},
    ("POST", BROADCAST_ENDPOINT): FakeZalo._broadcast,
    ("POST", ZNS_ENDPOINT): FakeZalo._zns,
    ("GET", "/v3.0/oa/user/getlist"): FakeZalo._getlist,
    ("GET", QUOTA_ENDPOINT): FakeZalo._quota_message,
    ("POST", QUOTA_ENDPOINT): FakeZalo._quota_message,
    ("GET", CONVERSATION_ENDPOINT): FakeZalo._conversation,
    ("GET", "/v3.0/oa/user/detail"): FakeZalo._detail,
    ("GET", "/v2.0/oa/getoa"): FakeZalo._getoa,
    **{("POST", f"/v2.0/oa/upload/{k}"): FakeZalo._upload for k in ("image", "file", "gif")},
    **{("POST", f"/v2.0/oa/tag/{k}"): FakeZalo._tag for k in ("tagfollower", "rmfollowerfromtag", "rmtag")},
    ("GET", "/v2.0/oa/tag/gettagsofoa"): FakeZalo._tag,
    **{("POST", f"/v2.0/article/{k}"): FakeZalo._article for k in ("create", "verify", "update", "remove")},
    **{("GET", f"/v2.0/article/{k}"): FakeZalo._article for k in ("getslice", "getdetail")},
}


def _ok(data: Any) -> dict[str, Any]:
    return {"error": 0, "message": "Success", "data": data}


def _error(code: int, message: str | None = None) -> dict[str, Any]:
    return {"error": code, "message": message or ERROR_MESSAGES.get(code, "Error")}


def _oauth_error(code: int) -> dict[str, Any]:
    name, reason = OAUTH_ERRORS[code]
    return {
        "error": code,
        "error_name": name,
        "error_reason": reason,
        "error_description": reason,
        "ref_doc": "https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new",
    }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False),
        status,
        headers=headers or {},
        content_type="application/json; charset=utf-8",
    )


def _body_json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _request_body(request: Request) -> Any:
    if request.method == "GET":
        return None
    if request.mimetype == "multipart/form-data":
        files: dict[str, Any] = {}
        for key, upload in request.files.items():
            size = len(upload.stream.read())
            upload.stream.seek(0)
            files[key] = {"filename": upload.filename, "content_type": upload.mimetype, "size": size}
        return {**request.form.to_dict(), **files}
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


def _data_param(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.args.get("data") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _reply_to(body: Any) -> str | None:
    recipient = body.get("recipient") if isinstance(body, dict) else None
    if isinstance(recipient, dict) and recipient.get("message_id"):
        return str(recipient["message_id"])
    return None


def _tier_of(endpoint: str, data: dict[str, Any]) -> str:
    """How the platform counted a successful send: reply, proactive, broadcast or zns."""
    if endpoint == BROADCAST_ENDPOINT:
        return "broadcast"
    if endpoint == ZNS_ENDPOINT:
        return "zns"
    quota = _dict(data.get("quota"))
    return "reply" if quota.get("quota_type") == "reply" else "proactive"


def _recipient(endpoint: str, body: Any, request: Request) -> str | None:
    if not isinstance(body, dict):
        return None
    recipient = body.get("recipient")
    if isinstance(recipient, dict) and recipient.get("user_id"):
        return str(recipient["user_id"])
    if body.get("user_id"):
        return str(body["user_id"])
    if endpoint == ZNS_ENDPOINT and body.get("phone"):
        return str(body["phone"])
    return None
