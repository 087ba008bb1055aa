"""The scripted attack run (issue 11): a hostile insider and outsider against the local stack.

Every attack of the issue's list (the 25 that succeeded against the old main) plus the guards that held
then (webhook signature, JWT checks, SSRF guard, XSS, CSV injection). Each attack returns whether the
boundary held and what was seen; the run prints tried / held / failed, writes the table to
test-artifacts/attack-report.txt and fails if any attack succeeded. `make attack` runs only this file;
`make test` runs it with the other end-to-end tests (marker `attack`). See docs/security.md.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.stack import ARTIFACTS, LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.attack]

ROOT = Path(__file__).resolve().parents[2]
WARD_OA = "2200000000000000001"  # Hiệp Tân
ADMIN, WARD, WARD_CHIEF, OTHER_CHIEF = "tanphu.quantri", "hieptan.canbo", "hieptan.chihuy", "hoathanh.chihuy"
PASSWORD = "Attack-Run-2026-Xyz"


@dataclass
class Run:
    stack: LocalStack
    tokens: dict[str, str] = field(default_factory=dict)
    made: dict[str, Any] = field(default_factory=dict)

    def token(self, username: str, password: str | None = None) -> str:
        if username not in self.tokens:
            self.tokens[username] = (
                self.stack.login(username, password) if password else self.stack.login(username)
            )
        return self.tokens[username]

    def api(self, method: str, path: str, username: str | None, **kw: Any) -> Any:
        return self.stack.api(method, path, token=self.token(username) if username else None, **kw)

    def officer(self, username: str, unit_id: str, roles: list[str]) -> str:
        """An officer made by the district admin, with a known password (operator set-up, not an attack)."""
        if username not in self.made:
            body = {"username": username, "unit_id": unit_id, "roles": roles, "temporary_password": PASSWORD}
            status = self.api("POST", "officers", ADMIN, json=body).status_code
            assert status in (201, 409), status
            idp = self.stack.aws_client("cognito-idp")
            idp.admin_set_user_password(
                UserPoolId=self.stack.config["user_pool_id"],
                Username=username,
                Password=PASSWORD,
                Permanent=True,
            )
            self.made[username] = True
        return self.token(username, PASSWORD)

    def tip(self, text: str, oa_id: str = WARD_OA) -> dict[str, Any]:
        """A citizen's tip through the webhook; the case as the ward's officers see it."""
        user = f"84{uuid.uuid4().int % 10**17:017d}"
        assert (
            self.stack.sign_and_post(self.stack.text_event(user, "báo tin " + text, oa_id)).status_code == 200
        )
        found: dict[str, Any] = {}

        def listed() -> bool:
            items = self.api("GET", "tips", WARD_CHIEF, params={"q": text}).json().get("items", [])
            if items:
                found.update(items[0])
            return bool(items)

        self.stack.wait_for(listed, timeout=60)
        return found


Attack = Callable[[Run], tuple[bool, str]]
ATTACKS: list[tuple[str, str, Attack]] = []


def attack(group: str, name: str) -> Callable[[Attack], Attack]:
    def register(fn: Attack) -> Attack:
        ATTACKS.append((group, name, fn))
        return fn

    return register


# ------------------------------------------------------------------------------ privilege (items 1-5)


@attack("privilege", "officer rewrites its own custom:unit_id with its access token")
def _unit_claim(run: Run) -> tuple[bool, str]:
    run.officer("hieptan.attacker", "p-hiep-tan", ["officer"])
    idp = run.stack.aws_client("cognito-idp")
    auth = idp.initiate_auth(
        ClientId=run.stack.config["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "hieptan.attacker", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    try:  # the deployed client refuses (WriteAttributes); the emulation may let it through
        idp.update_user_attributes(
            AccessToken=auth["AccessToken"], UserAttributes=[{"Name": "custom:unit_id", "Value": "tan-phu"}]
        )
    except Exception as exc:
        return True, f"attribute write refused ({type(exc).__name__})"
    run.tokens.pop("hieptan.attacker", None)
    me = run.stack.api("GET", "me", token=run.token("hieptan.attacker", PASSWORD)).json()
    return me.get("visible_units") == ["p-hiep-tan"], f"after re-login sees {me.get('visible_units')}"


@attack("privilege", "officer's token claims roles it does not hold")
def _role_claim(run: Run) -> tuple[bool, str]:
    status = run.api(
        "POST", "officers", WARD, json={"username": "x.y.z", "unit_id": "p-hiep-tan", "roles": ["admin"]}
    )
    return status.status_code == 403, f"POST /officers -> {status.status_code}"


@attack("privilege", "district admin creates a top-level unit")
def _top_unit(run: Run) -> tuple[bool, str]:
    r = run.api("PUT", "units/q-gia-mao", ADMIN, json={"name": "Quận giả mạo", "kind": "district"})
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "ward admin creates an admin+commander in another tree with its own password")
def _admin_other_tree(run: Run) -> tuple[bool, str]:
    run.officer("hieptan.qt", "p-hiep-tan", ["admin"])
    body = {
        "username": "hoathanh.gia",
        "unit_id": "p-hoa-thanh",
        "roles": ["admin", "commander"],
        "temporary_password": "Chosen-By-Attacker-1",
    }
    r = run.stack.api("POST", "officers", token=run.tokens["hieptan.qt"], json=body)
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "ward admin moves another ward under its own")
def _move_ward(run: Run) -> tuple[bool, str]:
    body = {"name": "Công an phường Hòa Thạnh", "kind": "ward", "parent": "p-hiep-tan"}
    r = run.stack.api(
        "PUT", "units/p-hoa-thanh", token=run.officer("hieptan.qt", "p-hiep-tan", ["admin"]), json=body
    )
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "ward admin moves another ward's OA to its ward")
def _move_oa(run: Run) -> tuple[bool, str]:
    oa = next(o for o in run.stack.registry["oas"] if o["unit_id"] == "p-hoa-thanh")
    body = {"app_id": oa["app_id"], "name": oa["name"], "unit_id": "p-hiep-tan"}
    r = run.stack.api(
        "PUT", f"oas/{oa['oa_id']}", token=run.officer("hieptan.qt", "p-hiep-tan", ["admin"]), json=body
    )
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "ward admin disables another unit's commander")
def _disable_other(run: Run) -> tuple[bool, str]:
    token = run.officer("hieptan.qt", "p-hiep-tan", ["admin"])
    r = run.stack.api("PATCH", f"officers/{OTHER_CHIEF}", token=token, json={"enabled": False})
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "ward admin reads another unit's officer audit trail")
def _other_audit(run: Run) -> tuple[bool, str]:
    token = run.officer("hieptan.qt", "p-hiep-tan", ["admin"])
    r = run.stack.api("GET", "audit", token=token, params={"officer": OTHER_CHIEF})
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "ward admin makes a ward commander (a role above its own at its level)")
def _grant_above(run: Run) -> tuple[bool, str]:
    token = run.officer("hieptan.qt", "p-hiep-tan", ["admin"])
    body = {"username": "hieptan.sep", "unit_id": "p-hiep-tan", "roles": ["commander"]}
    r = run.stack.api("POST", "officers", token=token, json=body)
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "admin grants itself commander")
def _self_grant(run: Run) -> tuple[bool, str]:
    r = run.api("PATCH", f"officers/{ADMIN}", ADMIN, json={"roles": ["admin", "commander"]})
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "a freshly granted commander unseals a tipster")
def _fresh_unseal(run: Run) -> tuple[bool, str]:
    case = run.tip(f"nguoi la {uuid.uuid4().hex[:6]}")
    token = run.officer("hieptan.moi", "p-hiep-tan", ["officer"])
    run.api("PATCH", "officers/hieptan.moi", ADMIN, json={"roles": ["officer", "commander"]})
    body = {"reason": "Cần xác minh người báo tin để lấy lời khai"}
    r = run.stack.api("POST", f"tips/{case['case_id']}/reveal", token=token, json=body)
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "granting commander goes unrecorded / unseen by the unit's commanders")
def _grant_hidden(run: Run) -> tuple[bool, str]:
    r = run.api("GET", "units/p-hiep-tan/grants", WARD_CHIEF)
    items = r.json().get("items", []) if r.status_code == 200 else []
    seen = any(g.get("officer") == "hieptan.moi" and g.get("role") == "commander" for g in items)
    return seen, f"-> {r.status_code}, {len(items)} grants listed"


@attack("privilege", "a disabled officer keeps access with its old token")
def _disabled_token(run: Run) -> tuple[bool, str]:
    token = run.officer("hieptan.tam", "p-hiep-tan", ["officer"])
    assert run.stack.api("GET", "me", token=token).status_code == 200
    run.api("PATCH", "officers/hieptan.tam", ADMIN, json={"enabled": False})
    r = run.stack.api("GET", "tips", token=token)
    return r.status_code == 401, f"next request -> {r.status_code}"


@attack("privilege", "a moved officer keeps its old unit with its old token")
def _moved_token(run: Run) -> tuple[bool, str]:
    token = run.officer("hieptan.chuyen", "p-hiep-tan", ["officer"])
    case = run.tip(f"xe may {uuid.uuid4().hex[:6]}")
    run.api("PATCH", "officers/hieptan.chuyen", ADMIN, json={"unit_id": "p-hoa-thanh"})
    r = run.stack.api("GET", f"tips/{case['case_id']}", token=token)
    return r.status_code == 404, f"old unit's case -> {r.status_code}"


@attack("privilege", "a moved officer refreshes its session")
def _refresh_after_move(run: Run) -> tuple[bool, str]:
    idp = run.stack.aws_client("cognito-idp")
    run.officer("hieptan.lam", "p-hiep-tan", ["officer"])
    auth = idp.initiate_auth(
        ClientId=run.stack.config["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "hieptan.lam", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    run.api("PATCH", "officers/hieptan.lam", ADMIN, json={"unit_id": "p-son-ky"})
    try:
        idp.initiate_auth(
            ClientId=run.stack.config["user_pool_client_id"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"]},
        )
    except Exception as exc:
        return True, f"refresh refused ({type(exc).__name__})"
    return False, "refresh token still valid"


@attack("privilege", "an editor downloads the tips export")
def _editor_export(run: Run) -> tuple[bool, str]:
    r = run.api("GET", "tips/export.csv", "tanphu.bientap")
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "an admin downloads the tips export")
def _admin_export(run: Run) -> tuple[bool, str]:
    r = run.api("GET", "tips/export.csv", ADMIN)
    return r.status_code == 403, f"-> {r.status_code}"


@attack("privilege", "a unit overwrites another unit's CCCD record by importing its receipt")
def _cccd_overwrite(run: Run) -> tuple[bool, str]:
    receipt = f"AT-{uuid.uuid4().hex[:6].upper()}"
    head = "receipt_no,full_name,dob,status,ready_at,pickup_place\n"
    mine = head + f"{receipt},Nguyễn Văn An,05/09/1990,ready,,Công an phường Hiệp Tân\n"
    theirs = head + f"{receipt},Kẻ Giả Mạo,05/09/1990,processing,,Nơi khác\n"
    csv_headers = {"Content-Type": "text/csv"}
    run.api("POST", "cccd/imports", WARD, content=mine.encode(), headers=csv_headers)
    r = run.api("POST", "cccd/imports", "hoathanh.canbo", content=theirs.encode(), headers=csv_headers)
    report = r.json() if r.status_code == 200 else {}
    item = run.stack.table().get_item(Key={"PK": f"CCCD#{receipt}", "SK": "CCCD"}).get("Item") or {}
    held = report.get("rejected") == 1 and item.get("unit_id") in (None, "p-hiep-tan")
    return held, f"-> {r.status_code}, rejected={report.get('rejected')}, owner={item.get('unit_id')}"


# ------------------------------------------------------------------------------ inputs (items 6-10)


def _deep_body(run: Run) -> tuple[bytes, str]:
    ts = str(int(time.time() * 1000))
    app = run.stack.app_for_oa(WARD_OA)["app_id"]
    head = f'{{"app_id":"{app}","event_name":"user_send_text","timestamp":"{ts}","message":'
    return head.encode() + b"[" * 50_000 + b"]" * 50_000 + b"}", ts


@attack("inputs", "signed webhook body nested 50,000 levels")
def _webhook_deep(run: Run) -> tuple[bool, str]:
    raw, ts = _deep_body(run)
    r = run.stack.sign_and_post({"recipient": {"id": WARD_OA}, "timestamp": ts}, raw=raw)
    return r.status_code < 500, f"-> {r.status_code} {r.text[:40]}"


@attack("inputs", "signed webhook body that is not UTF-8")
def _webhook_utf8(run: Run) -> tuple[bool, str]:
    ts = str(int(time.time() * 1000))
    app = run.stack.app_for_oa(WARD_OA)["app_id"]
    raw = (
        f'{{"app_id":"{app}","event_name":"user_send_text","timestamp":"{ts}","x":"'.encode() + b'\xff\xfe"}'
    )
    r = run.stack.sign_and_post({"recipient": {"id": WARD_OA}, "timestamp": ts}, raw=raw)
    return r.status_code < 500, f"-> {r.status_code}"


@attack("inputs", "officer API body nested 50,000 levels")
def _api_deep(run: Run) -> tuple[bool, str]:
    body = '{"status":' + "[" * 50_000 + "]" * 50_000 + "}"
    r = run.api(
        "PATCH", "tips/abc", WARD, content=body.encode(), headers={"Content-Type": "application/json"}
    )
    return r.status_code in (400, 404, 422), f"-> {r.status_code}"


@attack("inputs", "officer API body that is not UTF-8")
def _api_utf8(run: Run) -> tuple[bool, str]:
    r = run.api(
        "POST",
        "canned-replies",
        "tanphu.bientap",
        content=b'{"title":"\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    return 400 <= r.status_code < 500, f"-> {r.status_code}"


@attack("inputs", "citizen types text that looks like a ciphertext (enc:v1:AAAA:BBBB)")
def _fake_ciphertext(run: Run) -> tuple[bool, str]:
    user = f"84{uuid.uuid4().int % 10**17:017d}"
    run.stack.sign_and_post(run.stack.text_event(user, "gặp cán bộ", WARD_OA))
    time.sleep(1.5)
    run.stack.sign_and_post(run.stack.text_event(user, "enc:v1:AAAA:BBBB", WARD_OA))
    time.sleep(2)
    statuses = [run.api("GET", "conversations", who).status_code for who in (WARD, "tanphu.chihuy")]
    return statuses == [200, 200], f"GET /conversations -> {statuses}"


@attack("inputs", "replay of a signed event a year old with a new msg_id")
def _replay(run: Run) -> tuple[bool, str]:
    user = f"84{uuid.uuid4().int % 10**17:017d}"
    event = run.stack.text_event(user, "menu", WARD_OA)
    event["timestamp"] = str(int((time.time() - 365 * 86400) * 1000))
    r = run.stack.sign_and_post(event)
    time.sleep(2)
    held = (
        r.status_code == 200 and r.json().get("status") == "kept_aside" and not run.stack.sent(user_id=user)
    )
    return held, f"-> {r.status_code} {r.text[:40]}, replies={len(run.stack.sent(user_id=user))}"


@attack("inputs", "a 180 KB signed body (360 KB once queued)")
def _big_body(run: Run) -> tuple[bool, str]:
    user = f"84{uuid.uuid4().int % 10**17:017d}"
    event = run.stack.text_event(user, '"' * 60_000 + "tin " * 15_000, WARD_OA)
    r = run.stack.sign_and_post(event)
    return r.status_code == 200, f"-> {r.status_code} {r.text[:40]}"


@attack("inputs", "double-submitted reply")
def _double_reply(run: Run) -> tuple[bool, str]:
    case = run.tip(f"mat trom {uuid.uuid4().hex[:6]}")
    key = uuid.uuid4().hex
    body = {"text": "Công an phường đã tiếp nhận tin báo.", "idempotency_key": key}
    codes = [
        run.api("POST", f"tips/{case['case_id']}/replies", WARD, json=body).status_code for _ in range(2)
    ]
    time.sleep(3)
    detail = run.api("GET", f"tips/{case['case_id']}", WARD).json()
    outs = [m for m in detail.get("messages", []) if m.get("origin") == "officer"]
    return codes == [202, 202] and len(outs) <= 1, f"-> {codes}, officer messages={len(outs)}"


# ------------------------------------------------------------------------------ privacy (items 11-13)


@attack("privacy", "reading the table shows tip text, conversation text and the tipster's Zalo id")
def _plaintext(run: Run) -> tuple[bool, str]:
    marker = f"dau hieu {uuid.uuid4().hex[:8]}"
    case = run.tip(marker)
    item = run.stack.table().get_item(Key={"PK": f"CASE#{case['case_id']}", "SK": "CASE"}).get("Item") or {}
    dumped = json.dumps(item, default=str)
    held = marker not in dumped and isinstance(item.get("user_id"), dict) and "user_hash" in item
    return held, "case item sealed" if held else "plain text found in the case item"


@attack("privacy", "a ciphertext copied into another case opens there")
def _moved_ciphertext(run: Run) -> tuple[bool, str]:
    a, b = run.tip(f"bi mat {uuid.uuid4().hex[:6]}"), run.tip(f"khac {uuid.uuid4().hex[:6]}")
    table = run.stack.table()
    sealed = table.get_item(Key={"PK": f"CASE#{a['case_id']}", "SK": "CASE"})["Item"]["summary"]
    table.update_item(
        Key={"PK": f"CASE#{b['case_id']}", "SK": "CASE"},
        UpdateExpression="SET summary = :s",
        ExpressionAttributeValues={":s": sealed},
    )
    shown = run.api("GET", f"tips/{b['case_id']}", WARD).json().get("summary", "")
    return a["summary"] not in shown, f"moved summary shows as {shown!r}"


@attack("privacy", "the officer API function can read the Zalo app secrets")
def _api_secrets(run: Run) -> tuple[bool, str]:
    from localcloud.template import load_template

    policies = repr(load_template()["Resources"]["ApiFunction"]["Properties"].get("Policies"))
    return "ZaloAppSecrets" not in policies, "ApiFunction policies checked"


@attack("privacy", "CORS allows any origin by default")
def _cors(run: Run) -> tuple[bool, str]:
    from localcloud.template import load_template

    template = load_template()
    default = template["Parameters"]["ConsoleAllowedOrigin"]["Default"]
    return default != "*", f"ConsoleAllowedOrigin default {default!r} (-> the console's CloudFront domain)"


@attack("privacy", "console served without a Content-Security-Policy")
def _csp(run: Run) -> tuple[bool, str]:
    csp = run.stack.http.get("/").headers.get("content-security-policy", "")
    held = "default-src 'none'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    return held, csp[:60] or "no CSP header"


# ------------------------------------------------------------------------------ guards that held before


@attack("held", "webhook event with a wrong signature")
def _bad_signature(run: Run) -> tuple[bool, str]:
    event = run.stack.text_event("840000000000000001", "xin chao", WARD_OA)
    r = run.stack.sign_and_post(event, signed=False, headers={"X-ZEvent-Signature": "mac=" + "0" * 64})
    return r.status_code == 401, f"-> {r.status_code}"


@attack("held", "unsigned webhook event")
def _unsigned(run: Run) -> tuple[bool, str]:
    r = run.stack.sign_and_post(run.stack.text_event("840000000000000001", "xin chao", WARD_OA), signed=False)
    return r.status_code == 401, f"-> {r.status_code}"


@attack("held", "officer API with no token, a forged token and an alg=none token")
def _jwt(run: Run) -> tuple[bool, str]:
    real = run.token(WARD)
    head, payload, _ = real.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:username"] = ADMIN
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    none_head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    codes = [
        run.stack.api("GET", "me").status_code,
        run.stack.api("GET", "me", token=f"{head}.{forged_payload}.{real.split('.')[2]}").status_code,
        run.stack.api("GET", "me", token=f"{none_head}.{forged_payload}.").status_code,
    ]
    return codes == [401, 401, 401], f"-> {codes}"


@attack("held", "media fetch pointed at the instance metadata address (SSRF)")
def _ssrf(run: Run) -> tuple[bool, str]:
    from anninh.media.guard import Refused, parse_allowlist, vet

    allow = parse_allowlist(["*.zadn.vn", "*.zdn.vn"])
    refused = []
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:3000/_local/config",
        "https://evil.example/x.jpg",
        "https://f1.zadn.vn.evil.example/x.jpg",
    ):
        try:
            vet(url, allow, resolve=lambda host, port: ["169.254.169.254"])
        except Refused:
            refused.append(url)
    return len(refused) == 4, f"{len(refused)}/4 refused"


@attack("held", "citizen text with HTML/script reaches the console")
def _xss(run: Run) -> tuple[bool, str]:
    uses_html = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "console" / "js").rglob("*.js")
        if "innerHTML" in p.read_text(encoding="utf-8")
        or "insertAdjacentHTML" in p.read_text(encoding="utf-8")
    ]
    csp = run.stack.http.get("/").headers.get("content-security-policy", "")
    held = not uses_html and "script-src 'self'" in csp
    return held, f"HTML sinks: {uses_html or 'none'}; script-src self"


@attack("held", "tip text that is a spreadsheet formula (CSV injection)")
def _csv_injection(run: Run) -> tuple[bool, str]:
    formula = f'=HYPERLINK("http://evil.example","{uuid.uuid4().hex[:6]}")'
    run.tip(formula)
    r = run.api("GET", "tips/export.csv", WARD_CHIEF)
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    cells = [c for row in rows for c in row if "HYPERLINK" in c]
    held = bool(cells) and all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    return held, f"{len(cells)} cells, first {cells[0][:12] if cells else '-'}"


def test_attack_run(local_stack: LocalStack) -> None:
    run = Run(local_stack)
    results: list[tuple[str, str, bool, str]] = []
    for group, name, fn in ATTACKS:
        try:
            held, seen = fn(run)
        except Exception as exc:
            held, seen = False, f"error: {type(exc).__name__}: {exc}"[:160]
        results.append((group, name, held, seen))
    width = max(len(n) for _, n, _, _ in results)
    lines = [f"{'HELD' if h else 'FAILED':6}  {g:9}  {n:{width}}  {s}" for g, n, h, s in results]
    held_count = sum(1 for r in results if r[2])
    summary = f"attacks tried: {len(results)}  held: {held_count}  failed: {len(results) - held_count}"
    report = "\n".join([*lines, summary])
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "attack-report.txt").write_text(report + "\n", encoding="utf-8")
    print("\n" + report)
    assert len(results) >= 30
    assert held_count == len(results), "\n".join(line for line in lines if line.startswith("FAILED"))
