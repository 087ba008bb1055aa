"""The officer API resolver: routers under /api/v1, the caller resolved once, one error body.

API Gateway (HTTP API, payload v2) has validated the Cognito IdToken before the function runs; a
middleware turns its claims into the request's Principal. Every error leaves as
{"error": {"code", "message", "details"}} — including request validation (422) and unknown routes.
"""

from __future__ import annotations

import importlib
import json
import threading
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server

from anninh.api import auth
from anninh.api.errors import ApiError, error_response, to_response
from anninh.cases.errors import CaseNotFound, InvalidChange, NotPermitted, StaleCase, TransitionNotAllowed
from anninh.observability import logger
from anninh.registry.store import current_registry, officer_state

PREFIX = "/api/v1"
OPENAPI_PATH = f"{PREFIX}/openapi.json"
TITLE = "An Ninh OA — officer API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Authenticated API for officers, commanders, editors and administrators of the An Ninh OA system. "
    "Send the Cognito IdToken as `Authorization: Bearer <token>`. Errors share one body: "
    '`{"error": {"code", "message", "details"}}`.'
)

app = APIGatewayHttpResolver(enable_validation=True)


def _authenticate(resolver: APIGatewayHttpResolver, next_middleware: Any) -> Response:
    auth.set_principal(None)
    if resolver.current_event.path.rstrip("/") != OPENAPI_PATH:
        auth.set_principal(
            auth.principal_from_event(resolver.current_event.raw_event, current_registry(), officer_state)
        )
    try:
        return next_middleware(resolver)
    finally:
        auth.set_principal(None)


app.use(middlewares=[_authenticate])

# The routers by the first path segment after /api/v1 they serve. A request imports only the routers
# that can answer it (the function's cold start stays short; docs/architecture.md, "Cold start"); the
# OpenAPI document loads them all. The order is route precedence, as if all were included at start-up.
# tests/unit/test_api_lazy_routes.py checks this table against the routes each module declares.
ROUTERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("me", frozenset({"me", "digests", "overdue"})),
    ("tips", frozenset({"tips"})),
    ("inbox", frozenset({"inbox", "tips"})),
    ("conversations", frozenset({"conversations"})),
    ("undelivered", frozenset({"undelivered"})),
    ("alerts", frozenset({"alerts"})),
    ("canned", frozenset({"canned-replies"})),
    ("registry", frozenset({"oas", "officers", "units"})),
    ("reorganizations", frozenset({"reorganizations"})),
    ("audit", frozenset({"audit"})),
    ("selfservice", frozenset({"cccd", "faq", "hotlines", "kb", "news", "notices", "queue"})),
    ("cccd_records", frozenset({"cccd"})),
    ("campaigns", frozenset({"campaigns"})),
    ("deliveries", frozenset({"campaigns"})),
    ("stats", frozenset({"stats", "reports", "tips"})),
    ("quota", frozenset({"conversations", "oas", "tips", "units"})),
)
_PRECEDENCE = {f"anninh.api.routes.{name}": i for i, (name, _) in enumerate(ROUTERS)}
_loaded: set[str] = set()
_load_lock = threading.Lock()
# The resolver keeps the request's state on itself (`app.context`): Lambda never runs two requests in
# one container at once, but the local cloud calls the handler from several threads. One at a time.
_resolve_lock = threading.Lock()


def load_routers(segment: str | None = None) -> None:
    """Include the routers serving /api/v1/<segment>/... (all of them when segment is None)."""
    wanted = [name for name, segments in ROUTERS if segment is None or segment in segments]
    if all(name in _loaded for name in wanted):
        return
    with _load_lock:
        if not _loaded:
            _register_domain_errors()
        for name in wanted:
            if name not in _loaded:
                module = importlib.import_module(f"anninh.api.routes.{name}")
                app.include_router(module.router, prefix=PREFIX)
                _loaded.add(name)
        # Routes are matched in registration order: keep the table's order whatever was loaded first.
        own = len(ROUTERS)
        for routes in (app._static_routes, app._dynamic_routes):
            routes.sort(key=lambda route: _PRECEDENCE.get(getattr(route.func, "__module__", ""), own))


def _segment(event: Any) -> str | None:
    path = event.get("rawPath") if isinstance(event, dict) else None
    if not isinstance(path, str) or not path.startswith(PREFIX + "/"):
        return ""
    first = path[len(PREFIX) + 1 :].split("/", 1)[0]
    return None if first == "openapi.json" else first


def openapi_document() -> str:
    load_routers()
    return app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        servers=[Server(url="/")],
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
        security=[{"bearerAuth": []}],
    )


@app.get("/api/v1/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_document())


# ------------------------------------------------------------------------------ errors


@app.exception_handler(ApiError)
def _api_error(error: ApiError) -> Response:
    return to_response(error)


@app.exception_handler(RequestValidationError)
def _validation(error: RequestValidationError) -> Response:
    details = [
        {"loc": list(e.get("loc", [])), "type": e.get("type"), "msg": e.get("msg")} for e in error.errors()
    ]
    return error_response(422, "validation_error", "Dữ liệu gửi lên không hợp lệ.", details)


@app.exception_handler(UnicodeDecodeError)
def _not_utf8(_: UnicodeDecodeError) -> Response:
    return error_response(400, "bad_encoding", "Dữ liệu gửi lên phải mã hóa UTF-8.")


@app.exception_handler(RecursionError)
def _too_deep(_: RecursionError) -> Response:
    return error_response(422, "validation_error", "Dữ liệu gửi lên lồng nhau quá sâu.")


@app.exception_handler(NotFoundError)
def _route_not_found(_: NotFoundError) -> Response:
    return error_response(404, "not_found", "Không tìm thấy.")


@app.exception_handler(ServiceError)
def _service_error(error: ServiceError) -> Response:
    status = error.status_code
    code = (
        HTTPStatus(status).phrase.lower().replace(" ", "_")
        if status in HTTPStatus._value2member_map_
        else "error"
    )
    return error_response(status, code, str(error.msg))


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response:
    logger.exception("unhandled error in the officer API")
    return error_response(500, "internal_error", "Lỗi hệ thống; vui lòng thử lại sau.")


def _register_domain_errors() -> None:
    """Errors of the areas behind the routers, mapped once the first router loads (with its area)."""
    from anninh.audit import InvalidCursor

    @app.exception_handler(CaseNotFound)
    def _case_not_found(_: CaseNotFound) -> Response:
        return error_response(404, "not_found", "Không tìm thấy tin báo.")

    @app.exception_handler(StaleCase)
    def _stale(_: StaleCase) -> Response:
        return error_response(
            409, "stale_version", "Tin báo vừa được người khác cập nhật; vui lòng tải lại và thử lại."
        )

    @app.exception_handler(TransitionNotAllowed)
    def _transition(error: TransitionNotAllowed) -> Response:
        return error_response(
            409,
            "transition_not_allowed",
            "Không thể chuyển tin báo sang trạng thái này từ trạng thái hiện tại.",
            {"from": error.current, "to": error.target, "reason": error.reason or None},
        )

    @app.exception_handler(NotPermitted)
    def _not_permitted(error: NotPermitted) -> Response:
        return error_response(
            403, "forbidden", "Tài khoản không có quyền thực hiện thao tác này.", {"reason": str(error)}
        )

    @app.exception_handler(InvalidChange)
    def _invalid_change(error: InvalidChange) -> Response:
        return error_response(
            422,
            "validation_error",
            str(error),
            [{"loc": ["body", error.field_name], "type": "value_error"}] if error.field_name else None,
        )

    @app.exception_handler(InvalidCursor)
    def _invalid_cursor(_: InvalidCursor) -> Response:
        return error_response(
            400,
            "invalid_cursor",
            "Con trỏ phân trang không hợp lệ.",
            [{"loc": ["query", "cursor"], "type": "cursor"}],
        )


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    segment = _segment(event)
    if segment != "":
        load_routers(segment)
    try:
        with _resolve_lock:
            return app.resolve(event, context)
    except Exception:  # the event itself was unusable (not an HTTP API v2 event)
        logger.exception("unusable API event")
        return {
            "statusCode": 400,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(
                {"error": {"code": "bad_request", "message": "Yêu cầu không hợp lệ.", "details": None}},
                ensure_ascii=False,
            ),
        }
