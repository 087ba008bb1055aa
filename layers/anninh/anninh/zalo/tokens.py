"""Per-OA Zalo tokens in Secrets Manager, refreshed one refresher at a time.

Refresh tokens are single-use and rotate; the previous access token dies the moment a refresh
succeeds. So a refresh must (1) never run twice at once for one OA, anywhere, and (2) store the new
pair before anything uses it. (1) is a lease item in DynamoDB (conditional write with an expiry and
an owner); (2) is a Secrets Manager put that is retried until it succeeds, with an encrypted copy
left on the lease item as a last resort so that the next refresher can still save it.

Secret `TOKEN_SECRET_PREFIX + oa_id`:
``{"oa_id", "app_id", "access_token", "refresh_token", "expires_at", "refreshed_at"}`` (ISO UTC).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError
from pydantic import BaseModel

from anninh import aws, crypto, keys
from anninh.clock import iso, parse_iso, utcnow
from anninh.observability import logger, metrics
from anninh.registry.store import current_registry, load_app_secrets
from anninh.settings import get_settings
from anninh.zalo.client import TokenPair, ZaloClient
from anninh.zalo.errors import TokenUnavailableError, ZaloError
from anninh.zalo.store import TokenLeases, default_leases

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

T = TypeVar("T")

# Watched by TokenRefreshFailedAlarm (template.yaml): namespace POWERTOOLS_METRICS_NAMESPACE,
# dimension service=POWERTOOLS_SERVICE_NAME only (an extra dimension would hide it from the alarm).
REFRESH_FAILED_METRIC = "TokenRefreshFailed"


class TokenRecord(BaseModel):
    oa_id: str
    app_id: str
    access_token: str
    refresh_token: str
    expires_at: str
    refreshed_at: str

    @classmethod
    def from_pair(cls, oa_id: str, app_id: str, pair: TokenPair, now: datetime | None = None) -> TokenRecord:
        now = now or utcnow()
        return cls(
            oa_id=oa_id,
            app_id=app_id,
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_at=iso(now + timedelta(seconds=pair.expires_in)),
            refreshed_at=iso(now),
        )

    def expires_within(self, delta: timedelta, now: datetime | None = None) -> bool:
        return parse_iso(self.expires_at) <= (now or utcnow()) + delta


def _registry_app_secret(app_id: str) -> str:
    app = next((a for a in load_app_secrets() if a.app_id == app_id), None)
    if app is None:
        raise TokenUnavailableError("?", f"app {app_id} is not in the registry")
    return app.app_secret


@dataclass
class RefreshReport:
    refreshed: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)
    not_connected: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class TokenStore:
    """Access tokens per OA, with a serialised refresh (see the module docstring)."""

    def __init__(
        self,
        secrets: SecretsManagerClient | None = None,
        leases: TokenLeases | None = None,
        client: ZaloClient | None = None,
        *,
        app_secret: Callable[[str], str] = _registry_app_secret,
        cache_seconds: float = 60.0,
        lease_seconds: float = 90.0,
        wait_seconds: float = 15.0,
        poll_seconds: float = 0.2,
        persist_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._secrets = secrets
        self.leases: TokenLeases = leases or default_leases()
        self._client = client
        self._app_secret = app_secret
        self.cache_seconds = cache_seconds
        self.lease_seconds = lease_seconds
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self.persist_seconds = persist_seconds
        self._clock = clock
        self._sleep = sleep
        self._cache: dict[str, tuple[float, TokenRecord]] = {}
        self._lock = threading.Lock()

    # Ports are created lazily so that building a store costs nothing on a cold start.
    @property
    def secrets(self) -> Any:
        if self._secrets is None:
            self._secrets = aws.client("secretsmanager")
        return self._secrets

    @property
    def client(self) -> ZaloClient:
        if self._client is None:
            self._client = ZaloClient()
        return self._client

    @staticmethod
    def secret_id(oa_id: str) -> str:
        return get_settings().token_secret_prefix + oa_id

    # ------------------------------------------------------------------ reading and writing the secret
    def load(self, oa_id: str) -> TokenRecord | None:
        """The stored pair, read from Secrets Manager (no cache); None when the OA is not connected."""
        try:
            raw = self.secrets.get_secret_value(SecretId=self.secret_id(oa_id))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        try:
            return TokenRecord.model_validate(json.loads(raw.get("SecretString") or "{}"))
        except ValueError:
            logger.error("token secret is not a token record", extra={"oa_id": oa_id})
            return None

    def save(self, record: TokenRecord) -> None:
        """Store the pair (creating the secret for a newly connected OA) and cache it."""
        body = record.model_dump_json()
        try:
            self.secrets.put_secret_value(SecretId=self.secret_id(record.oa_id), SecretString=body)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            self.secrets.create_secret(
                Name=self.secret_id(record.oa_id),
                SecretString=body,
                Description=f"Zalo OA tokens for {record.oa_id}",
            )
        self._remember(record)

    def _remember(self, record: TokenRecord) -> None:
        with self._lock:
            self._cache[record.oa_id] = (time.monotonic(), record)

    def forget(self, oa_id: str | None = None) -> None:
        with self._lock:
            if oa_id is None:
                self._cache.clear()
            else:
                self._cache.pop(oa_id, None)

    # ------------------------------------------------------------------ access
    def access_token(self, oa_id: str) -> str:
        """The OA's current access token (cached briefly; refreshed first if already expired)."""
        with self._lock:
            cached = self._cache.get(oa_id)
        if cached and time.monotonic() - cached[0] < self.cache_seconds:
            record = cached[1]
        else:
            loaded = self.load(oa_id)
            if loaded is None:
                raise TokenUnavailableError(oa_id, "the OA is not connected (no token secret)")
            record = loaded
            self._remember(record)
        if record.expires_within(timedelta(seconds=30)):
            return self.refresh(oa_id, record.access_token)
        return record.access_token

    # ------------------------------------------------------------------ the lease
    def _acquire(self, oa_id: str, owner: str) -> dict[str, Any] | None:
        """Take the OA's refresh lease; returns the previous lease item ({} if none), None if held."""
        now = self._clock()
        return self.leases.acquire(oa_id, owner, int(now * 1000), int((now + self.lease_seconds) * 1000))

    def _release(self, oa_id: str, owner: str) -> None:
        """Drop our lease; a parked (unsaved) pair stays on the item for the next refresher."""
        self.leases.release(oa_id, owner)

    # ------------------------------------------------------------------ refresh
    def refresh(self, oa_id: str, stale_access_token: str) -> str:
        """A working access token after `stale_access_token` was refused (-216/-220) or expired.

        Only the holder of the lease calls Zalo; everybody else waits for the new token to appear.
        """
        owner = uuid.uuid4().hex
        give_up_at = self._clock() + self.wait_seconds
        while True:
            previous = self._acquire(oa_id, owner)
            if previous is not None:
                try:
                    return self._refresh_holding_lease(oa_id, stale_access_token, previous)
                finally:
                    self._release(oa_id, owner)
            record = self.load(oa_id)
            if record is not None and record.access_token != stale_access_token:
                self._remember(record)
                return record.access_token
            if self._clock() >= give_up_at:
                raise TokenUnavailableError(oa_id, "another refresh is taking too long", transient=True)
            self._sleep(self.poll_seconds)

    def _refresh_holding_lease(self, oa_id: str, stale: str, previous_lease: dict[str, Any]) -> str:
        rescued = self._rescued_pair(previous_lease)
        if rescued is not None:
            logger.warning(
                "saving a token pair a crashed refresher left on the lease", extra={"oa_id": oa_id}
            )
            self._persist(rescued)
            self._clear_rescue(oa_id)
            return rescued.access_token
        record = self.load(oa_id)
        if record is None:
            raise TokenUnavailableError(oa_id, "the OA is not connected (no token secret)")
        if record.access_token != stale:
            # Someone refreshed while we waited for the lease: theirs is the live token.
            self._remember(record)
            return record.access_token
        try:
            pair = self.client.refresh(record.app_id, self._app_secret(record.app_id), record.refresh_token)
        except ZaloError as exc:
            if exc.kind != "transient":
                # The refresh token was refused: only an admin re-authorising the OA helps.
                metrics.add_metric(name=REFRESH_FAILED_METRIC, unit=MetricUnit.Count, value=1)
                logger.error("Zalo refused the OA's refresh token", extra={"oa_id": oa_id, "code": exc.code})
            raise TokenUnavailableError(
                oa_id, f"refresh refused: {exc}", transient=exc.kind == "transient"
            ) from exc
        new = TokenRecord.from_pair(oa_id, record.app_id, pair)
        self._persist(new)
        logger.info("refreshed the OA's Zalo token", extra={"oa_id": oa_id, "expires_at": new.expires_at})
        return new.access_token

    def _persist(self, record: TokenRecord) -> None:
        """Save a freshly issued pair; the old one is already dead, so this must not give up easily."""
        deadline = self._clock() + self.persist_seconds
        delay = 0.2
        while True:
            try:
                self.save(record)
                return
            except Exception as exc:
                logger.error(
                    "COULD NOT STORE A NEW ZALO TOKEN PAIR - retrying",
                    extra={"oa_id": record.oa_id, "error": str(exc)},
                )
                if self._clock() + delay > deadline:
                    self._rescue(record)
                    raise TokenUnavailableError(record.oa_id, "new token pair could not be stored") from exc
                self._sleep(delay)
                delay = min(delay * 2, 5.0)

    def _rescue(self, record: TokenRecord) -> None:
        """Last resort: leave the pair, encrypted, on the lease item for the next refresher to save."""
        try:
            sealed = crypto.encrypt_text(
                record.model_dump_json(), context=keys.token_lease(record.oa_id)["PK"] + "|unsaved_pair"
            )
            self.leases.park_pair(record.oa_id, sealed)
            logger.critical("token pair parked on the lease item", extra={"oa_id": record.oa_id})
        except Exception:
            logger.critical(
                "TOKEN PAIR LOST - the OA must be re-authorised (scripts/connect_oa.py)",
                extra={"oa_id": record.oa_id},
            )

    @staticmethod
    def _rescued_pair(lease: dict[str, Any]) -> TokenRecord | None:
        sealed = lease.get("unsaved_pair")
        if not sealed:
            return None
        plain = crypto.decrypt_text(sealed, context=f"{lease.get('PK')}|unsaved_pair")
        return TokenRecord.model_validate_json(plain) if plain else None

    def _clear_rescue(self, oa_id: str) -> None:
        self.leases.clear_pair(oa_id)

    # ------------------------------------------------------------------ scheduled refresh
    def refresh_expiring(self, within: timedelta, oa_ids: list[str] | None = None) -> RefreshReport:
        """Refresh every OA whose token expires within `within` (all registry OAs unless given)."""
        report = RefreshReport()
        for oa_id in oa_ids if oa_ids is not None else [o.oa_id for o in current_registry().oas]:
            try:
                record = self.load(oa_id)
                if record is None:
                    report.not_connected.append(oa_id)
                    continue
                if not record.expires_within(within):
                    report.fresh.append(oa_id)
                    continue
                self.refresh(oa_id, record.access_token)
                report.refreshed.append(oa_id)
            except TokenUnavailableError as exc:
                if exc.transient:  # refusals were counted where they happened
                    metrics.add_metric(name=REFRESH_FAILED_METRIC, unit=MetricUnit.Count, value=1)
                logger.error("scheduled token refresh failed", extra={"oa_id": oa_id, "reason": exc.reason})
                report.failed[oa_id] = exc.reason
            except Exception as exc:
                metrics.add_metric(name=REFRESH_FAILED_METRIC, unit=MetricUnit.Count, value=1)
                logger.exception("scheduled token refresh failed", extra={"oa_id": oa_id})
                report.failed[oa_id] = str(exc)
        return report


class AccessTokens(Protocol):
    """What a sender needs of the TokenStore (tests pass fakes)."""

    def access_token(self, oa_id: str) -> str: ...

    def refresh(self, oa_id: str, stale_access_token: str) -> str: ...


class TokenSession:
    """The one refresh-and-retry path of every sender (outbox replies and campaigns).

    Holds the OA's access token for one delivery: the first call that Zalo refuses for the token
    (-216 and the other token codes, docs/zalo.md) refreshes it once (`TokenStore.refresh` serialises
    refreshes across functions) and is repeated with the new token; a second refusal in the same
    delivery is raised to the caller, which decides (retry later, or record the OA's failure).
    `TokenUnavailableError` (not connected, refresh refused or too slow) is raised as it comes."""

    def __init__(self, tokens: AccessTokens, oa_id: str, log: dict[str, Any] | None = None) -> None:
        self.tokens = tokens
        self.oa_id = oa_id
        self.log = log or {"oa_id": oa_id}
        self.refreshed = False
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            self._token = self.tokens.access_token(self.oa_id)
        return self._token

    def renew(self, exc: ZaloError) -> bool:
        """After Zalo refused the token: refresh it, once per session; False when already done."""
        if self.refreshed:
            return False
        self.refreshed = True
        logger.info("Zalo refused the token; refreshing once", extra={**self.log, "code": exc.code})
        self._token = self.tokens.refresh(self.oa_id, self.token())
        return True

    def call(self, request: Callable[[str], T]) -> T:
        """`request(token)`, repeated once with a refreshed token when Zalo refuses the token."""
        while True:
            try:
                return request(self.token())
            except ZaloError as exc:
                if exc.kind == "token" and self.renew(exc):
                    continue
                raise
