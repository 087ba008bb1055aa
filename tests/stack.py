"""End-to-end fixtures: the local cloud started as a subprocess (`python -m localcloud`), over HTTP.

Use the session-scoped `local_stack` fixture and mark tests `@pytest.mark.e2e`:

    @pytest.mark.e2e
    def test_tip(local_stack):
        local_stack.sign_and_post(event)                 # a signed Zalo webhook event
        replies = local_stack.wait_sent(user_id, count=1) # what the OA sent, from the fake Zalo
        token = local_stack.login("hieptan.canbo")        # Cognito IdToken (demo password by default)
        local_stack.api("GET", "/tips", token=token)      # officer API, path relative to /api/v1

Under `make test` (`-n 3`) each xdist worker starts one shared stack, the first time one of its tests
asks for it, and the local-stack tests are spread over the workers like any others: a test never
relies on having a stack to itself or on what ran before it (use fresh citizens and names). xdist's
`xdist_group` does not group under pytest 9 (xdist 3.8 rewrites `item._nodeid`, which pytest 9 no
longer reads), and one group would queue every local-stack test behind one worker anyway.
Tests that change the fake Zalo (faults, rate limit) should call `reset_zalo()` when done.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_REGISTRY = ROOT / "demo" / "registry.json"
DEMO_PASSWORD = "Demo-Passw0rd-2026"
DISTRICT_OA = "2200000000000000000"
STARTUP_TIMEOUT = float(os.environ.get("LOCAL_STACK_TIMEOUT", "90"))
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def zalo_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """X-ZEvent-Signature value: mac=sha256(app_id + raw_body + timestamp + oa_secret_key)."""
    digest = hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode())
    return "mac=" + digest.hexdigest()


@dataclass
class LocalStack:
    """A running local cloud and helpers to talk to it."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    registry: dict[str, Any]
    http: httpx.Client = field(init=False)
    config: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, timeout=30.0)

    # ---------------------------------------------------------------- AWS (the embedded moto)
    @property
    def aws_endpoint_url(self) -> str:
        return str(self.config["aws_endpoint_url"])

    @property
    def environment(self) -> dict[str, str]:
        """The functions' environment: TABLE_NAME, *_QUEUE_URL, MEDIA_BUCKET, ..."""
        env: dict[str, str] = self.config["environment"]
        return env

    def aws_client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.aws_endpoint_url,
            region_name=self.config["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def table(self, name: str | None = None) -> Any:
        import boto3

        resource = boto3.resource(
            "dynamodb",
            endpoint_url=self.aws_endpoint_url,
            region_name=self.config["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        return resource.Table(name or self.environment["TABLE_NAME"])

    def citizen_ref(self, user_id: str) -> str:
        """How the stack's keys name a citizen (`anninh.keys.citizen_ref`, under the stack's pepper)."""
        from anninh.crypto import user_hash_with

        secret = self.aws_client("secretsmanager").get_secret_value(
            SecretId=self.environment["PSEUDONYM_SECRET_ID"]
        )["SecretString"]
        return user_hash_with(secret.encode(), user_id)

    # ---------------------------------------------------------------- webhook
    def app_for_oa(self, oa_id: str) -> dict[str, Any]:
        oa = next(o for o in self.registry["oas"] if o["oa_id"] == oa_id)
        app: dict[str, Any] = next(a for a in self.registry["apps"] if a["app_id"] == oa["app_id"])
        return app

    def sign_and_post(
        self,
        event: dict[str, Any],
        *,
        signed: bool = True,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a Zalo event to /webhook/zalo, signed as Zalo signs it (app from the event's OA).

        The event's `app_id` and `timestamp` are filled in when missing.
        """
        oa_id = str(
            event.get("oa_id")
            or (event.get("recipient") or {}).get("id")
            or (event.get("sender") or {}).get("id")
            or DISTRICT_OA
        )
        app = (
            self.app_for_oa(oa_id)
            if any(o["oa_id"] == oa_id for o in self.registry["oas"])
            else self.registry["apps"][0]
        )
        event.setdefault("app_id", app["app_id"])
        event.setdefault("timestamp", str(int(time.time() * 1000)))
        body = (
            raw if raw is not None else json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        )
        sent_headers = {"Content-Type": "application/json", **(headers or {})}
        if signed:
            sent_headers["X-ZEvent-Signature"] = zalo_signature(
                str(event["app_id"]), body, str(event["timestamp"]), app["oa_secret_key"]
            )
        return self.http.post("/webhook/zalo", content=body, headers=sent_headers)

    def text_event(self, user_id: str, text: str, oa_id: str = DISTRICT_OA) -> dict[str, Any]:
        """A user_send_text event from a citizen to an OA."""
        return {
            "event_name": "user_send_text",
            "sender": {"id": user_id},
            "recipient": {"id": oa_id},
            "user_id_by_app": user_id,
            "timestamp": str(int(time.time() * 1000)),
            "message": {"msg_id": uuid.uuid4().hex, "text": text},
        }

    # ---------------------------------------------------------------- officers
    def login(self, username: str, password: str = DEMO_PASSWORD) -> str:
        """An officer's Cognito IdToken (USER_PASSWORD_AUTH against the embedded moto)."""
        idp = self.aws_client("cognito-idp")
        result = idp.initiate_auth(
            ClientId=self.config["user_pool_client_id"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        token: str = result["AuthenticationResult"]["IdToken"]
        return token

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        """Call the officer API; `path` is relative to /api/v1 unless it starts with /api/."""
        url = path if path.startswith("/api/") else "/api/v1/" + path.lstrip("/")
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, url, headers=headers, **kwargs)

    # ---------------------------------------------------------------- fake Zalo
    def sent(self, user_id: str | None = None, oa_id: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"user_id": user_id, "oa_id": oa_id}.items() if v}
        reply = self.http.get("/_local/zalo/sent", params=params)
        reply.raise_for_status()
        records: list[dict[str, Any]] = reply.json()
        return records

    def wait_sent(
        self, user_id: str, count: int = 1, timeout: float = 20.0, oa_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Wait until the fake Zalo has delivered at least `count` messages to the user."""
        records: list[dict[str, Any]] = []

        def enough() -> bool:
            nonlocal records
            records = self.sent(user_id, oa_id)
            return len(records) >= count

        self.wait_for(enough, timeout, f"{count} message(s) sent to {user_id}")
        return records

    def zalo_requests(self, endpoint: str | None = None, oa_id: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"endpoint": endpoint, "oa_id": oa_id}.items() if v}
        records: list[dict[str, Any]] = self.http.get("/_local/zalo/requests", params=params).json()
        return records

    def fault(self, error: int | str, count: int | None = None, **scope: str) -> None:
        """Make the next sends fail: fault(-32, 3), fault("network", 1), fault(-230, user_id="...")."""
        spec: dict[str, Any] = {"error": error, **scope}
        if count is not None:
            spec["count"] = count
        self.http.post("/_local/zalo/faults", json=spec).raise_for_status()

    def set_rate_limit(self, per_minute: int) -> None:
        self.http.post("/_local/zalo/config", json={"rate_limit_per_minute": per_minute}).raise_for_status()

    def reset_zalo(self) -> None:
        """Clear the fake Zalo's records and faults and restore the default rate limit."""
        self.http.post("/_local/zalo/reset").raise_for_status()
        self.http.post(
            "/_local/zalo/config", json={"rate_limit_per_minute": 4000, "proactive_quota_per_month": None}
        ).raise_for_status()

    # ---------------------------------------------------------------- schedules, queues
    def fire_schedule(self, function: str, event: str) -> Any:
        """Fire a template schedule now (e.g. "TokenRefreshFunction", "Hourly"); returns its result."""
        reply = self.http.post(f"/_local/schedules/{function}/{event}", timeout=120.0)
        if reply.status_code != 200:
            raise AssertionError(f"schedule {function}/{event}: {reply.status_code} {reply.text}")
        return reply.json()

    def queue_depth(self, queue_url: str) -> int:
        """Visible + in-flight messages of a queue (by URL, e.g. environment["OUTBOX_QUEUE_URL"])."""
        attrs = self.aws_client("sqs").get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    @staticmethod
    def wait_for(
        predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition", interval: float = 0.2
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        stop_stacks([self])


def stop_stacks(stacks: list[LocalStack]) -> None:
    """Stop local clouds together: all are asked to stop, then each is waited for (killed after 10 s)."""
    for stack in stacks:
        stack.http.close()
        if stack.process.poll() is None:
            stack.process.terminate()
    for stack in stacks:
        try:
            stack.process.wait(10)
        except subprocess.TimeoutExpired:
            stack.process.kill()
            stack.process.wait(5)


def start_local_stack(
    log_path: Path, env: dict[str, str] | None = None, registry: Path = DEMO_REGISTRY
) -> LocalStack:
    """Start `python -m localcloud` on a free port and wait until /_local/health answers 200.

    A port taken between choosing it and binding it (another worker) is retried on a new port.
    """
    for attempt in range(3):
        stack = _launch(free_port(), log_path, env, registry)
        if stack is not None:
            return stack
        log_path = log_path.with_name(f"{log_path.stem}-retry{attempt + 1}{log_path.suffix}")
    raise RuntimeError("could not find a free port for the local cloud")


def _launch(port: int, log_path: Path, env: dict[str, str] | None, registry: Path) -> LocalStack | None:
    child_env = {
        **os.environ,
        "LOCAL_SCHEDULES": "off",
        # The shared stack's demo commanders sign in with a password only (e2e tests log in as them);
        # two-step sign-in stays required for admins (tests/browser/test_role_days.py).
        "LOCAL_MFA_REQUIRED_ROLES": "admin",
        "ANNINH_REGISTRY": str(registry),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "anninh"), str(ROOT)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        # Function timeouts are enforced; a loaded 2-core CI machine runs handlers several times slower
        # than Lambda, so the e2e stacks allow three times each function's Timeout.
        "LOCAL_TIMEOUT_SCALE": "3",
        # Test stacks keep their state in memory: snapshots every few seconds would pause every AWS call
        # while moto's backends are copied, and a stop would wait for the last one. The test of
        # restarts passes a folder of its own (tests/e2e/test_localcloud_state.py).
        "LOCAL_STATE_DIR": "off",
        **(env or {}),
    }
    for leaked in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        child_env.pop(leaked, None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:  # the child keeps its own handle
        process = subprocess.Popen(
            [sys.executable, "-m", "localcloud", "--port", str(port)],
            cwd=ROOT,
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    stack = LocalStack(
        f"http://127.0.0.1:{port}", process, log_path, json.loads(registry.read_text(encoding="utf-8"))
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            if "cannot start on" in stack.log_text():
                return None  # port taken meanwhile
            raise RuntimeError(f"local cloud exited with {process.returncode}:\n{stack.log_text()[-5000:]}")
        try:
            if stack.http.get("/_local/health", timeout=2.0).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stack.stop()
            raise RuntimeError(
                f"local cloud not healthy after {STARTUP_TIMEOUT:.0f} s:\n{stack.log_text()[-5000:]}"
            )
        time.sleep(0.2)
    stack.config = stack.http.get("/_local/config").json()
    return stack


@pytest.fixture(scope="module")
def stack_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., LocalStack]]:
    """Start extra local clouds: `stack_factory(env={"ANNINH_TEMPLATE": path})`; stopped at the end of
    the module (an idle stack still polls its queues and holds its workers' memory)."""
    started: list[LocalStack] = []

    def start(env: dict[str, str] | None = None, name: str = "extra") -> LocalStack:
        stack = start_local_stack(ARTIFACTS / f"{name}-stack-{uuid.uuid4().hex[:6]}.log", env=env)
        started.append(stack)
        return stack

    failed_before = request.session.testsfailed
    yield start
    stop_stacks(started)
    for stack in started:
        if request.session.testsfailed > failed_before:
            sys.stderr.write(f"\n---- {stack.log_path}, last 150 lines ----\n")
            sys.stderr.write("\n".join(stack.log_text().splitlines()[-150:]) + "\n")


@pytest.fixture(scope="session")
def local_stack(request: pytest.FixtureRequest) -> Iterator[LocalStack]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    stack = start_local_stack(ARTIFACTS / f"local-stack-{worker}.log")
    failed_before = request.session.testsfailed
    yield stack
    stack.stop()
    if request.session.testsfailed > failed_before:
        sys.stderr.write(f"\n---- local cloud log ({stack.log_path}), last 200 lines ----\n")
        sys.stderr.write("\n".join(stack.log_text().splitlines()[-200:]) + "\n")
