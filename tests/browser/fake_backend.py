"""A small in-process stand-in for the officer API and Cognito, for console tests that need no moto.

It serves console/ at / like the local cloud does, answers /_local/config, emulates Cognito's
InitiateAuth at /cognito/ and implements the documented shapes of the officer API routes the console
calls. The real stack is exercised by tests/browser/test_console_local_stack.py; this one lets the UI
itself (layout at 360 px, session expiry, states) be tested quickly and deterministically.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from anninh.labels import console_labels

CONSOLE = Path(__file__).resolve().parents[2] / "console"
PASSWORD = "Demo-Passw0rd-2026"

UNITS = [
    {
        "unit_id": "tan-phu",
        "name": "Công an quận Tân Phú",
        "kind": "district",
        "parent": None,
        "visible": False,
    },
    {
        "unit_id": "p-hiep-tan",
        "name": "Công an phường Hiệp Tân",
        "kind": "ward",
        "parent": "tan-phu",
        "visible": True,
    },
    {
        "unit_id": "doi-hinh-su",
        "name": "Đội Cảnh sát hình sự",
        "kind": "team",
        "parent": "tan-phu",
        "visible": False,
    },
]
OAS = [{"oa_id": "2200000000000000001", "name": "Công an phường Hiệp Tân", "unit_id": "p-hiep-tan"}]
# new -> in_review -> verified/rejected/spam ...; what PATCH accepts from each status (like the real API).
WORKFLOW = {
    "new": ["in_review", "rejected", "spam", "forwarded"],
    "in_review": ["verified", "resolved", "rejected", "spam", "forwarded"],
    "verified": ["resolved", "forwarded"],
    "forwarded": ["in_review"],
}
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _token(username: str, lifetime_s: int) -> str:
    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims = {"sub": username, "cognito:username": username, "exp": int(time.time()) + lifetime_s}
    return f"{b64({'alg': 'none'})}.{b64(claims)}.sig"


class FakeBackend:
    def __init__(self, token_lifetime_s: int = 3600) -> None:
        self.token_lifetime_s = token_lifetime_s
        self.user = ""
        self.revoked = False  # when True every API call answers 401 (server-side session end)
        self.requests: list[tuple[str, str]] = []
        self.alerts: list[dict[str, Any]] = []  # urgent alerts (GET /alerts, POST /alerts/{id}/ack)
        now = datetime.now(UTC)
        self.cases: dict[str, dict[str, Any]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        for n, (summary, urgent, status, age_min) in enumerate(
            [
                ("Báo tin: có nhóm thanh niên mang hung khí tụ tập trước chợ Tân Hương", True, "new", 3),
                ("Báo tin: xe máy để trước nhà bị mất trộm đêm qua, có ảnh camera", False, "new", 40),
                ("Tố giác điểm nghi bán ma túy trong hẻm 12 đường Lũy Bán Bích", False, "in_review", 300),
                ("Báo tin tiếng ồn karaoke sau 22 giờ", False, "resolved", 3000),
            ],
            start=1,
        ):
            case_id = f"c{n}"
            created = now - timedelta(minutes=age_min)
            self.cases[case_id] = {
                "case_id": case_id,
                "code": f"HT-2611-{n:04d}",
                "unit_id": "p-hiep-tan",
                "status": status,
                "urgent": urgent,
                "urgent_terms": ["hung khí"] if urgent else [],
                "valuable": False,
                "outcome": None,
                "assignee": None,
                "summary": summary,
                "pseudonym": f"Người báo #{40 + n}",
                "created_at": _iso(created),
                "media_count": 1 if n == 2 else 0,
                "location": {"latitude": 10.7745, "longitude": 106.629} if n == 1 else None,
                "address": "Chợ Tân Hương, phường Hiệp Tân" if n == 1 else None,
                "messages": [
                    {"direction": "in", "kind": "text", "text": summary, "at": _iso(created)},
                    {
                        "direction": "out",
                        "kind": "text",
                        "origin": "bot",
                        "at": _iso(created),
                        "text": f"Công an phường đã tiếp nhận tin báo, mã HT-2611-{n:04d}.",
                    },
                ],
                "version": 1,
                "access": "full",
                "notes": [],
                "history": [],
            }
        self.sent: list[dict[str, Any]] = []
        # What GET /undelivered answers (the sender's kept messages; tests fill it).
        self.undelivered: list[dict[str, Any]] = []
        self.campaigns: dict[str, dict[str, Any]] = {}
        # GET /tips|conversations/<id>/reply-tier and GET /units/<id>/quota (Zalo tiers; tests set them).
        self.reply_tiers: dict[str, dict[str, Any]] = {}
        # Extra fields of POST /campaigns/preview: `tiers`, `quota`, `quota_ok` (tests set them).
        self.preview_quota: dict[str, Any] = {}
        self.unit_quota: dict[str, Any] = {
            "unit_id": "p-hiep-tan",
            "oas": [],
            "warning": False,
            "warn_at_percent": 80.0,
        }
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeBackend:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- API behaviour --------------------------------------------------------------------------
    def _campaign_view(self, c: dict[str, Any]) -> dict[str, Any]:
        if c["status"] == "running":
            elapsed = time.time() - c["started"]
            c["sent"] = min(c["total"], int(elapsed * 2))  # 2 per second: a visible progress bar
            if c["sent"] >= c["total"]:
                c["status"] = "done"
        view = {k: v for k, v in c.items() if k != "started"}
        remaining = c["total"] - c["sent"]
        running = c["status"] == "running"
        eta = _iso(datetime.now(UTC) + timedelta(seconds=remaining / 2)) if running else None
        view.update(rate=120.0 if running else None, eta=eta)
        return view

    def api(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        if parts == ["me"]:
            roles = {"tanphu.chihuy": ["commander", "officer"], "tanphu.bientap": ["editor"]}.get(
                self.user, ["officer"]
            )
            return 200, {
                "username": self.user,
                "unit_id": "p-hiep-tan",
                "unit_name": "Công an phường Hiệp Tân",
                "roles": roles,
                "display_name": "Cán bộ phường Hiệp Tân",
                "visible_units": ["p-hiep-tan"],
                "can_reveal": "commander" in roles,
                "can_edit_content": "editor" in roles,
                "labels": console_labels(),  # the server's own maps, as GET /me serves them
            }
        if len(parts) == 3 and parts[0] in ("tips", "conversations") and parts[2] == "reply-tier":
            free = {
                "tier": "reply",
                "free_left": 7,
                "free_total": 8,
                "covered": True,
                "label": "Tin trả lời miễn phí: còn 7/8 tin đến 09:00 01/12/2026.",
            }
            return 200, self.reply_tiers.get(parts[1], free)
        if len(parts) == 3 and parts[0] == "units" and parts[2] == "quota":
            return 200, self.unit_quota
        if parts == ["units"]:
            return 200, {"items": UNITS}
        if parts == ["oas"]:
            return 200, {"items": OAS}
        if parts == ["canned-replies"]:
            return 200, {
                "items": [
                    {
                        "id": "thanks",
                        "title": "Cảm ơn đã báo tin",
                        "text": "Công an phường đã tiếp nhận tin báo, cảm ơn anh/chị.",
                    }
                ]
            }
        if parts == ["tips"]:
            items = [
                {k: v for k, v in c.items() if k not in ("messages", "notes", "history")}
                for c in self.cases.values()
                if (not query.get("status") or c["status"] == query["status"])
                and (not query.get("since") or c["created_at"] > query["since"])
                and (
                    not query.get("q")
                    or query["q"].lower() in c["summary"].lower()
                    or query["q"] in c["code"]
                )
            ]
            return 200, {
                "items": sorted(items, key=lambda c: c["created_at"], reverse=True),
                "next_cursor": None,
            }
        if len(parts) >= 2 and parts[0] == "tips":
            case = self.cases.get(parts[1])
            if case is None:
                return 404, {
                    "error": {"code": "not_found", "message": "Không tìm thấy tin báo.", "details": {}}
                }
            now = _iso(datetime.now(UTC))
            if len(parts) == 2 and method == "GET":
                detail = dict(case)
                detail["status_options"] = WORKFLOW.get(case["status"], [])
                if case["media_count"]:
                    detail["media"] = [
                        {"media_id": "m1", "content_type": "image/png", "url": "/_fake/media/m1.png"}
                    ]
                return 200, detail
            if len(parts) == 2 and method == "PATCH":
                if body.pop("version", None) != case["version"]:
                    return 409, {
                        "error": {
                            "code": "version_conflict",
                            "message": "Tin báo vừa được người khác cập nhật.",
                            "details": {},
                        }
                    }
                if "status" in body and body["status"] not in WORKFLOW.get(case["status"], []):
                    return 409, {
                        "error": {
                            "code": "transition",
                            "message": "Không chuyển được trạng thái.",
                            "details": {},
                        }
                    }
                for key, value in body.items():
                    case["history"].append(
                        {"at": now, "by": "hieptan.canbo", "kind": key, "from": case.get(key), "to": value}
                    )
                case.update(body)
                case["version"] += 1
                return 200, case
            if parts[2:] == ["replies"]:
                case["messages"].append(
                    {
                        "direction": "out",
                        "kind": "text",
                        "text": body["text"],
                        "at": now,
                        "origin": "officer",
                        "officer": "hieptan.canbo",
                    }
                )
                self.sent.append(
                    {
                        "case_id": case["case_id"],
                        "text": body["text"],
                        "idempotency_key": body.get("idempotency_key"),
                    }
                )
                return 201, {"ok": True}
            if parts[2:] == ["notes"]:
                case["notes"].append(
                    {"note_id": "n1", "text": body["text"], "by": "hieptan.canbo", "at": now}
                )
                return 201, {"ok": True}
            if parts[2:] == ["audit"]:
                return 200, {
                    "items": [
                        {"at": now, "actor": "hieptan.canbo", "action": "case.read", "outcome": "allowed"}
                    ]
                }
            if parts[2:] == ["forward"]:
                case.update(unit_id=body.get("unit_id", case["unit_id"]), status="forwarded")
                return 200, case
        if parts == ["campaigns"] and method == "POST":
            cid = f"k{len(self.campaigns) + 1}"
            self.campaigns[cid] = {
                "id": cid,
                "name": body["name"],
                "oa_ids": body["oa_ids"],
                "message": body["message"],
                "status": "running",
                "total": 12,
                "sent": 0,
                "failed": 0,
                "skipped": 0,
                "created_at": _iso(datetime.now(UTC)),
                "started": time.time(),
            }
            return 201, self._campaign_view(self.campaigns[cid])
        if parts == ["campaigns"]:
            return 200, {"items": [self._campaign_view(c) for c in self.campaigns.values()]}
        if parts == ["campaigns", "preview"]:
            return 200, {
                "audience": 15,
                "eligible": 12,
                "ineligible": {"outside_window": 2, "follower_cap": 1},
                "send_at": _iso(datetime.now(UTC)),
                "message_type": "cs",
                "estimated": False,
                "ineligible_labels": {
                    "outside_window": "Người quan tâm không tương tác với OA trong 7 ngày qua",
                    "follower_cap": "Người quan tâm đã nhận đủ số tin cho phép trong ngày/tháng",
                },
                **self.preview_quota,
            }
        if len(parts) == 3 and parts[0] == "campaigns" and parts[2] in ("pause", "resume", "cancel"):
            c = self.campaigns[parts[1]]
            c["status"] = {"pause": "paused", "resume": "running", "cancel": "cancelled"}[parts[2]]
            return 200, self._campaign_view(c)
        if parts == ["stats"]:
            days = [(datetime.now(UTC) - timedelta(days=d)).date().isoformat() for d in range(13, -1, -1)]
            series = [
                {
                    "day": d,
                    "messages_in": 40 + i * 3 % 17,
                    "messages_out": 30 + i * 5 % 13,
                    "follows": 5 + i % 4,
                    "unfollows": i % 3,
                }
                for i, d in enumerate(days)
            ]
            totals = {
                "followers": 1520,
                "follows": 80,
                "unfollows": 12,
                "messages_in": 700,
                "messages_out": 560,
                "inquiries": 310,
                "bot_answered": 260,
                "tips": 14,
                "tips_valuable": 4,
                "broadcast_sent": 3000,
            }
            return 200, {
                **totals,
                "unit_id": "p-hiep-tan",
                "unit_name": "Công an phường Hiệp Tân",
                "series": series,
                "followers_change": 68,
                "bot_answer_rate": 0.839,
                "units": [
                    {
                        "unit_id": "p-hiep-tan",
                        "name": "Công an phường Hiệp Tân",
                        "tips": 9,
                        "tips_valuable": 3,
                    },
                    {"unit_id": "doi-hinh-su", "name": "Đội Cảnh sát hình sự", "tips": 5, "tips_valuable": 1},
                ],
                "outcomes": {"arrest": 1, "prevented": 2},
                "response_times": {
                    "first_response": {"median_seconds": 1260},
                    "resolution": {"median_seconds": 90000},
                },
                "top_questions": [
                    {"entry_id": "dang-ky-tam-tru", "count": 41},
                    {"entry_id": "cccd-cap-doi", "count": 30},
                ],
            }
        if parts == ["reports"] and method == "POST":  # queued, like the API: 202, then poll
            self.reports["r1"] = {"report_id": "r1", "from": body["from"], "to": body["to"], "polls": 0}
            return 202, {**self.reports["r1"], "status": "queued", "unit_id": "p-hiep-tan"}
        if len(parts) == 2 and parts[0] == "reports" and method == "GET" and parts[1] in self.reports:
            report = self.reports[parts[1]]
            report["polls"] += 1
            if report["polls"] < 2:
                return 200, {"report_id": parts[1], "status": "queued"}
            return 200, {
                "report_id": parts[1],
                "status": "ready",
                "from": report["from"],
                "to": report["to"],
                "unit_id": "p-hiep-tan",
                "html_url": "/_fake/report.html",
                "pdf_url": "/_fake/report.html",
                "urls_expire_in": 900,
            }
        if parts == ["faq", "match"]:
            return 200, {
                "items": [{"id": "dang-ky-tam-tru", "title": "Đăng ký tạm trú", "score": 0.91}],
                "threshold": 0.6,
            }
        if parts == ["alerts"] and method == "GET":
            items = [a for a in self.alerts if not a.get("acknowledged_at")]
            return 200, {"items": items, "count": len(items)}
        if len(parts) == 3 and parts[0] == "alerts" and parts[2] == "ack" and method == "POST":
            alert = next((a for a in self.alerts if a["id"] == parts[1]), None)
            if alert is None:
                return 404, {
                    "error": {"code": "not_found", "message": "Không tìm thấy cảnh báo.", "details": {}}
                }
            alert["acknowledged_at"] = _iso(datetime.now(UTC))
            return 200, alert
        if parts == ["undelivered"]:
            return 200, {"items": self.undelivered, "count": len(self.undelivered)}
        if parts in (["notices"], ["kb", "entries"], ["conversations"]):
            return 200, {"items": []}
        return 404, {"error": {"code": "not_found", "message": "Không tìm thấy.", "details": {}}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, obj: Any) -> None:
                self._send(status, json.dumps(obj, ensure_ascii=False).encode(), "application/json")

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                return json.loads(raw) if raw else {}

            def _route(self, method: str) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                backend.requests.append((method, url.path))
                if url.path == "/_local/config":
                    return self._json(
                        200,
                        {
                            "aws_endpoint_url": f"{backend.base_url}/cognito/",
                            "region": "ap-southeast-1",
                            "user_pool_id": "ap-southeast-1_fake",
                            "user_pool_client_id": "client",
                        },
                    )
                if url.path == "/cognito/":
                    body = self._body()
                    target = self.headers.get("X-Amz-Target", "")
                    params = body.get("AuthParameters", {})
                    if target.endswith("InitiateAuth") and params.get("PASSWORD") == PASSWORD:
                        backend.revoked = False
                        backend.user = params.get("USERNAME", "")
                        token = _token(params.get("USERNAME", ""), backend.token_lifetime_s)
                        return self._json(
                            200,
                            {
                                "AuthenticationResult": {
                                    "IdToken": token,
                                    "AccessToken": token,
                                    "ExpiresIn": 3600,
                                }
                            },
                        )
                    return self._json(
                        400,
                        {"__type": "NotAuthorizedException", "message": "Incorrect username or password."},
                    )
                if url.path == "/_fake/report.html":
                    return self._send(200, "<h1>Báo cáo sơ kết</h1>".encode(), "text/html; charset=utf-8")
                if url.path == "/_fake/media/m1.png":
                    return self._send(200, PIXEL_PNG, "image/png")
                if url.path.startswith("/api/v1/"):
                    if not (self.headers.get("Authorization") or "").startswith("Bearer ") or backend.revoked:
                        return self._json(
                            401, {"error": {"code": "unauthorized", "message": "Unauthorized", "details": {}}}
                        )
                    status, obj = backend.api(method, url.path[len("/api/v1") :], query, self._body())
                    return self._json(status, obj)
                rel = "index.html" if url.path in ("", "/") else url.path.lstrip("/")
                file = (CONSOLE / rel).resolve()
                if CONSOLE in file.parents and file.is_file() and file.name != "config.json":
                    ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    if file.suffix == ".js":
                        ctype = "text/javascript"
                    return self._send(200, file.read_bytes(), ctype)
                return self._json(
                    404, {"error": {"code": "not_found", "message": "Not found", "details": {}}}
                )

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

            def do_PATCH(self) -> None:
                self._route("PATCH")

            def do_PUT(self) -> None:
                self._route("PUT")

        return Handler
