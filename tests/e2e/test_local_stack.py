"""The local cloud itself, over HTTP: health, config, demo data, Cognito, the HTTP API emulation,
SQS pollers (partial failures, redrive, FIFO groups), schedules and the fake Zalo.

A second stack runs a copy of template.yaml with a test-only "probe" function added (an echo HTTP
route, SQS queues with a 1 s visibility timeout and a DLQ, schedules), so these tests do not depend on
the product's functions, and the fake Zalo can be bent (faults, rate limits, token rotation) without
disturbing the shared `local_stack`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import textwrap
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local_stack")]

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "Demo-Passw0rd-2026"
LocalStack = Any  # tests/stack.py's LocalStack

PROBE_HANDLER = '''
"""Test-only function: echoes HTTP events, records SQS deliveries, answers schedules.

Deliveries go to a file (PROBE_LOG): each concurrent invocation runs in an execution environment
(process) of its own, which shares no memory with the others, as in Lambda.
"""
import json
import os
import time


def _record(entry):
    with open(os.environ["PROBE_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\\n")  # one short append: whole lines, whoever writes at once


def _deliveries():
    try:
        with open(os.environ["PROBE_LOG"], encoding="utf-8") as log:
            return [json.loads(line) for line in log if line.strip()]
    except FileNotFoundError:
        return []


def handler(event, context):
    if "Records" in event:
        failures = []
        for record in event["Records"]:
            body = json.loads(record["body"])
            started = time.time()
            if body.get("sleep"):
                time.sleep(body["sleep"])
            _record({"record": record, "body": body, "started": started, "ended": time.time(),
                     "batch_size": len(event["Records"])})
            if body.get("raise"):
                raise RuntimeError("the probe was asked to raise")
            if body.get("fail"):
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}
    http = event.get("requestContext", {}).get("http")
    if http:
        path = event["rawPath"]
        if path.endswith("/deliveries"):
            return {"statusCode": 200, "headers": {"content-type": "application/json"},
                    "body": json.dumps(_deliveries())}
        if path.endswith("/runtime"):
            return {"statusCode": 200, "headers": {"content-type": "application/json"},
                    "body": json.dumps({"environment": dict(os.environ),
                                        "memory": context.memory_limit_in_mb})}
        if path.endswith("/boom"):
            raise RuntimeError("boom")
        if path.endswith("/binary"):
            return {"statusCode": 201, "headers": {"content-type": "application/octet-stream"},
                    "body": "AAEC/w==", "isBase64Encoded": True, "cookies": ["probe=1; Path=/"]}
        return {"statusCode": 200, "headers": {"content-type": "application/json", "x-probe": "yes"},
                "body": json.dumps(event)}
    return {"scheduled": event}
'''

PROBE_RESOURCES = """
  ProbeQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 1
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt ProbeDLQ.Arn
        maxReceiveCount: 2
  ProbeDLQ:
    Type: AWS::SQS::Queue
  ProbeFifoQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true
      VisibilityTimeout: 10
  ProbeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code_uri}
      Handler: app.handler
      Timeout: 10
      Environment:
        Variables:
          PROBE_QUEUE_URL: !Ref ProbeQueue
          PROBE_FIFO_QUEUE_URL: !Ref ProbeFifoQueue
          PROBE_DLQ_URL: !Ref ProbeDLQ
          PROBE_LOG: {log_path}
      Events:
        Echo:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Path: /api/v1/probe/{{item}}
            Method: GET
        Open:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Path: /probe/{{proxy+}}
            Method: ANY
            Auth:
              Authorizer: NONE
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt ProbeQueue.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
        Fifo:
          Type: SQS
          Properties:
            Queue: !GetAtt ProbeFifoQueue.Arn
            BatchSize: 1
        Tick:
          Type: Schedule
          Properties:
            Schedule: rate(5 minutes)
            Input: '{{"job": "probe"}}'
        Weekdays:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 ? * MON-FRI *)
"""


def probe_template(directory: Path) -> Path:
    """template.yaml plus the probe resources, written to `directory`; nothing else edited."""
    code = directory / "probe"
    code.mkdir(parents=True, exist_ok=True)
    (code / "app.py").write_text(textwrap.dedent(PROBE_HANDLER), encoding="utf-8")
    original = (ROOT / "template.yaml").read_text(encoding="utf-8")
    assert "\nResources:\n" in original
    extra = PROBE_RESOURCES.format(code_uri=f"{code}/", log_path=directory / "deliveries.jsonl")
    path = directory / "template.yaml"
    path.write_text(original.replace("\nResources:\n", "\nResources:\n" + extra, 1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def probe_stack(tmp_path_factory: pytest.TempPathFactory, stack_factory: Any) -> LocalStack:
    template = probe_template(tmp_path_factory.mktemp("probe-template"))
    return stack_factory(env={"ANNINH_TEMPLATE": str(template)}, name="probe")


def deliveries(stack: LocalStack) -> list[dict[str, Any]]:
    reply = stack.http.get("/probe/x/deliveries")
    assert reply.status_code == 200, reply.text
    records: list[dict[str, Any]] = reply.json()
    return records


def token_secret(stack: LocalStack, oa_id: str) -> dict[str, Any]:
    name = stack.environment["TOKEN_SECRET_PREFIX"] + oa_id
    secret: dict[str, Any] = json.loads(
        stack.aws_client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    )
    return secret


def send_cs(stack: LocalStack, token: str, user_id: str, text: str = "Xin chào") -> httpx.Response:
    return stack.http.post(
        "/_local/zalo/v3.0/oa/message/cs",
        headers={"access_token": token},
        json={"recipient": {"user_id": user_id}, "message": {"text": text}},
    )


# ---------------------------------------------------------------------------- the shared stack
def test_health_and_config_describe_the_running_stack(local_stack: LocalStack) -> None:
    health = local_stack.http.get("/_local/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    config = local_stack.http.get("/_local/config").json()
    for key in ("aws_endpoint_url", "region", "user_pool_id", "user_pool_client_id"):
        assert config[key], key
    assert config["region"] == "ap-southeast-1"
    pools = local_stack.aws_client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
    assert config["user_pool_id"] in [p["Id"] for p in pools]
    assert config["webhook_url"] == f"{local_stack.base_url}/webhook/zalo"
    assert config["environment"]["ZALO_API_BASE"] == f"{local_stack.base_url}/_local/zalo"


def test_demo_registry_officers_and_oa_tokens_are_seeded(local_stack: LocalStack) -> None:
    registry = local_stack.registry
    units = local_stack.table().query(
        IndexName="GSI1", KeyConditionExpression="GSI1PK = :p", ExpressionAttributeValues={":p": "UNITS"}
    )["Items"]
    assert {u["data"]["unit_id"] for u in units} == {u["unit_id"] for u in registry["units"]}
    for oa in registry["oas"][:3]:
        token = token_secret(local_stack, oa["oa_id"])
        assert token["oa_id"] == oa["oa_id"] and token["app_id"] == oa["app_id"]
        assert token["expires_at"] > token["refreshed_at"]
        reply = local_stack.http.get(
            "/_local/zalo/v2.0/oa/getoa", headers={"access_token": token["access_token"]}
        ).json()
        assert reply["error"] == 0 and reply["data"]["name"] == oa["name"]


def test_officer_signs_in_and_the_api_refuses_requests_without_a_valid_token(local_stack: LocalStack) -> None:
    token = local_stack.login("tanphu.chihuy")
    assert token.count(".") == 2
    with pytest.raises(Exception, match=r"NotAuthorized|Incorrect"):
        local_stack.login("tanphu.chihuy", "wrong-password-123")
    for headers in (
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Bearer " + token[:-4] + "AAAA"},
    ):
        reply = local_stack.http.get("/api/v1/tips", headers=headers)
        assert reply.status_code == 401, headers
        assert reply.json() == {"message": "Unauthorized"}


def test_browser_can_reach_cognito_and_the_api_across_origins(local_stack: LocalStack) -> None:
    origin = local_stack.base_url
    preflight = httpx.options(
        local_stack.aws_endpoint_url + "/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in (origin, "*")
    assert "x-amz-target" in preflight.headers["access-control-allow-headers"].lower()
    login = httpx.post(
        local_stack.aws_endpoint_url + "/",
        headers={
            "Origin": origin,
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        json={
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": local_stack.config["user_pool_client_id"],
            "AuthParameters": {"USERNAME": "hieptan.canbo", "PASSWORD": DEMO_PASSWORD},
        },
    )
    assert login.status_code == 200 and login.json()["AuthenticationResult"]["IdToken"]
    api_preflight = local_stack.http.options(
        "/api/v1/tips",
        headers={
            "Origin": "http://example.test",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert api_preflight.status_code == 204
    assert api_preflight.headers["access-control-allow-origin"] == "http://example.test"
    assert "PATCH" in api_preflight.headers["access-control-allow-methods"]


def test_a_report_is_queued_then_made_by_the_report_function_from_the_template(
    local_stack: LocalStack,
) -> None:
    token = local_stack.login("tanphu.chihuy")
    from anninh.clock import utcnow, vn_day

    today = vn_day(utcnow())
    period = {"from": today[:8] + "01", "to": today}
    queued = local_stack.api("POST", "/reports", token=token, json=period)
    assert queued.status_code == 202 and queued.json()["status"] == "queued", queued.text
    report_id = queued.json()["report_id"]

    def ready() -> dict[str, Any] | None:
        body: dict[str, Any] = local_stack.api("GET", f"/reports/{report_id}", token=token).json()
        assert body["status"] != "failed", body
        return body if body["status"] == "ready" else None

    report = local_stack.wait_for(ready, 90, "the report function", interval=0.5)
    pdf = httpx.get(report["pdf_url"], timeout=30)
    html = httpx.get(report["html_url"], timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert html.status_code == 200 and html.text.count("<svg") == len(report["charts"])


def test_fake_cdn_serves_demo_media(local_stack: LocalStack) -> None:
    jpeg = local_stack.http.get("/_local/zalo-cdn/tip-photo.jpg")
    assert jpeg.status_code == 200 and jpeg.headers["content-type"] == "image/jpeg"
    assert jpeg.content[:3] == b"\xff\xd8\xff" and jpeg.content[-2:] == b"\xff\xd9"
    video = local_stack.http.get("/_local/zalo-cdn/clip.mp4")
    assert video.headers["content-type"] == "video/mp4" and video.content[4:8] == b"ftyp"
    assert local_stack.http.get("/_local/zalo-cdn/unknown.exe").status_code == 404


def test_console_is_served_when_built(local_stack: LocalStack) -> None:
    if not (ROOT / "console" / "index.html").is_file():
        pytest.skip("console/ not built yet")
    page = local_stack.http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert local_stack.http.get("/../template.yaml").status_code == 404


def test_unknown_routes_are_404_like_api_gateway(local_stack: LocalStack) -> None:
    reply = local_stack.http.post("/nowhere/at/all")
    assert reply.status_code == 404 and reply.json() == {"message": "Not Found"}
    wrong_method = local_stack.http.get("/webhook/zalo")
    assert wrong_method.status_code == 404


def test_signed_webhook_event_is_stored_and_an_unsigned_one_refused(local_stack: LocalStack) -> None:
    user = "w-" + uuid.uuid4().hex[:10]
    signed = local_stack.text_event(user, "Xin chào")
    msg_id = signed["message"]["msg_id"]
    assert local_stack.sign_and_post(signed).status_code == 200
    receipt = local_stack.table().get_item(Key={"PK": f"EVENT#user_send_text:{msg_id}", "SK": "EVENT"})
    assert "Item" in receipt
    unsigned = local_stack.text_event(user, "Xin chào")
    refused = local_stack.sign_and_post(unsigned, signed=False)
    assert 400 <= refused.status_code < 500
    key = {"PK": f"EVENT#user_send_text:{unsigned['message']['msg_id']}", "SK": "EVENT"}
    assert "Item" not in local_stack.table().get_item(Key=key)


# ---------------------------------------------------------------------------- the probe stack
def test_authorized_route_gets_api_gateway_v2_event_with_claims(probe_stack: LocalStack) -> None:
    token = probe_stack.login("tanphu.chihuy")
    reply = probe_stack.api(
        "GET",
        "/probe/item-7?status=new&status=verified&q=c%C3%B4ng+an",
        token=token,
        headers={"X-Custom": "a", "Cookie": "c1=v1; c2=v2"},
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["x-probe"] == "yes"
    event = reply.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /api/v1/probe/{item}"  # beats ApiFunction's /api/v1/{proxy+}
    assert event["rawPath"] == "/api/v1/probe/item-7"
    assert event["pathParameters"] == {"item": "item-7"}
    assert event["queryStringParameters"] == {"status": "new,verified", "q": "công an"}
    assert event["headers"]["x-custom"] == "a" and "cookie" not in event["headers"]
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    ctx = event["requestContext"]
    assert ctx["http"]["method"] == "GET" and ctx["http"]["sourceIp"] == "127.0.0.1"
    assert ctx["requestId"] and ctx["timeEpoch"] > 0
    claims = ctx["authorizer"]["jwt"]["claims"]
    assert claims["cognito:username"] == "tanphu.chihuy"
    assert claims["custom:unit_id"] == "tan-phu"
    assert claims["cognito:groups"] in ("[officer commander]", "[commander officer]")
    assert claims["aud"] == probe_stack.config["user_pool_client_id"]
    assert claims["exp"].isdigit()


def test_open_route_bodies_binary_responses_and_handler_errors(probe_stack: LocalStack) -> None:
    text = probe_stack.http.post("/probe/echo", json={"a": "Tân Phú"}).json()
    assert text["isBase64Encoded"] is False and json.loads(text["body"]) == {"a": "Tân Phú"}
    assert text["pathParameters"] == {"proxy": "echo"} and "authorizer" not in text["requestContext"]
    raw = bytes(range(256))
    binary = probe_stack.http.put(
        "/probe/upload/file.bin", content=raw, headers={"Content-Type": "application/octet-stream"}
    ).json()
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == raw
    form = probe_stack.http.post("/probe/form", data={"x": "1"}).json()
    assert form["isBase64Encoded"] is True and base64.b64decode(form["body"]) == b"x=1"
    out = probe_stack.http.get("/probe/binary")
    assert out.status_code == 201 and out.content == b"\x00\x01\x02\xff"
    assert out.headers["set-cookie"].startswith("probe=1")
    boom = probe_stack.http.get("/probe/boom")
    assert boom.status_code == 500 and boom.json() == {"message": "Internal Server Error"}
    assert "RuntimeError: boom" in probe_stack.log_text()


def test_a_function_sees_only_its_own_environment_and_memory_size(probe_stack: LocalStack) -> None:
    seen = probe_stack.http.get("/probe/runtime").json()
    env = seen["environment"]
    assert env["PROBE_QUEUE_URL"] == probe_stack.environment["PROBE_QUEUE_URL"]  # its own variables
    assert env["TABLE_NAME"] == probe_stack.environment["TABLE_NAME"]  # and the template's Globals
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512" and seen["memory"] == 512  # Globals' MemorySize
    # never the local cloud's own settings (the stack was started with these)
    for leaked in (
        "LOCAL_SCHEDULES",
        "LOCAL_STATE_DIR",
        "ANNINH_REGISTRY",
        "ANNINH_TEMPLATE",
        "LOCAL_TIMEOUT_SCALE",
    ):
        assert leaked not in env, leaked


def test_poller_honours_partial_batch_failures_and_redrives_to_the_dlq(probe_stack: LocalStack) -> None:
    sqs = probe_stack.aws_client("sqs")
    env = probe_stack.environment
    run = uuid.uuid4().hex[:8]
    sqs.send_message_batch(
        QueueUrl=env["PROBE_QUEUE_URL"],
        Entries=[
            {
                "Id": "ok1",
                "MessageBody": json.dumps({"run": run, "n": 1}),
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "probe"}},
            },
            {"Id": "bad", "MessageBody": json.dumps({"run": run, "n": 2, "fail": True})},
            {"Id": "ok3", "MessageBody": json.dumps({"run": run, "n": 3})},
        ],
    )

    def dlq_bodies() -> list[dict[str, Any]]:
        got = sqs.receive_message(
            QueueUrl=env["PROBE_DLQ_URL"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        for m in got:
            sqs.change_message_visibility(
                QueueUrl=env["PROBE_DLQ_URL"], ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
            )
        return [json.loads(m["Body"]) for m in got]

    dead = probe_stack.wait_for(
        lambda: [b for b in dlq_bodies() if b.get("run") == run], 30, "the failing message in the DLQ"
    )
    assert [b["n"] for b in dead] == [2]
    mine = [d for d in deliveries(probe_stack) if d["body"].get("run") == run]
    counts = {n: sum(1 for d in mine if d["body"]["n"] == n) for n in (1, 2, 3)}
    assert counts == {1: 1, 2: 2, 3: 1}  # maxReceiveCount 2: delivered twice, then dead-lettered
    first = next(d["record"] for d in mine if d["body"]["n"] == 1)
    assert first["eventSource"] == "aws:sqs" and first["eventSourceARN"].endswith(":anninh-local-ProbeQueue")
    assert first["awsRegion"] == "ap-southeast-1" and first["md5OfBody"]
    assert first["attributes"]["ApproximateReceiveCount"] == "1" and first["attributes"]["SentTimestamp"]
    assert first["messageAttributes"]["kind"]["stringValue"] == "probe"
    retried = [d["record"]["attributes"]["ApproximateReceiveCount"] for d in mine if d["body"]["n"] == 2]
    assert retried == ["1", "2"]
    assert probe_stack.queue_depth(env["PROBE_QUEUE_URL"]) == 0


def test_poller_keeps_the_whole_batch_when_the_function_raises(probe_stack: LocalStack) -> None:
    sqs = probe_stack.aws_client("sqs")
    run = uuid.uuid4().hex[:8]
    sqs.send_message(
        QueueUrl=probe_stack.environment["PROBE_QUEUE_URL"],
        MessageBody=json.dumps({"run": run, "raise": True}),
    )
    probe_stack.wait_for(
        lambda: sum(1 for d in deliveries(probe_stack) if d["body"].get("run") == run) >= 2,
        30,
        "the raising message to be redelivered",
    )
    assert "the probe was asked to raise" in probe_stack.log_text()
    pollers = probe_stack.http.get("/_local/pollers").json()
    probe = next(p for p in pollers if p["queue"] == "ProbeQueue")
    assert probe["concurrency"] == 2 and probe["errors"] >= 1


def test_fifo_groups_are_never_processed_concurrently(probe_stack: LocalStack) -> None:
    sqs = probe_stack.aws_client("sqs")
    url = probe_stack.environment["PROBE_FIFO_QUEUE_URL"]
    run = uuid.uuid4().hex[:8]
    for n in range(4):
        for group in ("citizen-a", "citizen-b"):
            sqs.send_message(
                QueueUrl=url,
                MessageGroupId=f"{run}-{group}",
                MessageBody=json.dumps({"run": run, "group": group, "n": n, "sleep": 0.25}),
            )

    def delivered() -> list[dict[str, Any]] | None:
        mine = [d for d in deliveries(probe_stack) if d["body"].get("run") == run]
        return mine if len(mine) >= 8 else None

    mine = probe_stack.wait_for(delivered, 30, "8 FIFO deliveries")
    for group in ("citizen-a", "citizen-b"):
        seen = sorted((d for d in mine if d["body"]["group"] == group), key=lambda d: d["started"])
        assert [d["body"]["n"] for d in seen] == [0, 1, 2, 3]  # in order
        for before, after in itertools.pairwise(seen):
            assert after["started"] >= before["ended"] - 0.01  # one at a time
        assert seen[0]["record"]["attributes"]["MessageGroupId"] == f"{run}-{group}"


def test_schedules_are_listed_and_fire_on_demand(probe_stack: LocalStack) -> None:
    listing = probe_stack.http.get("/_local/schedules").json()
    assert listing["enabled"] is False  # LOCAL_SCHEDULES=off in tests
    tick = next(s for s in listing["schedules"] if s["function"] == "ProbeFunction" and s["event"] == "Tick")
    assert tick["expression"] == "rate(5 minutes)" and tick["next_run"].endswith("Z")
    weekdays = next(s for s in listing["schedules"] if s["event"] == "Weekdays")
    assert weekdays["next_run"][11:16] == "03:00"
    assert probe_stack.fire_schedule("ProbeFunction", "Tick") == {"scheduled": {"job": "probe"}}
    plain = probe_stack.fire_schedule("ProbeFunction", "Weekdays")["scheduled"]
    assert plain["detail-type"] == "Scheduled Event" and plain["source"] == "aws.events"
    assert probe_stack.http.post("/_local/schedules/ProbeFunction/Nope").status_code == 404


def test_fake_zalo_records_sends_and_checks_tokens(probe_stack: LocalStack) -> None:
    oa = probe_stack.registry["oas"][1]["oa_id"]
    token = token_secret(probe_stack, oa)["access_token"]
    user = "u-" + uuid.uuid4().hex[:10]
    ok = send_cs(probe_stack, token, user, "Cảm ơn bạn đã báo tin")
    assert ok.status_code == 200
    data = ok.json()
    assert data["error"] == 0 and data["message"] == "Success" and data["data"]["user_id"] == user
    # Only user_id, no message_id of the citizen's message: Zalo counts it as proactive (docs/zalo.md).
    assert data["data"]["message_id"] and data["data"]["quota"]["quota_type"] == "sub_quota"
    assert int(ok.headers["X-RateLimit-Limit"]) == 4000 and "X-RateLimit-Remain" in ok.headers
    bad = send_cs(probe_stack, "not-a-token", user)
    assert bad.status_code == 200 and bad.json()["error"] == -216
    too_long = send_cs(probe_stack, token, user, "x" * 2001)
    assert too_long.json()["error"] == -201
    sent = probe_stack.sent(user)
    assert len(sent) == 1
    assert sent[0]["endpoint"] == "/v3.0/oa/message/cs" and sent[0]["oa_id"] == oa
    assert sent[0]["body"] == {"recipient": {"user_id": user}, "message": {"text": "Cảm ơn bạn đã báo tin"}}
    failures = [r for r in probe_stack.zalo_requests("/v3.0/oa/message/cs") if r["error"] != 0]
    assert {r["error"] for r in failures} >= {-216, -201}


def test_fake_zalo_fault_injection(probe_stack: LocalStack) -> None:
    token = token_secret(probe_stack, probe_stack.registry["oas"][2]["oa_id"])["access_token"]
    user, other = "f-" + uuid.uuid4().hex[:8], "g-" + uuid.uuid4().hex[:8]
    try:
        probe_stack.fault(-32, 2)
        assert [send_cs(probe_stack, token, user).json()["error"] for _ in range(3)] == [-32, -32, 0]
        probe_stack.fault("network", 1)
        with pytest.raises(httpx.TransportError):
            send_cs(probe_stack, token, user)
        assert send_cs(probe_stack, token, user).json()["error"] == 0
        probe_stack.fault(-230, user_id=user)
        assert send_cs(probe_stack, token, user).json()["error"] == -230
        assert send_cs(probe_stack, token, other).json()["error"] == 0
        assert send_cs(probe_stack, token, user).json()["error"] == -230  # lasts for that recipient
        assert len(probe_stack.sent(user)) == 2 and len(probe_stack.sent(other)) == 1
    finally:
        probe_stack.reset_zalo()
    assert probe_stack.sent(user) == [] and send_cs(probe_stack, token, user).json()["error"] == 0


def test_fake_zalo_app_wide_rate_limit(probe_stack: LocalStack) -> None:
    oas = probe_stack.registry["oas"]
    tokens = [token_secret(probe_stack, oa["oa_id"])["access_token"] for oa in oas[3:5]]
    try:
        probe_stack.set_rate_limit(3)
        replies = [send_cs(probe_stack, tokens[i % 2], f"r-{i}") for i in range(4)]
        assert [r.json()["error"] for r in replies] == [0, 0, 0, -32]  # shared by the app's OAs
        assert [r.headers["X-RateLimit-Remain"] for r in replies] == ["2", "1", "0", "0"]
        assert replies[0].headers["X-RateLimit-Limit"] == "3"
    finally:
        probe_stack.reset_zalo()
    assert send_cs(probe_stack, tokens[0], "r-after").json()["error"] == 0


def test_fake_zalo_oauth_rotates_single_use_refresh_tokens(probe_stack: LocalStack) -> None:
    oa_id = probe_stack.registry["oas"][5]["oa_id"]
    secret = token_secret(probe_stack, oa_id)
    app = probe_stack.app_for_oa(oa_id)
    url = "/_local/zalo-oauth/v4/oa/access_token"
    form = {"app_id": app["app_id"], "grant_type": "refresh_token", "refresh_token": secret["refresh_token"]}
    wrong_secret = probe_stack.http.post(url, data=form, headers={"secret_key": "nope"}).json()
    assert wrong_secret["error"] != 0 and "error_name" in wrong_secret
    fresh = probe_stack.http.post(url, data=form, headers={"secret_key": app["app_secret"]}).json()
    assert fresh["expires_in"] == "90000"
    assert (
        fresh["access_token"] != secret["access_token"] and fresh["refresh_token"] != secret["refresh_token"]
    )
    assert send_cs(probe_stack, secret["access_token"], "o-1").json()["error"] == -216  # old one died
    assert send_cs(probe_stack, fresh["access_token"], "o-1").json()["error"] == 0
    reused = probe_stack.http.post(url, data=form, headers={"secret_key": app["app_secret"]}).json()
    assert reused["error"] == -14014
    # PKCE authorization-code grant (what an admin's consent produces).
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    code = probe_stack.http.post(
        "/_local/zalo-oauth/codes", json={"oa_id": oa_id, "code_challenge": challenge.decode()}
    ).json()["code"]
    exchange = {"app_id": app["app_id"], "grant_type": "authorization_code", "code": code}
    bad = probe_stack.http.post(
        url, data={**exchange, "code_verifier": "wrong"}, headers={"secret_key": app["app_secret"]}
    ).json()
    assert bad["error"] == -14019
    code = probe_stack.http.post(
        "/_local/zalo-oauth/codes", json={"oa_id": oa_id, "code_challenge": challenge.decode()}
    ).json()["code"]
    good = probe_stack.http.post(
        url,
        data={**exchange, "code": code, "code_verifier": verifier},
        headers={"secret_key": app["app_secret"]},
    ).json()
    assert good["access_token"] and send_cs(probe_stack, fresh["access_token"], "o-2").json()["error"] == -216
    again = probe_stack.http.post(
        url,
        data={**exchange, "code": code, "code_verifier": verifier},
        headers={"secret_key": app["app_secret"]},
    ).json()
    assert again["error"] == -14005  # codes are single-use
    # Keep the OA usable for later tests: store the new pair as the token refresher would.
    probe_stack.aws_client("secretsmanager").put_secret_value(
        SecretId=probe_stack.environment["TOKEN_SECRET_PREFIX"] + oa_id,
        SecretString=json.dumps(
            {**secret, "access_token": good["access_token"], "refresh_token": good["refresh_token"]}
        ),
    )


def test_invoke_runs_one_function_on_one_event_like_sam_local_invoke(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    template = probe_template(tmp_path)
    env = {
        **os.environ,
        "ANNINH_TEMPLATE": str(template),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "anninh"), str(ROOT)]),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    ok_event = tmp_path / "tick.json"
    ok_event.write_text('{"job": "probe"}', encoding="utf-8")
    ok = subprocess.run(
        [sys.executable, "-m", "localcloud.invoke", "ProbeFunction", str(ok_event)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert json.loads(ok.stdout) == {"scheduled": {"job": "probe"}}  # stdout carries only the result
    bad_event = tmp_path / "raise.json"
    bad_event.write_text(
        json.dumps({"Records": [{"messageId": "m1", "body": '{"raise": true}'}]}), encoding="utf-8"
    )
    bad = subprocess.run(
        [sys.executable, "-m", "localcloud.invoke", "ProbeFunction", str(bad_event)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert bad.returncode == 1
    error = json.loads(bad.stdout)
    assert error["errorType"] == "RuntimeError" and "asked to raise" in error["errorMessage"]
    missing = subprocess.run(
        [sys.executable, "-m", "localcloud.invoke", "NoSuchFunction", str(ok_event)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2 and "ProbeFunction" in missing.stderr
