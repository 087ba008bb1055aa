"""Reading template.yaml (functions, events, intrinsics) and turning requests into Lambda events,
as the local cloud does it. No sockets: requests are built with werkzeug's EnvironBuilder.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from localcloud.gateway import (
    Gateway,
    JwtVerifier,
    Unauthorized,
    build_event,
    build_response,
    compile_route,
    match_route,
    render_claims,
)
from localcloud.pollers import failed_ids, lambda_record
from localcloud.schedules import schedule_event
from localcloud.template import (
    FunctionSpec,
    HttpRoute,
    Resolver,
    ScheduleSource,
    functions,
    jwt_authorizers,
    load_template,
)


@pytest.fixture(scope="module")
def specs() -> dict[str, FunctionSpec]:
    return {s.logical_id: s for s in functions(load_template())}


# ---------------------------------------------------------------------------- template
def test_functions_carry_their_events_from_the_template(specs: dict[str, FunctionSpec]) -> None:
    webhook = specs["WebhookFunction"]
    assert [(r.method, r.path, r.authorized) for r in webhook.routes] == [("POST", "/webhook/zalo", False)]
    assert webhook.timeout == 6 and webhook.code_uri == "functions/webhook/"
    api = specs["ApiFunction"]
    assert [(r.method, r.path, r.authorized, r.api) for r in api.routes] == [
        ("ANY", "/api/v1/{proxy+}", True, "HttpApi")
    ]
    inbound = specs["InboundFunction"].queues[0]
    assert (inbound.queue, inbound.batch_size, inbound.report_failures) == ("InboundQueue", 10, True)
    planner = specs["CampaignPlannerFunction"]
    assert planner.queues[0].batch_size == 1
    assert [(s.name, s.expression, s.input) for s in planner.schedules] == [
        ("DueCampaigns", "rate(1 minute)", '{"job": "due-campaigns"}')
    ]
    # Globals reach every function
    assert all(s.environment["TABLE_NAME"] == {"Ref": "MainTable"} for s in specs.values())


def test_the_http_api_authorizer_is_read_from_the_template() -> None:
    authorizers = jwt_authorizers(load_template())
    jwt = authorizers["HttpApi"]
    assert jwt.name == "OfficerJwt" and jwt.identity_source == "$request.header.Authorization"
    resolver = Resolver(
        parameters={},
        pseudo={"AWS::Region": "ap-southeast-1"},
        refs={"UserPool": "pool-1", "UserPoolClient": "client-1"},
    )
    assert resolver.resolve(jwt.issuer) == "https://cognito-idp.ap-southeast-1.amazonaws.com/pool-1"
    assert resolver.resolve(jwt.audience) == ["client-1"]


def test_intrinsic_functions_resolve() -> None:
    resolver = Resolver(
        parameters={"Stage": "dev", "AlarmEmail": ""},
        pseudo={"AWS::StackName": "stack", "AWS::Region": "ap-southeast-1"},
        refs={"Queue": "https://sqs/q"},
        attrs={("Queue", "Arn"): "arn:aws:sqs:q"},
        conditions={"HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}},
    )
    assert resolver.resolve({"Fn::Sub": "${AWS::StackName}/oa-tokens/"}) == "stack/oa-tokens/"
    assert resolver.resolve({"Fn::Sub": "${Queue.Arn}/x ${!Literal}"}) == "arn:aws:sqs:q/x ${Literal}"
    assert resolver.resolve({"Fn::Sub": ["${A}-${Stage}", {"A": {"Ref": "Queue"}}]}) == "https://sqs/q-dev"
    assert resolver.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}) == "a-dev"
    assert resolver.resolve({"Fn::If": ["HasAlarmEmail", "yes", "no"]}) == "no"
    assert resolver.resolve({"Fn::Select": [1, ["x", {"Fn::GetAtt": ["Queue", "Arn"]}]]}) == "arn:aws:sqs:q"
    assert resolver.resolve({"Fn::GetAtt": "Queue.Arn"}) == "arn:aws:sqs:q"
    assert resolver.resolve([{"k": {"Ref": "Stage"}}]) == [{"k": "dev"}]
    with pytest.raises(KeyError):
        resolver.resolve({"Ref": "Missing"})


def test_short_form_tags_load_as_long_form(tmp_path: Any) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  A:\n    Type: X\n    Properties:\n      Q: !GetAtt B.Arn\n"
        "      R: !Ref C\n      S: !Sub '${C}'\n      J: !Join ['', [!Ref C]]\n",
        encoding="utf-8",
    )
    props = load_template(path)["Resources"]["A"]["Properties"]
    assert props == {
        "Q": {"Fn::GetAtt": ["B", "Arn"]},
        "R": {"Ref": "C"},
        "S": {"Fn::Sub": "${C}"},
        "J": {"Fn::Join": ["", [{"Ref": "C"}]]},
    }


# ---------------------------------------------------------------------------- routes and events
def _spec(name: str = "Fn") -> FunctionSpec:
    return FunctionSpec(name, "functions/x/", "app.handler", 5, {})


ROUTES = [
    compile_route(HttpRoute("Api", "ANY", "/api/v1/{proxy+}", True, "HttpApi"), _spec("Api")),
    compile_route(HttpRoute("Tip", "GET", "/api/v1/tips/{tip_id}", True, "HttpApi"), _spec("Tip")),
    compile_route(HttpRoute("Doc", "GET", "/api/v1/openapi.json", False, "HttpApi"), _spec("Doc")),
    compile_route(HttpRoute("Hook", "POST", "/webhook/zalo", False, "HttpApi"), _spec("Hook")),
]


@pytest.mark.parametrize(
    ("method", "path", "function", "params"),
    [
        ("GET", "/api/v1/openapi.json", "Doc", {}),
        ("GET", "/api/v1/tips/TP-1", "Tip", {"tip_id": "TP-1"}),
        ("PATCH", "/api/v1/tips/TP-1", "Api", {"proxy": "tips/TP-1"}),
        ("GET", "/api/v1/tips/TP-1/replies", "Api", {"proxy": "tips/TP-1/replies"}),
        ("POST", "/webhook/zalo", "Hook", {}),
    ],
)
def test_the_most_specific_route_wins(method: str, path: str, function: str, params: dict[str, str]) -> None:
    found = match_route(ROUTES, method, path)
    assert found is not None
    assert (found[0].spec.logical_id, found[1]) == (function, params)


def test_unmatched_methods_and_paths() -> None:
    assert match_route(ROUTES, "GET", "/webhook/zalo") is None
    assert match_route(ROUTES, "GET", "/api/v1") is None
    assert match_route(ROUTES, "GET", "/other") is None


def test_claims_are_rendered_as_api_gateway_does() -> None:
    assert render_claims(
        {
            "cognito:groups": ["officer", "commander"],
            "exp": 1700000000,
            "email_verified": True,
            "custom:unit_id": "p-hiep-tan",
        }
    ) == {
        "cognito:groups": "[officer commander]",
        "exp": "1700000000",
        "email_verified": "true",
        "custom:unit_id": "p-hiep-tan",
    }


def _request(method: str, path: str, **kwargs: Any) -> Request:
    return Request(
        EnvironBuilder(method=method, path=path, base_url="http://127.0.0.1:3000", **kwargs).get_environ()
    )


def test_payload_v2_event_from_a_request() -> None:
    request = _request(
        "PATCH",
        "/api/v1/tips/TP%2D1",
        query_string="a=1&a=2&b=",
        headers={"X-Trace": "t", "Cookie": "s=1; t=2"},
        json={"status": "verified"},
    )
    compiled, params = match_route(ROUTES, "PATCH", request.path) or (None, {})
    assert compiled is not None
    event = build_event(request, compiled, params, {"cognito:groups": ["officer"], "exp": 1})
    assert event["version"] == "2.0" and event["routeKey"] == "ANY /api/v1/{proxy+}"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["pathParameters"] == {"proxy": "tips/TP-1"}
    assert event["headers"]["x-trace"] == "t" and event["cookies"] == ["s=1", "t=2"]
    assert json.loads(event["body"]) == {"status": "verified"} and event["isBase64Encoded"] is False
    assert event["requestContext"]["http"]["method"] == "PATCH"
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {
        "cognito:groups": "[officer]",
        "exp": "1",
    }


def test_binary_bodies_are_base64_encoded() -> None:
    request = _request("POST", "/webhook/zalo", data=b"\xff\x00", content_type="application/octet-stream")
    event = build_event(request, ROUTES[3], {}, None)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\x00"
    assert "authorizer" not in event["requestContext"] and "queryStringParameters" not in event


def test_handler_results_map_to_http_responses() -> None:
    structured = build_response(
        {"statusCode": 201, "headers": {"X-A": "1"}, "body": '{"ok": true}', "cookies": ["a=1", "b=2"]}
    )
    assert structured.status_code == 201 and structured.headers["X-A"] == "1"
    assert structured.headers["Content-Type"] == "application/json"
    assert structured.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    binary = build_response(
        {
            "statusCode": 200,
            "body": base64.b64encode(b"%PDF").decode(),
            "isBase64Encoded": True,
            "headers": {"content-type": "application/pdf"},
        }
    )
    assert binary.get_data() == b"%PDF" and binary.headers["Content-Type"] == "application/pdf"
    plain = build_response({"items": []})
    assert plain.status_code == 200 and json.loads(plain.get_data()) == {"items": []}


class _Verifier(JwtVerifier):
    def __init__(self, outcome: dict[str, Any] | Exception) -> None:
        self.outcome = outcome

    def verify(self, authorization: str | None) -> dict[str, Any]:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_gateway_refuses_without_token_and_hides_handler_errors() -> None:
    calls: list[dict[str, Any]] = []

    def invoke(spec: FunctionSpec, event: dict[str, Any]) -> Any:
        calls.append(event)
        if spec.logical_id == "Hook":
            raise RuntimeError("bug")
        return {"statusCode": 200, "body": "ok"}

    refused = Gateway(ROUTES, invoke, {"HttpApi": _Verifier(Unauthorized("no token"))})
    reply = refused.handle(_request("GET", "/api/v1/tips/1"))
    assert reply is not None and reply.status_code == 401
    assert json.loads(reply.get_data()) == {"message": "Unauthorized"} and calls == []
    broken = refused.handle(_request("POST", "/webhook/zalo", data="{}"))
    assert broken is not None and broken.status_code == 500
    assert json.loads(broken.get_data()) == {"message": "Internal Server Error"}
    allowed = Gateway(ROUTES, invoke, {"HttpApi": _Verifier({"sub": "x"})})
    ok = allowed.handle(_request("GET", "/api/v1/tips/1", headers={"Origin": "http://console"}))
    assert (
        ok is not None
        and ok.status_code == 200
        and ok.headers["Access-Control-Allow-Origin"] == "http://console"
    )
    assert allowed.handle(_request("GET", "/console/app.js")) is None  # not an API route


def test_jwt_verifier_checks_issuer_audience_and_expiry() -> None:
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}
    verifier = JwtVerifier("http://jwks", "https://issuer/pool", ["client-1"], fetch=lambda url: jwks)

    def token(**claims: Any) -> str:
        base = {"iss": "https://issuer/pool", "aud": "client-1", "exp": int(time.time()) + 60}
        return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": "k1"})

    assert verifier.verify("Bearer " + token(sub="a"))["sub"] == "a"
    assert verifier.verify(token(aud=None, client_id="client-1"))["client_id"] == "client-1"
    for bad in (
        token(iss="https://evil"),
        token(aud="other"),
        token(exp=int(time.time()) - 5),
        "Bearer abc.def.ghi",
        None,
    ):
        with pytest.raises(Unauthorized):
            verifier.verify(bad)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {"iss": "https://issuer/pool", "aud": "client-1", "exp": int(time.time()) + 60},
        other_key,
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(Unauthorized):
        verifier.verify(forged)


# ---------------------------------------------------------------------------- SQS and schedules
def test_lambda_sqs_record_shape() -> None:
    record = lambda_record(
        {
            "MessageId": "m1",
            "ReceiptHandle": "r1",
            "Body": "{}",
            "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
            "Attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g"},
            "MessageAttributes": {
                "kind": {"DataType": "String", "StringValue": "tip"},
                "blob": {"DataType": "Binary", "BinaryValue": b"\x01"},
            },
        },
        "arn:aws:sqs:ap-southeast-1:123456789012:q.fifo",
        "ap-southeast-1",
    )
    assert record["eventSource"] == "aws:sqs" and record["messageId"] == "m1"
    assert record["attributes"]["MessageGroupId"] == "g"
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "tip",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AQ=="


def test_partial_batch_failures_are_read_like_lambda_does() -> None:
    ids = ["a", "b", "c"]
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids, True) == {"b"}
    assert failed_ids({"batchItemFailures": []}, ids, True) == set()
    assert failed_ids(None, ids, True) == set()
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ids, True) == set(ids)
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ids, True) == set(ids)
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids, False) == set()


def test_schedule_events() -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    with_input = ScheduleSource(
        "RemindersFunction", "QueueReminders", "cron(0 12 * * ? *)", '{"job": "queue-reminders"}'
    )
    assert schedule_event(with_input, "ap-southeast-1", "stack", at) == {"job": "queue-reminders"}
    plain = schedule_event(ScheduleSource("F", "E", "rate(1 hour)", None), "ap-southeast-1", "stack", at)
    assert plain["detail-type"] == "Scheduled Event" and plain["source"] == "aws.events"
    assert plain["time"] == "2026-11-28T12:00:00Z" and plain["detail"] == {}
