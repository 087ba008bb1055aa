"""API Gateway HTTP API, locally: route matching, payload v2.0 events, the JWT authorizer, responses.

Behaviour copied from API Gateway so that handlers see locally what they see in AWS:
- the most specific route wins (literal paths over `{param}` over `{proxy+}`; a method over ANY);
- header names are lower-cased, repeated headers and query parameters joined with commas, cookies
  moved to `cookies`; bodies that are not text arrive base64-encoded with `isBase64Encoded`;
- JWT claims reach `requestContext.authorizer.jwt.claims` as strings: numbers and booleans as text,
  arrays as `[a b]` (so `cognito:groups` reads "[officer commander]");
- a handler exception becomes 500 `{"message":"Internal Server Error"}`, an unknown route 404
  `{"message":"Not Found"}` and a missing or bad token 401 `{"message":"Unauthorized"}`.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import jwt
from werkzeug.wrappers import Request, Response

from localcloud import limits
from localcloud.lambdas import LambdaTimeout
from localcloud.template import FunctionSpec, HttpRoute

log = logging.getLogger("localcloud.gateway")

ACCOUNT_ID = "123456789012"
TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-yaml",
    "application/yaml",
)


class Unauthorized(Exception):
    """The JWT authorizer refused the request (the reason goes to www-authenticate, like AWS)."""


@dataclass
class CompiledRoute:
    route: HttpRoute
    spec: FunctionSpec
    pattern: re.Pattern[str]
    params: list[str]
    rank: tuple[int, int, int, int]

    @property
    def route_key(self) -> str:
        return f"{self.route.method} {self.route.path}"


def compile_route(route: HttpRoute, spec: FunctionSpec) -> CompiledRoute:
    params: list[str] = []
    parts: list[str] = []
    greedy = 0
    literal = 0
    for segment in route.path.strip("/").split("/") if route.path.strip("/") else []:
        m = re.fullmatch(r"\{([A-Za-z0-9_.-]+)(\+?)\}", segment)
        if m:
            params.append(m.group(1))
            if m.group(2):
                greedy += 1
                parts.append(f"(?P<p{len(params) - 1}>.+)")
            else:
                parts.append(f"(?P<p{len(params) - 1}>[^/]+)")
        else:
            literal += len(segment)
            parts.append(re.escape(segment))
    pattern = re.compile("^/" + "/".join(parts) + "/?$" if parts else "^/$")
    rank = (greedy, len(params) - greedy, -literal, 1 if route.method == "ANY" else 0)
    return CompiledRoute(route, spec, pattern, params, rank)


def match_route(
    routes: list[CompiledRoute], method: str, path: str
) -> tuple[CompiledRoute, dict[str, str]] | None:
    """The route API Gateway would pick for a method and (decoded) path, with its path parameters."""
    for compiled in sorted(routes, key=lambda r: r.rank):
        if compiled.route.method not in ("ANY", method.upper()):
            continue
        m = compiled.pattern.match(path)
        if m:
            return compiled, {name: m.group(f"p{i}") for i, name in enumerate(compiled.params)}
    return None


def render_claims(claims: dict[str, Any]) -> dict[str, str]:
    """JWT claims as API Gateway hands them to the integration: every value a string."""

    def render(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "[" + " ".join(render(v) for v in value) + "]"
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    return {key: render(value) for key, value in claims.items()}


class JwtVerifier:
    """Checks a Cognito token like API Gateway's JWT authorizer: signature, issuer, audience, time."""

    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        audience: list[str],
        fetch: Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = set(audience)
        self._fetch = fetch or _fetch_json
        self._keys: dict[str, Any] = {}

    def _key(self, kid: str) -> Any:
        if kid not in self._keys:
            for jwk in self._fetch(self.jwks_url).get("keys", []):
                self._keys[jwk.get("kid", "")] = jwt.PyJWK.from_dict(jwk).key
        if kid not in self._keys:
            raise Unauthorized("signing key not found")
        return self._keys[kid]

    def verify(self, authorization: str | None) -> dict[str, Any]:
        if not authorization:
            raise Unauthorized("no token")
        token = authorization.strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key(str(header.get("kid", ""))),
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_aud": False, "require": ["exp", "iss"]},
                leeway=0,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        audiences = claims.get("aud")
        candidates = set(audiences if isinstance(audiences, list) else [audiences] if audiences else [])
        if claims.get("client_id"):
            candidates.add(str(claims["client_id"]))
        if self.audience and not candidates & self.audience:
            raise Unauthorized("the token has an invalid audience")
        return claims


def _fetch_json(url: str) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as reply:
        data: dict[str, Any] = json.loads(reply.read())
        return data


def is_text(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return not media or media.startswith(TEXT_TYPES) or media.endswith(("+json", "+xml"))


def build_event(
    request: Request, compiled: CompiledRoute, path_params: dict[str, str], claims: dict[str, Any] | None
) -> dict[str, Any]:
    """An API Gateway HTTP API payload v2.0 event for this request."""
    environ = request.environ
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    raw_path = raw_uri.split("?", 1)[0] if raw_uri else quote(request.path)
    raw_query = environ.get("QUERY_STRING", "")
    headers: dict[str, str] = {}
    cookies: list[str] = []
    raw_headers = environ.get("localcloud.headers") or list(request.headers.items())
    for name, value in raw_headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": compiled.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": request.host,
            "domainPrefix": request.host.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": compiled.route_key,
            "stage": "$default",
            "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = {k: unquote(v) for k, v in path_params.items()}
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": render_claims(claims), "scopes": None}}
    body = request.get_data(cache=True)
    if body:
        text: str | None = None
        if is_text(request.headers.get("Content-Type", "")):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
        else:
            event["body"] = text
    return event


def build_response(result: Any) -> Response:
    """Map a handler's return value to HTTP the way API Gateway (payload v2.0) does."""
    if isinstance(result, dict) and "statusCode" in result:
        body = result.get("body")
        data: bytes
        if body is None:
            data = b""
        elif result.get("isBase64Encoded"):
            data = base64.b64decode(body)
        else:
            data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        response = Response(data, int(result["statusCode"]))
        response.headers.clear()
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(name, str(value))
        for name, value in headers.items():
            response.headers[name] = value
        if "Content-Type" not in response.headers:  # Headers lookups ignore case
            response.headers["Content-Type"] = "application/json"
        for cookie in result.get("cookies") or []:
            response.headers.add("Set-Cookie", cookie)
        return response
    data = (result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)).encode()
    return Response(data, 200, content_type="application/json")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False), status, headers=headers or {}, content_type="application/json"
    )


class Gateway:
    """Routes requests to the template's HTTP API functions."""

    def __init__(
        self,
        routes: list[CompiledRoute],
        invoke: Callable[[FunctionSpec, dict[str, Any]], Any],
        verifiers: dict[str, JwtVerifier],
        cors: dict[str, Any] | None = None,
    ) -> None:
        self.routes = routes
        self.invoke = invoke
        self.verifiers = verifiers
        self.cors = cors or {}

    def handle(self, request: Request) -> Response | None:
        """The response for a route of the API, or None when no route matches."""
        cors_path = request.path.startswith("/api/")
        if cors_path and request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
            return self._with_cors(request, Response(b"", 204))
        found = match_route(self.routes, request.method, request.path)
        if found is None:
            if any(r.pattern.match(request.path) for r in self.routes):
                return (
                    self._with_cors(request, json_response({"message": "Not Found"}, 404))
                    if cors_path
                    else json_response({"message": "Not Found"}, 404)
                )
            return None
        compiled, params = found
        claims: dict[str, Any] | None = None
        if compiled.route.authorized:
            verifier = self.verifiers.get(compiled.route.api)
            try:
                if verifier is None:
                    raise Unauthorized("no authorizer configured")
                claims = verifier.verify(request.headers.get("Authorization"))
            except Unauthorized as exc:
                response = json_response(
                    {"message": "Unauthorized"},
                    401,
                    {"www-authenticate": f'Bearer scope="" error="invalid_token" error_description="{exc}"'},
                )
                return self._with_cors(request, response) if cors_path else response
        if (request.content_length or 0) > limits.API_BODY_BYTES:
            response = json_response({"message": "Request Entity Too Large"}, 413)
            return self._with_cors(request, response) if cors_path else response
        event = build_event(request, compiled, params, claims)
        if limits.payload_bytes(event) > limits.LAMBDA_SYNC_PAYLOAD_BYTES:  # Lambda's 6 MB request limit
            response = json_response({"message": "Request Entity Too Large"}, 413)
            return self._with_cors(request, response) if cors_path else response
        started = time.monotonic()
        # API Gateway gives up on an integration after 30 s whatever the function's own timeout.
        spec = compiled.spec
        if spec.timeout > limits.API_INTEGRATION_SECONDS:
            spec = dataclasses.replace(spec, timeout=limits.API_INTEGRATION_SECONDS)
        try:
            result = self.invoke(spec, event)
            if limits.payload_bytes(result) > limits.LAMBDA_SYNC_PAYLOAD_BYTES:
                raise ValueError("Function.ResponseSizeTooLarge: the response is over Lambda's 6 MB")
            response = build_response(result)
        except LambdaTimeout:
            log.error("%s %s -> %s timed out", request.method, request.path, compiled.spec.logical_id)
            response = json_response({"message": "Service Unavailable"}, 503)
        except Exception:
            log.error(
                "%s %s -> %s raised:\n%s",
                request.method,
                request.path,
                compiled.spec.logical_id,
                traceback.format_exc(),
            )
            response = json_response({"message": "Internal Server Error"}, 500)
        elapsed = time.monotonic() - started
        log.info(
            "%s %s -> %s %d (%.0f ms)",
            request.method,
            request.path,
            compiled.spec.logical_id,
            response.status_code,
            elapsed * 1000,
        )
        return self._with_cors(request, response) if cors_path else response

    def _with_cors(self, request: Request, response: Response) -> Response:
        origin = request.headers.get("Origin")
        if not origin:
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            methods = self.cors.get("AllowMethods") or ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]
            headers = self.cors.get("AllowHeaders") or ["authorization", "content-type"]
            asked = request.headers.get("Access-Control-Request-Headers")
            response.headers["Access-Control-Allow-Methods"] = ",".join(methods)
            response.headers["Access-Control-Allow-Headers"] = asked or ",".join(headers)
            response.headers["Access-Control-Max-Age"] = str(self.cors.get("MaxAge", 600))
        else:
            exposed = self.cors.get("ExposeHeaders")
            if exposed:
                response.headers["Access-Control-Expose-Headers"] = ",".join(exposed)
        return response
