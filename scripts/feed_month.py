"""Feed a scripted month of activity and say what the figures must be.

    python scripts/feed_month.py --url http://127.0.0.1:3000      # the running local stack (make run)

The month is the 30 Vietnam days before today. What is fed, and how:
- follows, unfollows, procedure questions and tips: signed Zalo webhook events (POST /webhook/zalo),
  dated on their day, processed by the real pipeline (webhook -> inbound queue -> intake, bot, cases);
- valuable marks: PATCH /api/v1/tips/{id} {"valuable": true} by the district commander (today);
- broadcasts: POST /api/v1/campaigns by the editor, sent through the planner and broadcast senders to
  the fake Zalo (today). In-process (integration tests, no Zalo fake) broadcasts are not fed.
`expected()` gives the figures per unit (a unit includes those below) that the stats API must return.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from anninh.clock import VN_TZ, utcnow, vn_day
from anninh.registry import Registry

DISTRICT_COMMANDER = "tanphu.chihuy"
EDITOR = "tanphu.bientap"

QUESTIONS = (
    "Cho tôi hỏi thủ tục đăng ký tạm trú cần giấy tờ gì?",
    "Làm căn cước lần đầu cho con 14 tuổi thế nào ạ?",
    "Thủ tục đăng ký thường trú cho vợ về ở cùng",
    "Gia hạn tạm trú ở đâu vậy anh?",
    "Tôi bị mất căn cước thì làm lại thế nào",
    "Cách kích hoạt định danh điện tử mức 2",
    "Thông báo lưu trú cho khách thuê phòng làm sao",
    "Đăng ký xe máy mới mua cần mang gì",
)
TIPS = (
    "có nhóm thanh niên tụ tập gây mất trật tự ở đầu hẻm vào ban đêm",
    "có nhóm người thường xuyên tụ tập đánh bài ăn tiền trong quán nước gần chợ",
    "có xe lạ đậu nhiều ngày trước nhà, nghi xe gian",
    "phát hiện đường dây cho vay nặng lãi dán quảng cáo khắp khu phố",
    "có người lạ hay đi dòm ngó các nhà trong hẻm buổi trưa",
)
URGENT_TIP = "đang có đánh nhau có dao trước cổng chợ, nhiều người bị thương"

Kind = Literal["follow", "unfollow", "question", "tip"]


@dataclass(frozen=True)
class Activity:
    kind: Kind
    at: datetime
    oa_id: str
    user_id: str
    text: str = ""
    marker: str = ""  # tips: a code in the text to find the case again
    urgent: bool = False
    valuable: bool = False  # tips: marked valuable by the commander afterwards

    @property
    def day(self) -> str:
        return vn_day(self.at)


@dataclass
class Script:
    first: date
    last: date  # the last day with webhook events (yesterday)
    activities: list[Activity]
    broadcasts: list[list[str]] = field(default_factory=list)  # the OA of each campaign (one each)

    @property
    def period(self) -> tuple[str, str]:
        """The figures' period: the month and today (when valuable marks and broadcasts happen)."""
        return self.first.isoformat(), (self.last + timedelta(days=1)).isoformat()


@dataclass
class _DayClock:
    """Times through one day, a few minutes apart, in order."""

    base: datetime
    rnd: random.Random
    minute: int = 0

    def next(self) -> datetime:
        self.minute += self.rnd.randint(3, 25)
        return self.base + timedelta(minutes=self.minute)


def script_month(
    registry: Registry, today: date, days: int = 30, seed: int = 2026, sparse: bool = False
) -> Script:
    """A deterministic month ending yesterday: follows, a few unfollows, questions, tips (some urgent).

    `sparse` keeps it to about fifteen events (tests against the emulator, where each event costs ~1 s).
    """
    rnd = random.Random(seed)
    oas = [oa.oa_id for oa in registry.oas]
    first = today - timedelta(days=days)
    out: list[Activity] = []
    run = uuid.uuid4().hex[:6]  # fresh citizens on every run, so a second run adds to the first
    counter = iter(range(1, 1_000_000))
    followers: list[tuple[str, str]] = []
    tip_no = 0

    def user() -> str:
        return f"84{run}{next(counter):06d}"

    for d in range(days):
        day = first + timedelta(days=d)
        at = _DayClock(datetime(day.year, day.month, day.day, 7, 30, tzinfo=VN_TZ), rnd).next
        if sparse:
            follow_oas = [oas[(d // 5) % 4 * 4 % len(oas)]] if d % 5 == 0 else []
            questions = 1 if d % 10 == 2 else 0
            unfollow = d == 21
            tip_today = d % 8 == 1
        else:
            follow_oas = [oa for oa in rnd.sample(oas, 3) for _ in range(rnd.randint(1, 2))]
            questions = rnd.randint(1, 2)
            unfollow = d % 4 == 3
            tip_today = d % 2 == 0
        for oa_id in follow_oas:
            uid = user()
            followers.append((oa_id, uid))
            out.append(Activity("follow", at(), oa_id, uid))
        if unfollow and followers:
            oa_id, uid = followers.pop(rnd.randrange(len(followers)))
            out.append(Activity("unfollow", at(), oa_id, uid))
        for _ in range(questions):
            out.append(Activity("question", at(), rnd.choice(oas), user(), rnd.choice(QUESTIONS)))
        if tip_today:
            tip_no += 1
            urgent = tip_no % 7 == 2
            marker = f"F{run}{tip_no:03d}".upper()
            body = URGENT_TIP if urgent else rnd.choice(TIPS)
            oa_id = rnd.choice(oas)
            text = f"Báo tin {marker}: {body}"
            out.append(Activity("tip", at(), oa_id, user(), text, marker, urgent, valuable=tip_no % 2 == 1))
    out.sort(key=lambda a: a.at)
    # Consultation broadcasts reach followers who interacted in the last 7 days: aim at those OAs.
    recent = [a.oa_id for a in reversed(out) if a.kind == "follow" and (today - a.at.date()).days <= 6]
    targets = [*dict.fromkeys(recent), registry.oas[0].oa_id]
    return Script(first, today - timedelta(days=1), out, [[targets[0]], [targets[1]]])


def expected(
    registry: Registry, script: Script, broadcast_sent: dict[str, int] | None = None
) -> dict[str, Any]:
    """Figures per unit (with the units below) and per day for the district, from the script alone."""
    per_oa: dict[str, Counter[str]] = {}
    per_day: dict[str, Counter[str]] = {}
    for a in script.activities:
        c = per_oa.setdefault(a.oa_id, Counter())
        d = per_day.setdefault(a.day, Counter())
        names = {
            "follow": ["follows"],
            "unfollow": ["unfollows"],
            "question": ["messages_in", "inquiries"],
            "tip": ["messages_in", "tips"]
            + (["tips_urgent"] if a.urgent else [])
            + (["tips_valuable"] if a.valuable else []),
        }[a.kind]
        for name in names:
            c[name] += 1
            if name != "tips_valuable":  # marked today, not on the tip's day
                d[name] += 1
    for oa_id, sent in (broadcast_sent or {}).items():
        per_oa.setdefault(oa_id, Counter())["broadcast_sent"] += sent
    units: dict[str, dict[str, int]] = {}
    for unit in registry.units:
        inside = set(registry.subtree(unit.unit_id))
        total: Counter[str] = Counter()
        for oa_id, c in per_oa.items():
            oa = registry.oa(oa_id)
            if oa and oa.unit_id in inside:
                total.update(c)
        figures = {k: int(v) for k, v in total.items()}
        figures["followers"] = figures.get("follows", 0) - figures.get("unfollows", 0)
        units[unit.unit_id] = figures
    return {"units": units, "days": {d: dict(c) for d, c in per_day.items()}}


# ------------------------------------------------------------------------------------ channels


class Channel(Protocol):
    def webhook(self, registry: Registry, body: dict[str, Any]) -> int: ...
    def settle(self, timeout: float = 120.0) -> None: ...
    def api(
        self, username: str, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
    ) -> tuple[int, Any]: ...

    sends_broadcasts: bool


def zalo_body(registry: Registry, a: Activity) -> dict[str, Any]:
    oa = registry.oa(a.oa_id)
    assert oa is not None
    ts = str(int(a.at.timestamp() * 1000))
    if a.kind in ("follow", "unfollow"):
        return {
            "app_id": oa.app_id,
            "event_name": a.kind,
            "timestamp": ts,
            "oa_id": a.oa_id,
            "user_id_by_app": f"app-{a.user_id}",
            "follower": {"id": a.user_id},
            "source": "oa_profile",
        }
    return {
        "app_id": oa.app_id,
        "event_name": "user_send_text",
        "timestamp": ts,
        "user_id_by_app": f"app-{a.user_id}",
        "sender": {"id": a.user_id},
        "recipient": {"id": a.oa_id},
        "message": {"msg_id": f"feed-{a.user_id}-{ts}", "text": a.text},
    }


def signed(registry: Registry, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    from anninh.intake.signature import signature_header

    app = registry.apps_by_id[str(body["app_id"])]
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    header = signature_header(app.app_id, raw, str(body["timestamp"]), app.oa_secret_key)
    return raw, {"Content-Type": "application/json", "X-ZEvent-Signature": header}


class HttpChannel:
    """The local stack over HTTP (make run): webhook, officer API with Cognito sign-in."""

    sends_broadcasts = True

    def __init__(self, base_url: str, password: str = "Demo-Passw0rd-2026") -> None:
        import httpx

        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=30.0)
        self.config: dict[str, Any] = self.http.get("/_local/config").raise_for_status().json()
        self.password = password
        self.tokens: dict[str, str] = {}

    def _aws(self, service: str) -> Any:
        import boto3

        client: Any = boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.config["aws_endpoint_url"],
            region_name=self.config["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        return client

    def webhook(self, registry: Registry, body: dict[str, Any]) -> int:
        raw, headers = signed(registry, body)
        return int(self.http.post("/webhook/zalo", content=raw, headers=headers).status_code)

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until the inbound queue is empty (nothing waiting, nothing in flight) twice in a row."""
        sqs = self._aws("sqs")
        url = self.config["queues"]["InboundQueue"]
        deadline, quiet = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            attrs = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            busy = int(attrs["ApproximateNumberOfMessages"]) + int(
                attrs["ApproximateNumberOfMessagesNotVisible"]
            )
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return
            time.sleep(0.5)
        raise TimeoutError("the inbound queue did not drain")

    def _token(self, username: str) -> str:
        if username not in self.tokens:
            result = self._aws("cognito-idp").initiate_auth(
                ClientId=self.config["user_pool_client_id"],
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": self.password},
            )
            self.tokens[username] = result["AuthenticationResult"]["IdToken"]
        return self.tokens[username]

    def api(
        self, username: str, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        reply = self.http.request(
            method,
            "/api/v1" + path,
            json=body,
            params=query,
            headers={"Authorization": f"Bearer {self._token(username)}"},
        )
        try:
            return reply.status_code, reply.json()
        except ValueError:
            return reply.status_code, reply.text


class InProcessChannel:
    """The functions in this process against moto (integration tests): webhook and API handlers are
    invoked as Lambda would, and the inbound queue is drained through InboundFunction."""

    sends_broadcasts = False

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def webhook(self, registry: Registry, body: dict[str, Any]) -> int:
        from localcloud.lambdas import invoke

        raw, headers = signed(registry, body)
        event = _http_event("POST", "/webhook/zalo", raw.decode(), {k.lower(): v for k, v in headers.items()})
        return int(invoke("WebhookFunction", event)["statusCode"])

    def settle(self, timeout: float = 120.0) -> None:
        """Drain the inbound queue through InboundFunction."""
        from anninh.settings import get_settings

        self.drain(get_settings().inbound_queue_url, "InboundFunction", timeout)

    def make_reports(self, timeout: float = 120.0) -> None:
        """Drain the report queue through ReportFunction (what the local cloud's poller does)."""
        from anninh.settings import get_settings

        self.drain(get_settings().report_queue_url, "ReportFunction", timeout)

    def drain(self, url: str, function: str, timeout: float = 120.0) -> None:
        from anninh import aws
        from localcloud.lambdas import invoke
        from localcloud.pollers import lambda_record

        sqs = aws.client("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                VisibilityTimeout=60,
            ).get("Messages", [])
            if not got:
                return
            result = invoke(function, {"Records": [lambda_record(m, arn, "ap-southeast-1") for m in got]})
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            if failed:
                raise RuntimeError(f"{function} failed for {len(failed)} message(s)")
            for m in got:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        raise TimeoutError(f"{function}'s queue did not drain")

    def api(
        self, username: str, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        from urllib.parse import urlencode

        from localcloud.lambdas import invoke

        officer = next(o for o in self.registry.officers if o.username == username)
        claims = {
            "cognito:username": officer.username,
            "custom:unit_id": officer.unit_id,
            "cognito:groups": "[" + " ".join(officer.roles) + "]",
            "token_use": "id",
        }
        event = _http_event(
            method,
            "/api/v1" + path,
            json.dumps(body) if body is not None else None,
            {"content-type": "application/json"},
            query,
        )
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        event["rawQueryString"] = urlencode(query or {})
        response = invoke("ApiFunction", event)
        raw = response.get("body") or ""
        try:
            return int(response["statusCode"]), json.loads(raw) if raw else None
        except ValueError:
            return int(response["statusCode"]), raw


def _http_event(
    method: str, path: str, body: str | None, headers: dict[str, str], query: dict[str, Any] | None = None
) -> dict[str, Any]:
    now = utcnow()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "local", **headers},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "local",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "feed-month",
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body
    if query:
        event["queryStringParameters"] = {k: str(v) for k, v in query.items()}
    return event


# ------------------------------------------------------------------------------------ feeding


@dataclass
class FeedResult:
    script: Script
    cases: dict[str, str] = field(default_factory=dict)  # marker -> case id
    valuable_marked: list[str] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    broadcast_sent: dict[str, int] = field(default_factory=dict)  # OA -> recipients sent
    notes: list[str] = field(default_factory=list)


def feed(channel: Channel, registry: Registry, script: Script, wait_campaigns: float = 120.0) -> FeedResult:
    result = FeedResult(script)
    for a in script.activities:
        status = channel.webhook(registry, zalo_body(registry, a))
        if status != 200:
            raise RuntimeError(f"webhook answered {status} for a {a.kind}")
    channel.settle()
    result.cases = find_cases(channel, script)
    for a in script.activities:
        if a.kind == "tip" and a.valuable:
            case_id = result.cases[a.marker]
            status, payload = channel.api(DISTRICT_COMMANDER, "PATCH", f"/tips/{case_id}", {"valuable": True})
            if status != 200:
                raise RuntimeError(f"marking {a.marker} valuable answered {status}: {payload}")
            result.valuable_marked.append(case_id)
    if channel.sends_broadcasts:
        for n, oa_ids in enumerate(script.broadcasts, 1):
            body = {
                "name": f"Thông báo tháng – đợt {n}",
                "oa_ids": oa_ids,
                "message": {"text": "Công an khuyến cáo: khóa cửa, khóa xe cẩn thận khi ra khỏi nhà."},
            }
            status, payload = channel.api(EDITOR, "POST", "/campaigns", body)
            if status not in (200, 201, 202):
                raise RuntimeError(f"campaign answered {status}: {payload}")
            result.campaigns.append(
                wait_campaign(channel, str(payload.get("id") or payload.get("campaign_id")), wait_campaigns)
            )
        for campaign, oa_ids in zip(result.campaigns, script.broadcasts, strict=True):
            (oa_id,) = oa_ids  # one OA per campaign, so its `sent` is that OA's broadcast_sent
            result.broadcast_sent[oa_id] = result.broadcast_sent.get(oa_id, 0) + int(campaign.get("sent", 0))
    else:
        result.notes.append("broadcasts not fed in-process (no Zalo fake); fed through the local stack")
    return result


def find_cases(channel: Channel, script: Script) -> dict[str, str]:
    """marker -> case id, from the district commander's inbox (who sees every unit)."""
    wanted = {a.marker for a in script.activities if a.kind == "tip"}
    found: dict[str, str] = {}
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"since": script.first.isoformat(), "limit": 100}
        if cursor:
            query["cursor"] = cursor
        status, page = channel.api(DISTRICT_COMMANDER, "GET", "/tips", query=query)
        if status != 200:
            raise RuntimeError(f"listing tips answered {status}: {page}")
        for item in page["items"]:
            for marker in wanted:
                if (
                    marker in (item.get("summary") or "")
                    or marker.lower() in (item.get("summary") or "").lower()
                ):
                    found[marker] = item["case_id"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    missing = wanted - set(found)
    if missing:
        raise RuntimeError(f"tips not found in the inbox: {sorted(missing)}")
    return found


def wait_campaign(channel: Channel, campaign_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    payload: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status, payload = channel.api(EDITOR, "GET", f"/campaigns/{campaign_id}")
        if status == 200 and payload.get("status") in ("done", "cancelled"):
            return payload
        time.sleep(1.0)
    raise TimeoutError(f"campaign {campaign_id} did not finish: {payload}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="the local stack (make run)")
    parser.add_argument("--registry", default="demo/registry.json")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    registry = Registry.load(args.registry)
    today = date.fromisoformat(vn_day(utcnow()))
    script = script_month(registry, today, seed=args.seed)
    channel = HttpChannel(args.url)
    result = feed(channel, registry, script)
    want = expected(registry, script, result.broadcast_sent)
    first, last = script.period
    print(
        f"Fed {len(script.activities)} webhook events ({first}..{script.last}), "
        f"{len(result.valuable_marked)} valuable marks, {len(result.campaigns)} campaigns."
    )
    for note in result.notes:
        print("note:", note)
    status, stats = channel.api(DISTRICT_COMMANDER, "GET", "/stats", query={"from": first, "to": last})
    if status != 200:
        print(f"stats answered {status}: {stats}", file=sys.stderr)
        return 1
    district = want["units"][registry.units[0].unit_id]
    print(f"{'figure':<15}{'fed':>8}{'API':>8}")
    for name, value in sorted(district.items()):
        print(f"{name:<15}{value:>8}{stats.get(name, '—')!s:>8}")
    print("(a second run adds to the first; the API also counts anything else done in the period)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
