"""Helpers for the officer API tests: API Gateway v2 events with Cognito claims, and tip cases.

Cases are opened through the intake engineer's data access (`anninh.cases.store.create_case`), so the
API is tested against the item shape intake really writes.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from anninh.cases.model import Case, Location
from anninh.clock import iso
from anninh.registry import Registry


def claims_for(registry: Registry, username: str) -> dict[str, Any]:
    officer = next(o for o in registry.officers if o.username == username)
    return {
        "cognito:username": officer.username,
        "custom:unit_id": officer.unit_id,
        "cognito:groups": "[" + " ".join(officer.roles) + "]",
        "token_use": "id",
    }


def api_event(
    method: str,
    path: str,
    claims: dict[str, Any] | None,
    body: Any = None,
    query: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    query = {k: v for k, v in (query or {}).items() if v is not None}
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "ANY /api/v1/{proxy+}",
        "rawPath": path,
        "rawQueryString": urlencode(query),
        "headers": {"content-type": "application/json", "host": "api.test", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.test",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "ANY /api/v1/{proxy+}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "pathParameters": {"proxy": path.removeprefix("/api/v1/")},
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = {k: str(v) for k, v in query.items()}
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    return event


def call(
    method: str,
    path: str,
    claims: dict[str, Any] | None,
    body: Any = None,
    query: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    from localcloud.lambdas import invoke

    response = invoke("ApiFunction", api_event(method, path, claims, body, query, headers))
    raw = response.get("body") or ""
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw
    return int(response["statusCode"]), payload


def open_case(
    registry: Registry,
    unit_id: str,
    *,
    text: str = "Báo tin có người lạ theo dõi nhà",
    user_id: str | None = None,
    created_at: datetime | None = None,
    urgent: bool = False,
    address: str | None = None,
    code: str | None = None,
) -> Case:
    """A new tip case in a unit's inbox, written through intake's store."""
    from anninh.cases import store

    oa = (
        next(o for o in registry.oas if o.unit_id == unit_id)
        if any(o.unit_id == unit_id for o in registry.oas)
        else registry.oas[0]
    )
    at = created_at or datetime.now(UTC) - timedelta(minutes=5)
    case_id = uuid.uuid4().hex[:16]
    unit = registry.unit(unit_id)
    prefix = unit.case_prefix if unit else "XX"
    case = Case(
        case_id=case_id,
        code=code or f"{prefix}-{at:%y%m}-{uuid.uuid4().int % 10000:04d}",
        oa_id=oa.oa_id,
        unit_id=unit_id,
        origin_unit_id=oa.unit_id,
        user_id=user_id or f"zalo-{uuid.uuid4().hex[:10]}",
        pseudonym="Công dân TEST00",
        urgent=urgent,
        summary=text[:200],
        texts=[text],
        address=address,
        location=Location(latitude=10.77, longitude=106.63),
        created_at=iso(at),
        updated_at=iso(at),
        last_activity_at=iso(at),
        routing="oa",
    )
    activity = {
        "PK": f"CASE#{case_id}",
        "SK": f"EVENT#{iso(at)}#{uuid.uuid4().hex[:16]}",
        "type": "case_event",
        "kind": "text",
        "text": text,
        "at": iso(at),
        "event_key": case_id,
    }
    store.default_store().create_case(case, activity, [])
    return case


def outbox_messages(deployment: Any) -> list[dict[str, Any]]:
    """Everything on the outbox queue (drained)."""
    import boto3

    sqs = boto3.client("sqs", region_name="ap-southeast-1")
    url = deployment.queue_urls["OutboxQueue"]
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        if not messages:
            return out
        for m in messages:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
