"""The local cloud: moto server + template resources + demo data + HTTP API + pollers + schedules + fake Zalo.

`LocalCloud(port).start()` brings everything up: moto, the gateway, pollers and schedules in this
process, and each function in worker processes of its own (`localcloud.workers`: the function's own
environment, memory size and timeout), started on first use. `LOCAL_WORKERS=off` runs the functions
in this process instead, sharing one environment (the union of the template's function environments).
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from localcloud import fake_zalo
from localcloud.gateway import CompiledRoute, Gateway, JwtVerifier, compile_route, json_response
from localcloud.lambdas import invoke_spec
from localcloud.moto_server import LOCAL_KEY_PREFIX
from localcloud.pollers import QueuePoller
from localcloud.resources import REGION, STACK, Deployment, deploy
from localcloud.schedules import Scheduler
from localcloud.template import (
    ROOT,
    FunctionSpec,
    cors_configuration,
    functions,
    jwt_authorizers,
    template_path,
)

log = logging.getLogger("localcloud")

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
DEFAULT_REGISTRY = ROOT / "demo" / "registry.json"
CONSOLE_DIR = ROOT / "console"
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("text/css", ".css")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("application/json", ".map")


class RequestHandler(WSGIRequestHandler):
    """Keeps headers whose names hold underscores (Zalo's `access_token`, `secret_key`).

    Werkzeug's server drops them to avoid header spoofing through the `-`/`_` ambiguity; API
    Gateway and Zalo pass them on. The raw header list also goes to `localcloud.headers`.
    """

    def make_environ(self) -> Any:
        environ = super().make_environ()
        environ["localcloud.headers"] = list(self.headers.items())
        for key, value in self.headers.items():
            if "_" in key:
                environ.setdefault("HTTP_" + key.upper().replace("-", "_"), value.replace("\r\n", ""))
        return environ


def _secret_arns() -> dict[str, str]:
    """Every secret's ARN by name, from this process's moto (workers are told at their start)."""
    from moto.secretsmanager.models import secretsmanager_backends

    from localcloud.resources import ACCOUNT_ID

    found = secretsmanager_backends[ACCOUNT_ID][REGION].secrets
    return {str(name): str(secret.arn) for name, secret in list(found.items())}


def reset_process_caches() -> None:
    """Forget what the shared layer cached from a previous environment."""
    from anninh import wiring
    from anninh.aws import reset_clients
    from anninh.crypto import reset_crypto_caches
    from anninh.registry.store import forget_cached_registry
    from anninh.settings import reset_settings

    reset_settings()
    reset_clients()
    forget_cached_registry()
    reset_crypto_caches()
    wiring.reset()


@dataclass
class LocalCloud:
    port: int = 3000
    host: str = "127.0.0.1"
    registry_path: Path | str | None = None
    template: Path | str | None = None
    schedules: bool = True
    pollers: bool = True
    poller_concurrency: int = 2
    # Lambda runs a FIFO queue's message groups (here: citizens' conversations) concurrently, one
    # batch per group at a time; moto never hands out a group that is in flight, so more pollers on a
    # FIFO queue mean more conversations handled at once, never two batches of one conversation.
    fifo_concurrency: int = 8
    console_dir: Path = CONSOLE_DIR
    # Where tables, queues, objects, secrets and the user pool are kept across restarts (None: memory).
    state_dir: Path | None = None
    snapshot_seconds: float = 5.0
    restored: bool = False
    started_at: float = 0.0
    startup_seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    ready: threading.Event = field(default_factory=threading.Event)
    deployment: Deployment | None = None
    moto_url: str = ""
    fake: fake_zalo.FakeZalo | None = None
    specs: list[FunctionSpec] = field(default_factory=list)
    gateway: Gateway | None = None
    scheduler: Scheduler | None = None
    queue_pollers: list[QueuePoller] = field(default_factory=list)
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    _moto: Any = None
    _http: BaseWSGIServer | None = None
    _http_thread: threading.Thread | None = None
    _saved: dict[str, Any] | None = None
    _snapshot_thread: threading.Thread | None = None
    _snapshot_stop: threading.Event = field(default_factory=threading.Event)
    _snapshot_version: int = -1
    pool: Any = None  # localcloud.workers.WorkerPool: functions in processes of their own

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.started_at = time.monotonic()
        steps = [
            ("http", self._start_http),  # bind first: a busy port fails fast; health says 503 until ready
            ("moto", self._start_moto),
            ("state", self._restore),
            ("resources", self._deploy),
            ("seed", lambda: self._reseed() if self.restored else self._seed()),
            ("routes", self._build_gateway),
            ("pollers", self._start_pollers if self.pollers else lambda: None),
            ("schedules", self._start_scheduler),
            ("snapshots", self._start_snapshots),
        ]
        for name, step in steps:
            began = time.monotonic()
            step()
            self.phases[name] = time.monotonic() - began
        self.startup_seconds = time.monotonic() - self.started_at
        self.ready.set()

    def _start_scheduler(self) -> None:
        self.scheduler = Scheduler(
            self.specs, self.invoke, region=REGION, stack=STACK, enabled=self.schedules
        )
        self.scheduler.start()

    def stop(self) -> None:
        self.ready.clear()
        if self.scheduler:
            self.scheduler.stop()
        for poller in self.queue_pollers:
            poller._stop.set()
        deadline = time.monotonic() + 3.0  # in all: a poller in a long poll is a daemon thread
        for poller in self.queue_pollers:
            poller.stop(timeout=max(0.01, deadline - time.monotonic()))
        if self.pool is not None:
            self.pool.close()
        if self._http:
            self._http.shutdown()
            self._http.server_close()
        self._snapshot_stop.set()
        if self._snapshot_thread:
            self._snapshot_thread.join(10.0)
        self.save_state()
        if self._moto:
            self._moto.stop()

    # ------------------------------------------------------------------ state across restarts
    def _restore(self) -> None:
        if self.state_dir is None:
            return
        from localcloud.state import StateStore

        self._saved = StateStore(self.state_dir).load()
        self.restored = self._saved is not None
        if self.restored:
            log.info("restored the local cloud's state from %s", self.state_dir)

    def save_state(self, force: bool = True) -> bool:
        """Write moto's backends and the deployment to the state folder (if anything changed)."""
        if self.state_dir is None or self._moto is None or self.deployment is None:
            return False
        from localcloud.state import StateStore, snapshot_backends

        with self._moto.quiet():
            version = self._moto.changes
            if version == self._snapshot_version and not force:
                return False
            data = snapshot_backends()
        StateStore(self.state_dir).save(data, self.deployment.saved())
        self._snapshot_version = version
        return True

    def _start_snapshots(self) -> None:
        if self.state_dir is None:
            return
        self.save_state()

        def run() -> None:
            while not self._snapshot_stop.wait(self.snapshot_seconds):
                try:
                    self.save_state(force=False)
                except Exception:
                    log.exception("could not save the local cloud's state")

        self._snapshot_thread = threading.Thread(target=run, name="state-snapshots", daemon=True)
        self._snapshot_thread.start()

    def _start_http(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:  # werkzeug would sys.exit
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((self.host, self.port))
        self._http = make_server(
            self.host, self.port, self.wsgi, threaded=True, request_handler=RequestHandler
        )
        self.port = self._http.server_port
        self._http_thread = threading.Thread(target=self._http.serve_forever, name="http", daemon=True)
        self._http_thread.start()

    def _start_moto(self) -> None:
        from localcloud.moto_server import MotoServer

        self._moto = MotoServer(self.host, 0)
        self._moto.start()
        self.moto_url = self._moto.url
        os.environ.update(FAKE_CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = self.moto_url
        # Two-step sign-in codes are checked for real (moto accepts any code otherwise).
        os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")

    def _deploy(self) -> None:
        registry = Path(self.registry_path or os.environ.get("ANNINH_REGISTRY") or DEFAULT_REGISTRY)
        self.registry_path = registry
        os.environ["ANNINH_REGISTRY"] = str(registry)
        if self.template:
            os.environ["ANNINH_TEMPLATE"] = str(self.template)
        base = self.base_url
        self.deployment = deploy(
            self.moto_url,
            parameters={
                "Stage": "dev",
                "ZaloApiBase": f"{base}{fake_zalo.API_PREFIX}",
                "ZaloOAuthBase": f"{base}{fake_zalo.OAUTH_PREFIX}",
                "ZnsApiBase": f"{base}{fake_zalo.ZNS_PREFIX}",
                # The SPEC's allowlist given to `make run` replaces ours (the fake Zalo CDN here).
                "MediaAllowedHosts": os.environ.get("MEDIA_ALLOWED_HOSTS") or f"{self.host}:{self.port}",
            },
            template_path=self.template,
            existing=self._saved,
        )
        os.environ.update(self.deployment.environment())
        # The local stack replays dated demo traffic (scripts/feed_month.py: a month of events through the
        # webhook), so its freshness window is 45 days instead of production's 3 h; a year-old replay is
        # still refused here (docs/security.md).
        os.environ.setdefault("WEBHOOK_MAX_EVENT_AGE_SECONDS", str(45 * 24 * 3600))
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")  # no X-Ray daemon here
        reset_process_caches()
        self.specs = functions(self.deployment.template)
        self._start_workers()
        for logical, res in self.deployment.template["Resources"].items():
            if res["Type"] == "AWS::Cognito::UserPool" and not self.user_pool_id:
                self.user_pool_id = self.deployment.physical[logical]
            elif res["Type"] == "AWS::Cognito::UserPoolClient" and not self.user_pool_client_id:
                self.user_pool_client_id = self.deployment.physical[logical]

    def invoke(self, spec: FunctionSpec, event: dict[str, Any]) -> Any:
        """Run a function as Lambda would: in a worker process of its own (or, with LOCAL_WORKERS=off,
        in this process)."""
        if self.pool is not None:
            return self.pool.invoke(spec, event)
        return invoke_spec(spec, event)

    def _start_workers(self) -> None:
        from localcloud import iam, workers

        if not workers.enabled():
            return
        assert self.deployment is not None
        deployment = self.deployment
        authorizer = iam.active()
        aws = {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": self.moto_url}
        # What the local cloud overrides for every function: the replay window of dated demo traffic,
        # no X-Ray daemon, and where the policy coverage test collects the actions functions use.
        local = {
            key: os.environ[key]
            for key in ("WEBHOOK_MAX_EVENT_AGE_SECONDS", "POWERTOOLS_TRACE_DISABLED", "LOCAL_IAM_RECORD")
            if os.environ.get(key)
        }

        def environment(spec: FunctionSpec) -> dict[str, str]:
            own = deployment.function_environment(spec.logical_id)
            # Each function signs with credentials of its own (its role's, in AWS): the embedded moto
            # counts every function's calls apart (GET /_local/aws-calls).
            keys = {**aws, "AWS_ACCESS_KEY_ID": LOCAL_KEY_PREFIX + spec.logical_id}
            return workers.lambda_environment(spec, own, f"{STACK}-{spec.logical_id}", keys, local)

        def setup(spec: FunctionSpec) -> dict[str, Any]:
            role = authorizer.roles.get(spec.logical_id) if authorizer is not None else None
            if authorizer is not None and role is None:  # no role, no permissions: every call denied
                role = iam.Role(spec.logical_id, f"{spec.logical_id}Role", [], [], [])
            aliases = authorizer.aliases if authorizer is not None else {}
            return workers.worker_setup(spec, role, aliases, f"{STACK}-{spec.logical_id}", _secret_arns())

        # Synchronous callers first at the serialised moto: a function behind an HTTP route (the
        # webhook Zalo waits on, the officer API) does not queue behind queue consumers' calls.
        self._moto.app.urgent = frozenset(spec.logical_id for spec in self.specs if spec.routes)
        per_function = int(os.environ.get("LOCAL_WORKERS_PER_FUNCTION") or 6)
        self.pool = workers.WorkerPool(environment, setup, per_function=per_function)

    def _sign_in_accounts(self, officers: list[Any]) -> None:
        """Cognito accounts (demo passwords, groups) for registry officers that have none yet."""
        if not self.user_pool_id:
            return
        idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=self.moto_url)
        for officer in officers:
            try:
                idp.admin_get_user(UserPoolId=self.user_pool_id, Username=officer.username)
                continue
            except idp.exceptions.UserNotFoundException:
                pass
            attributes: list[Any] = [
                {"Name": "custom:unit_id", "Value": officer.unit_id},
                {"Name": "name", "Value": officer.display_name or officer.username},
            ]
            idp.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=officer.username,
                UserAttributes=attributes,
                MessageAction="SUPPRESS",
            )
            if officer.password:
                idp.admin_set_user_password(
                    UserPoolId=self.user_pool_id,
                    Username=officer.username,
                    Password=officer.password,
                    Permanent=True,
                )
            for role in officer.roles:
                idp.admin_add_user_to_group(
                    UserPoolId=self.user_pool_id, Username=officer.username, GroupName=role
                )

    def _seed(self) -> None:
        from anninh.registry import Registry
        from anninh.registry.store import save_registry
        from anninh.settings import get_settings

        registry = Registry.load(str(self.registry_path))
        save_registry(registry)
        if os.environ.get("ONCALL_TOPIC_ARN"):
            from anninh.alerts import subscribe_roster

            subscribe_roster(registry, os.environ["ONCALL_TOPIC_ARN"])  # the on-call SMS recipients
        from localcloud import demo_notices

        demo_notices.seed()  # clearly fictional wanted/missing notices for the demo
        settings = get_settings()
        self.fake = fake_zalo.FakeZalo(registry, rate_limit_per_minute=settings.zalo_rate_limit_per_minute)
        self._sign_in_accounts(registry.officers)
        self._store_tokens(registry)

    def _reseed(self) -> None:
        """After a restart: the data is back; the fake Zalo is new, so the OAs get fresh tokens."""
        from anninh.registry.store import current_registry
        from anninh.settings import get_settings

        registry = current_registry()
        settings = get_settings()
        self.fake = fake_zalo.FakeZalo(registry, rate_limit_per_minute=settings.zalo_rate_limit_per_minute)
        self._store_tokens(registry)

    def _store_tokens(self, registry: Any) -> None:
        from anninh.settings import get_settings

        settings = get_settings()
        assert self.fake is not None
        secrets = boto3.client("secretsmanager", region_name=REGION, endpoint_url=self.moto_url)
        now = datetime.now(UTC)
        for oa in registry.oas:
            tokens = self.fake.issue_tokens(oa.oa_id)
            value = json.dumps(
                {
                    "oa_id": oa.oa_id,
                    "app_id": oa.app_id,
                    "access_token": tokens["access_token"],
                    "refresh_token": tokens["refresh_token"],
                    "expires_at": (now + timedelta(seconds=int(tokens["expires_in"]))).isoformat(),
                    "refreshed_at": now.isoformat(),
                }
            )
            name = settings.token_secret_prefix + oa.oa_id
            try:
                secrets.put_secret_value(SecretId=name, SecretString=value)
            except secrets.exceptions.ResourceNotFoundException:
                secrets.create_secret(Name=name, SecretString=value)

    def _build_gateway(self) -> None:
        assert self.deployment is not None
        template = self.deployment.template
        routes: list[CompiledRoute] = [compile_route(r, s) for s in self.specs for r in s.routes]
        verifiers: dict[str, JwtVerifier] = {}
        for api, authorizer in jwt_authorizers(template).items():
            issuer = str(self.deployment.resolver.resolve(authorizer.issuer))
            audience = [str(a) for a in self.deployment.resolver.resolve(authorizer.audience)]
            pool_id = issuer.rstrip("/").rsplit("/", 1)[-1]
            verifiers[api] = JwtVerifier(f"{self.moto_url}/{pool_id}/.well-known/jwks.json", issuer, audience)
        cors: dict[str, Any] = {}
        for api in {r.route.api for r in routes}:
            cors = self.deployment.resolver.resolve(cors_configuration(template, api)) or cors
        self.gateway = Gateway(routes, self.invoke, verifiers, cors)

    def _start_pollers(self) -> None:
        assert self.deployment is not None
        resolver = self.deployment.resolver
        for spec in self.specs:
            for source in spec.queues:
                poller = QueuePoller(
                    source,
                    spec,
                    queue_url=self.deployment.queue_urls[source.queue],
                    queue_arn=resolver.attrs[(source.queue, "Arn")],
                    invoke=self.invoke,
                    client_factory=lambda: boto3.client(
                        "sqs", region_name=REGION, endpoint_url=self.moto_url
                    ),
                    region=REGION,
                    concurrency=max(self.poller_concurrency, self.fifo_concurrency)
                    if self.deployment.queue_urls[source.queue].endswith(".fifo")
                    else self.poller_concurrency,
                    wait_seconds=10,  # Lambda long-polls; an idle `make run` should cost next to nothing
                )
                poller.start()
                self.queue_pollers.append(poller)

    # ------------------------------------------------------------------ HTTP
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        path = request.path
        if self.fake is not None and path.startswith(
            (
                fake_zalo.API_PREFIX + "/",
                fake_zalo.OAUTH_PREFIX + "/",
                fake_zalo.ZNS_PREFIX + "/",
                fake_zalo.CDN_PREFIX + "/",
            )
        ):
            return self.fake(environ, start_response)
        try:
            response = self.dispatch(request)
        except Exception:
            log.error("local cloud error on %s %s:\n%s", request.method, path, traceback.format_exc())
            response = json_response({"message": "Internal Server Error"}, 500)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_local/"):
            return self._local(request, path[len("/_local") :])
        if not self.ready.is_set() or self.gateway is None:
            return json_response({"message": "Service Unavailable"}, 503)
        if self.fake is not None and request.method == "POST" and path == "/webhook/zalo":
            # Zalo knows every message it delivers to the webhook: the fake's reply windows start here.
            self.fake.observe_webhook(request.get_data(cache=True))
        response = self.gateway.handle(request)
        if response is not None:
            return response
        if request.method in ("GET", "HEAD"):
            static = self._static(path)
            if static is not None:
                return static
        return json_response({"message": "Not Found"}, 404)

    def _local(self, request: Request, sub: str) -> Response:
        if sub == "/health":
            if self.ready.is_set():
                return json_response(
                    {
                        "status": "ok",
                        "startup_seconds": round(self.startup_seconds, 2),
                        "phases": {k: round(v, 2) for k, v in self.phases.items()},
                    }
                )
            return json_response({"status": "starting"}, 503)
        if not self.ready.is_set():
            return json_response({"status": "starting"}, 503)
        if sub == "/config":
            return json_response(self.config())
        if sub == "/registry" and request.method == "POST":
            return self._add_to_registry(request)
        if sub == "/aws-calls":  # what the functions asked of AWS since start (moto's request counts)
            assert self._moto is not None
            calls = dict(self._moto.app.calls)
            by_function: dict[str, dict[str, int]] = {}
            for (function, operation), count in sorted(self._moto.app.calls_by_function.items()):
                by_function.setdefault(function, {})[operation] = count
            return json_response(
                {
                    "total": sum(calls.values()),
                    "by_operation": dict(sorted(calls.items())),
                    "by_function": by_function,
                    "empty_receives": self._moto.app.empty_receives,
                }
            )
        if sub == "/pollers":
            return json_response(
                [
                    {
                        "function": p.spec.logical_id,
                        "queue": p.source.queue,
                        "batch_size": p.source.batch_size,
                        "concurrency": p.concurrency,
                        **p.stats.as_json(),
                    }
                    for p in self.queue_pollers
                ]
            )
        if sub == "/notifications" and request.method == "GET":
            from localcloud.notifications import published

            wanted = {k: request.args.get(k, "") for k in ("phone", "unit_id", "alert_id", "kind")}
            return json_response(published(wanted))
        if sub == "/schedules" and request.method == "GET":
            assert self.scheduler is not None
            return json_response(
                {"enabled": self.scheduler.enabled, "schedules": [j.as_json() for j in self.scheduler.jobs]}
            )
        if sub.startswith("/schedules/") and request.method == "POST":
            assert self.scheduler is not None
            parts = sub.split("/")
            job = self.scheduler.job(parts[2], parts[3]) if len(parts) == 4 else None
            if job is None:
                return json_response({"message": "no such schedule; GET /_local/schedules lists them"}, 404)
            at = None
            body = request.get_json(silent=True) if request.data else None
            if isinstance(body, dict) and body.get("time"):
                # A scaled clock for tests: the job runs as if it were scheduled at that time.
                try:
                    at = datetime.fromisoformat(str(body["time"]).replace("Z", "+00:00"))
                except ValueError:
                    return json_response({"message": "time: ISO 8601, e.g. 2026-11-29T10:05:00Z"}, 400)
                if at.tzinfo is None:
                    return json_response({"message": "time: give a time zone (Z or +07:00)"}, 400)
            try:
                result = self.scheduler.fire(job, at=at)
            except Exception as exc:
                log.error("schedule %s/%s raised:\n%s", parts[2], parts[3], traceback.format_exc())
                error_type = getattr(exc, "error_type", type(exc).__name__)  # a worker's error keeps its type
                message = getattr(exc, "error_message", str(exc))
                return json_response({"errorType": error_type, "errorMessage": message}, 500)
            return Response(
                json.dumps(result, ensure_ascii=False, default=str), 200, content_type="application/json"
            )
        return json_response({"message": "Not Found"}, 404)

    def _add_to_registry(self, request: Request) -> Response:
        """Operator seeding on the running stack: units, OAs and officers (same format as a registry
        file) are stored and officers get sign-in accounts; the functions' registry cache is dropped."""
        from pydantic import ValidationError

        from anninh.registry import Registry
        from anninh.registry.store import save_registry

        try:
            added = Registry.model_validate(request.get_json(force=True))
        except (ValidationError, ValueError) as exc:
            return json_response({"message": f"not a registry fragment: {exc}"}, 400)
        save_registry(added)
        if self.pool is not None:  # the functions' workers cache the registry (60 s): fresh ones
            self.pool.retire_all()
        if os.environ.get("ONCALL_TOPIC_ARN") and any(u.oncall for u in added.units):
            from anninh.alerts import subscribe_roster

            subscribe_roster(added, os.environ["ONCALL_TOPIC_ARN"])
        self._sign_in_accounts(added.officers)
        return json_response(
            {"units": len(added.units), "oas": len(added.oas), "officers": len(added.officers)}
        )

    def _password_policy(self) -> dict[str, Any]:
        """The user pool's password policy (what the console's hint says), as the pool has it."""
        try:
            idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=self.moto_url)
            pool = idp.describe_user_pool(UserPoolId=self.user_pool_id)
            return dict(pool["UserPool"].get("Policies", {}).get("PasswordPolicy", {}))
        except Exception:
            log.exception("password policy not read")
            return {}

    def config(self) -> dict[str, Any]:
        assert self.deployment is not None
        base = self.base_url
        return {
            "aws_endpoint_url": self.moto_url,
            "region": REGION,
            "user_pool_id": self.user_pool_id,
            "user_pool_client_id": self.user_pool_client_id,
            "password_policy": self._password_policy(),
            # Roles the console sends to the two-step sign-in set-up before they work (deployed:
            # commanders and admins; LOCAL_MFA_REQUIRED_ROLES="" turns it off on this machine).
            "mfa_required_roles": [
                r.strip()
                for r in os.environ.get("LOCAL_MFA_REQUIRED_ROLES", "commander,admin").split(",")
                if r.strip()
            ],
            "api_base": f"{base}/api/v1",
            "webhook_url": f"{base}/webhook/zalo",
            "console_url": f"{base}/",
            "zalo_api_base": f"{base}{fake_zalo.API_PREFIX}",
            "zalo_oauth_base": f"{base}{fake_zalo.OAUTH_PREFIX}",
            "zalo_cdn_base": f"{base}{fake_zalo.CDN_PREFIX}",
            "registry_path": str(self.registry_path),
            "template_path": str(self.template or template_path()),
            "environment": self.deployment.environment(),
            "queues": dict(self.deployment.queue_urls),
        }

    def _static(self, path: str) -> Response | None:
        root = Path(self.console_dir)
        if not root.is_dir():
            return None
        relative = path.lstrip("/") or "index.html"
        target = safe_join(str(root), relative)
        if target is None:
            raise NotFound()
        file = Path(target)
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file():
            return None
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/json", "text/javascript"):
            content_type += "; charset=utf-8"
        headers = {"Cache-Control": "no-cache"}
        if file.suffix == ".html":
            headers["Content-Security-Policy"] = self.console_csp()
            headers["X-Content-Type-Options"] = "nosniff"
            headers["X-Frame-Options"] = "DENY"
        return Response(file.read_bytes(), 200, content_type=content_type, headers=headers)

    def console_csp(self) -> str:
        """The console's CSP on the local stack: the deployed policy (template.yaml,
        ConsoleSecurityHeaders) with the local AWS endpoint in place of https://*.amazonaws.com."""
        aws_hosts = self.moto_url
        return (
            "default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data: blob: {aws_hosts}; media-src 'self' blob: {aws_hosts}; "
            f"connect-src 'self' {aws_hosts}; font-src 'self'; manifest-src 'self'; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )

    # ------------------------------------------------------------------ banner
    def banner(self) -> str:
        from anninh.registry import Registry

        registry = Registry.load(str(self.registry_path))
        base = self.base_url
        logins = ", ".join(o.username for o in registry.officers[:6])
        password = next((o.password for o in registry.officers if o.password), "")
        console = f"{base}/" if Path(self.console_dir).is_dir() else f"{base}/  (console/ not built yet)"
        lines = [
            "",
            "  An Ninh OA - local cloud (no Docker, no AWS, no network)",
            f"  ready in {self.startup_seconds:.1f} s  ("
            + ", ".join(f"{k} {v:.1f}" for k, v in self.phases.items() if v >= 0.05)
            + ")",
            "",
            f"  Officer console   {console}",
            f"  Webhook (Zalo)    POST {base}/webhook/zalo",
            f"  Officer API       {base}/api/v1   (Authorization: Bearer <Cognito IdToken>)",
            f"  Health / config   {base}/_local/health   {base}/_local/config",
            f"  Fake Zalo sent    {base}/_local/zalo/sent?user_id=...",
            f"  Schedules         {base}/_local/schedules"
            + ("" if self.schedules else "   (automatic firing off)"),
            f"  AWS (moto)        {self.moto_url}   region {REGION}",
            f"  Registry          {self.registry_path}  "
            f"({len(registry.oas)} OAs, {len(registry.units)} units, {len(registry.officers)} officers)",
            f"  Demo logins       {logins}" + (f"  password: {password}" if password else ""),
            "",
            f"  Talk to it as a citizen:  make chat  (PORT={self.port})",
            "  Stop with Ctrl-C.",
            "",
        ]
        return "\n".join(lines)
