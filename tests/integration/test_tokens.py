"""TokenStore against moto: the per-OA secret, the refresh lease, and the scheduled refresh job."""

from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from anninh.clock import iso, utcnow
from anninh.zalo.client import ZaloClient
from anninh.zalo.errors import TokenUnavailableError
from anninh.zalo.store import DynamoTokenLeases
from anninh.zalo.tokens import TokenRecord, TokenStore

OA_ID = "2200000000000000001"  # Phường Hiệp Tân (demo registry)
APP_ID = "1100000000000000001"


class FakeZalo:
    """Zalo's OAuth and message API in memory, strict like the real one: refresh tokens are single-use
    and a refresh kills the previous access token. `faults` makes the next message sends fail."""

    def __init__(self, access: str = "A0", refresh: str = "R0", refresh_delay: float = 0.0) -> None:
        self.valid_access = {access}
        self.valid_refresh = {refresh}
        self.refresh_tokens_used: list[str] = []
        self.rejected_refresh_tokens: list[str] = []
        self.faults: list[int | str] = []
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.refresh_delay = refresh_delay
        self.codes: dict[str, str] = {}  # authorization code -> PKCE challenge
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> ZaloClient:
        return ZaloClient(transport=self.transport())

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/v4/oa/access_token"):
            return self._oauth(request)
        with self._lock:
            self.calls.append(path)
            fault = self.faults.pop(0) if self.faults and "/oa/message/" in path else None
        if fault == "network":
            raise httpx.ConnectError("connection refused", request=request)
        if isinstance(fault, int):
            return httpx.Response(200, json={"error": fault, "message": f"injected {fault}"})
        if request.headers.get("access_token") not in self.valid_access:
            return httpx.Response(200, json={"error": -216, "message": "Access token is invalid"})
        body = json.loads(request.content)
        with self._lock:
            message_id = f"zmsg-{next(self._ids)}"
            self.sent.append({"path": path, "body": body, "message_id": message_id})
        return httpx.Response(
            200,
            json={
                "error": 0,
                "message": "Success",
                "data": {"message_id": message_id, "user_id": body["recipient"].get("user_id", "")},
            },
            headers={"X-RateLimit-Limit": "4000", "X-RateLimit-Remain": "3999"},
        )

    def _exchange(self, form: dict[str, str]) -> httpx.Response:
        """PKCE code exchange: single-use codes bound to an S256 challenge."""
        import base64
        import hashlib

        challenge = self.codes.pop(form.get("code", ""), None)
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if challenge is None or base64.urlsafe_b64encode(digest).decode().rstrip("=") != challenge:
            return httpx.Response(200, json={"error": -14019, "error_name": "Invalid code or verifier"})
        with self._lock:
            n = next(self._ids)
            self.valid_access = {f"A{n}"}
            self.valid_refresh = {f"R{n}"}
        return httpx.Response(
            200, json={"access_token": f"A{n}", "refresh_token": f"R{n}", "expires_in": "90000"}
        )

    def _oauth(self, request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        assert request.headers.get("secret_key"), "OAuth call without the app secret"
        if form.get("grant_type") == "authorization_code":
            return self._exchange(form)
        token = form.get("refresh_token", "")
        with self._lock:
            self.refresh_tokens_used.append(token)
            if token not in self.valid_refresh:
                self.rejected_refresh_tokens.append(token)
                return httpx.Response(
                    200,
                    json={
                        "error": -14014,
                        "error_name": "Invalid refresh token",
                        "error_description": "refresh token is invalid or used",
                    },
                )
            self.valid_refresh.discard(token)
            n = next(self._ids)
        time.sleep(self.refresh_delay)  # widen the race window between concurrent refreshers
        with self._lock:
            self.valid_access = {f"A{n}"}  # the previous access token dies at once
            self.valid_refresh.add(f"R{n}")
        return httpx.Response(
            200, json={"access_token": f"A{n}", "refresh_token": f"R{n}", "expires_in": "90000"}
        )


class AtomicTable:
    """The main table with DynamoDB's per-item atomicity of conditional writes.

    moto's in-process conditional writes are not atomic across threads (the condition is checked,
    then the item written, without a lock: 4 threads racing for the lease won it together in about
    half the rounds we measured). DynamoDB serialises writes to an item, so the test does too.
    """

    _lock = threading.Lock()

    def __init__(self) -> None:
        from anninh import aws

        self._table = aws.table()

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._table, name)
        if name not in ("update_item", "put_item", "delete_item"):
            return call

        def atomic(**kwargs: Any) -> Any:
            with self._lock:
                return call(**kwargs)

        return atomic


def seed_tokens(
    store: TokenStore, access: str = "A0", refresh: str = "R0", expires_in_hours: float = 20
) -> None:
    now = utcnow()
    store.save(
        TokenRecord(
            oa_id=OA_ID,
            app_id=APP_ID,
            access_token=access,
            refresh_token=refresh,
            expires_at=iso(now + timedelta(hours=expires_in_hours)),
            refreshed_at=iso(now),
        )
    )
    store.forget()


def stored(oa_id: str = OA_ID) -> dict[str, Any]:
    from anninh import aws
    from anninh.settings import get_settings

    raw = aws.client("secretsmanager").get_secret_value(SecretId=get_settings().token_secret_prefix + oa_id)
    return json.loads(raw["SecretString"])


def test_access_token_reads_the_oa_secret(aws_stack: Any) -> None:
    fake = FakeZalo()
    store = TokenStore(client=fake.client())
    seed_tokens(store)
    assert store.access_token(OA_ID) == "A0"
    assert set(stored()) == {"oa_id", "app_id", "access_token", "refresh_token", "expires_at", "refreshed_at"}


def test_unconnected_oa_has_no_token(aws_stack: Any) -> None:
    store = TokenStore(client=FakeZalo().client())
    with pytest.raises(TokenUnavailableError):
        store.access_token("2200000000000000009")


def test_refresh_stores_the_new_pair_before_returning(aws_stack: Any) -> None:
    fake = FakeZalo()
    store = TokenStore(client=fake.client())
    seed_tokens(store)
    assert store.refresh(OA_ID, "A0") == "A1"
    saved = stored()
    assert (saved["access_token"], saved["refresh_token"]) == ("A1", "R1")
    assert fake.refresh_tokens_used == ["R0"]
    # A second caller holding the same stale token gets the new one without refreshing again.
    assert TokenStore(client=fake.client()).refresh(OA_ID, "A0") == "A1"
    assert fake.refresh_tokens_used == ["R0"]


def test_concurrent_refreshes_use_the_refresh_token_once(aws_stack: Any) -> None:
    fake = FakeZalo(refresh_delay=0.3)
    seed_tokens(TokenStore(client=fake.client()))
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    table = AtomicTable()

    def refresher() -> None:
        store = TokenStore(
            leases=DynamoTokenLeases(table), client=fake.client(), poll_seconds=0.05
        )  # one per "Lambda"
        start.wait()
        try:
            results.append(store.refresh(OA_ID, "A0"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=refresher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert fake.refresh_tokens_used == ["R0"]  # used exactly once, never replayed
    assert fake.rejected_refresh_tokens == []
    assert results == ["A1"] * 4  # everyone ends up with the one live token
    assert stored()["refresh_token"] == "R1"


def test_lease_left_by_a_crashed_refresher_expires(aws_stack: Any) -> None:
    from anninh import aws, keys

    fake = FakeZalo()
    store = TokenStore(client=fake.client(), wait_seconds=5, poll_seconds=0.05)
    seed_tokens(store)
    aws.table().put_item(
        Item={**keys.token_lease(OA_ID), "owner": "dead", "lease_until": int((time.time() + 0.3) * 1000)}
    )
    assert store.refresh(OA_ID, "A0") == "A1"
    assert fake.refresh_tokens_used == ["R0"]


def test_refused_refresh_raises_and_keeps_the_stored_pair(aws_stack: Any) -> None:
    fake = FakeZalo(refresh="R-other")  # Zalo no longer knows our refresh token
    store = TokenStore(client=fake.client())
    seed_tokens(store)
    with pytest.raises(TokenUnavailableError) as caught:
        store.refresh(OA_ID, "A0")
    assert not caught.value.transient
    assert stored()["refresh_token"] == "R0"


def test_pair_that_cannot_be_stored_is_parked_and_saved_by_the_next_refresher(aws_stack: Any) -> None:
    from anninh import aws

    fake = FakeZalo()
    real = aws.client("secretsmanager")

    class BrokenSecrets:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def put_secret_value(self, **kwargs: Any) -> Any:
            raise RuntimeError("Secrets Manager unavailable")

    seed_tokens(TokenStore(client=fake.client()))
    broken = TokenStore(
        secrets=BrokenSecrets(), client=fake.client(), persist_seconds=0.3, sleep=lambda s: None
    )
    with pytest.raises(TokenUnavailableError):
        broken.refresh(OA_ID, "A0")
    assert stored()["refresh_token"] == "R0"  # not saved yet...
    healthy = TokenStore(client=fake.client())
    assert healthy.refresh(OA_ID, "A0") == "A1"  # ...but not lost: the next refresher saves it
    assert stored()["refresh_token"] == "R1"
    assert fake.refresh_tokens_used == ["R0"]


def test_scheduled_refresh_only_touches_expiring_tokens(
    aws_stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localcloud.lambdas import invoke

    fake = FakeZalo()
    store = TokenStore(client=fake.client())
    seed_tokens(store, expires_in_hours=2)  # expiring soon
    fresh_oa = "2200000000000000002"
    now = utcnow()
    store.save(
        TokenRecord(
            oa_id=fresh_oa,
            app_id=APP_ID,
            access_token="B0",
            refresh_token="S0",
            expires_at=iso(now + timedelta(hours=20)),
            refreshed_at=iso(now),
        )
    )
    monkeypatch.setattr("anninh.zalo.tokens.ZaloClient", fake.client)
    result = invoke("TokenRefreshFunction", {"job": "token-refresh"})
    assert result["refreshed"] == [OA_ID]
    assert fresh_oa in result["fresh"]
    assert result["failed"] == {}
    assert stored()["access_token"] == "A1"
    assert stored(fresh_oa)["access_token"] == "B0"


def test_scheduled_refresh_failure_emits_the_alarm_metric(
    aws_stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from anninh.observability import metrics
    from localcloud.lambdas import invoke

    fake = FakeZalo(refresh="R-other")
    seed_tokens(TokenStore(client=fake.client()), expires_in_hours=1)
    monkeypatch.setattr("anninh.zalo.tokens.ZaloClient", fake.client)
    metrics.clear_metrics()  # the process-wide buffer may hold metrics of earlier tests' direct calls
    result = invoke("TokenRefreshFunction", {"job": "token-refresh", "oa_ids": [OA_ID]})
    assert list(result["failed"]) == [OA_ID]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    metric = next(e for e in emf if "TokenRefreshFailed" in e)
    directive = metric["_aws"]["CloudWatchMetrics"][0]
    # Exactly what TokenRefreshFailedAlarm in template.yaml watches.
    assert directive["Namespace"] == "AnNinhOA"
    assert directive["Dimensions"] == [["service"]]
    assert metric["service"] == "anninh"
    assert metric["TokenRefreshFailed"] == [1.0] or metric["TokenRefreshFailed"] == 1.0


@pytest.mark.parametrize(
    "function",
    ["SenderFunction", "BroadcastSenderFunction", "CampaignPlannerFunction", "TokenRefreshFunction"],
)
def test_every_function_that_calls_zalo_reads_and_refreshes_the_token_under_its_own_role(
    aws_stack: Any, function: str
) -> None:
    """Each calls Zalo with the OA's token and refreshes it when Zalo says it expired (the planner for
    article campaigns): a grant missing from its role would be AccessDenied here, as in AWS."""
    from localcloud.iam import acting_as

    fake = FakeZalo()
    seed_tokens(TokenStore(client=fake.client()))  # the operator's connect step
    store = TokenStore(client=fake.client())
    with acting_as(function):
        assert store.access_token(OA_ID) == "A0"
        assert store.refresh(OA_ID, "A0") == "A1"
    assert stored()["access_token"] == "A1"
