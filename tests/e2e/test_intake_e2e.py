"""Intake on the running local stack: every Zalo event type answered fast and stored once; a tip with
a photo and a location becomes one case whose photo lands in S3 and whose code reaches the citizen."""

from __future__ import annotations

import hashlib
import json
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key

from tests.stack import LocalStack

pytestmark = pytest.mark.e2e
EVENTS = Path(__file__).resolve().parents[2] / "events"
DISTRICT_OA = "2200000000000000000"
NOT_SAMPLES = {
    "url_check",
    "unsigned",
    "bad_signature",
    "unknown_app",
    "malformed_json",
    "follow_missing_fields",
    "base64_body",
    "signature_uppercase_no_prefix",
}


def sample_bodies() -> list[dict[str, Any]]:
    out = []
    for path in sorted(EVENTS.glob("webhook_*.json")):
        if path.stem.removeprefix("webhook_") in NOT_SAMPLES:
            continue
        body = json.loads(json.loads(path.read_text(encoding="utf-8"))["body"])
        out.append(body)
    return out


def test_every_event_type_is_acknowledged_fast_and_stored_once(local_stack: LocalStack) -> None:
    run = uuid.uuid4().hex[:8]
    latencies: list[float] = []
    for body in sample_bodies():
        if isinstance(body.get("message"), dict) and body["message"].get("msg_id"):
            body["message"]["msg_id"] = f"{body['message']['msg_id']}-{run}"  # fresh per test run
        else:
            body["run"] = run
        body.pop("app_id", None)
        started = time.monotonic()
        first = local_stack.sign_and_post(dict(body))
        elapsed = time.monotonic() - started
        assert first.status_code == 200, (body["event_name"], first.text)
        latencies.append(elapsed)
        assert first.json()["status"] in ("accepted", "kept_aside")
        again = local_stack.sign_and_post(dict(body))
        assert again.status_code == 200 and again.json() == {"status": "duplicate"}, body["event_name"]
    # Zalo's limit is 2 s per event. This machine is shared and the stack emulates AWS in-process, so
    # single outliers are tolerated; the typical acknowledgement must be well inside the limit.
    assert statistics.median(latencies) < 1.0, latencies
    assert sum(1 for t in latencies if t >= 2.0) <= len(latencies) // 10, latencies


def _case_for(stack: LocalStack, user_id: str) -> dict[str, Any] | None:
    table = stack.table()
    state = table.get_item(Key={"PK": f"CONV#{DISTRICT_OA}#{stack.citizen_ref(user_id)}", "SK": "STATE"}).get(
        "Item"
    )
    if not state or not state.get("open_case_id"):
        return None
    case: dict[str, Any] | None = table.get_item(
        Key={"PK": f"CASE#{state['open_case_id']}", "SK": "CASE"}
    ).get("Item")
    return case


def test_tip_with_photo_and_location_is_one_case_with_the_photo_in_s3(local_stack: LocalStack) -> None:
    user = "tip-" + uuid.uuid4().hex[:10]
    cdn = local_stack.config["zalo_cdn_base"]
    now = int(time.time() * 1000)
    text = local_stack.text_event(user, "Báo tin: có nhóm người lạ cạy khóa xe máy trước chợ")
    photo = {
        "event_name": "user_send_image",
        "sender": {"id": user},
        "recipient": {"id": DISTRICT_OA},
        "timestamp": str(now + 1000),
        "message": {
            "msg_id": uuid.uuid4().hex,
            "attachments": [
                {
                    "type": "image",
                    "payload": {"url": f"{cdn}/tip-photo.jpg", "thumbnail": f"{cdn}/tip-photo.jpg"},
                }
            ],
        },
    }
    location = {
        "event_name": "user_send_location",
        "sender": {"id": user},
        "recipient": {"id": DISTRICT_OA},
        "timestamp": str(now + 2000),
        "message": {
            "msg_id": uuid.uuid4().hex,
            "attachments": [
                {
                    "type": "location",
                    "payload": {"coordinates": {"latitude": "10.7747", "longitude": "106.6293"}},
                }
            ],
        },
    }
    for event in (text, photo, location):
        assert local_stack.sign_and_post(event).status_code == 200

    sent = local_stack.wait_sent(user, count=1, timeout=30)
    reply = sent[0]["body"]["message"]["text"]
    assert "Mã tin báo: TP-" in reply
    code = reply.split("Mã tin báo: ")[1].split(".")[0]

    def media_stored() -> Any:
        case = _case_for(local_stack, user)
        if not case or case.get("routing") != "location":  # the location arrived and moved the case
            return None
        items = local_stack.table().query(
            KeyConditionExpression=Key("PK").eq(f"CASE#{case['case_id']}") & Key("SK").begins_with("MEDIA#")
        )["Items"]
        return (case, items) if items and all(i["status"] == "stored" for i in items) else None

    case, (media,) = local_stack.wait_for(media_stored, 45, "the photo stored in S3")
    assert case["code"] == code and case["unit_id"] == "p-hiep-tan" and case["routing"] == "location"
    photo_bytes = local_stack.http.get("/_local/zalo-cdn/tip-photo.jpg").content
    stored = (
        local_stack.aws_client("s3")
        .get_object(Bucket=local_stack.environment["MEDIA_BUCKET"], Key=media["s3_key"])["Body"]
        .read()
    )
    assert stored == photo_bytes and media["sha256"] == hashlib.sha256(photo_bytes).hexdigest()


def test_hostile_attachment_url_is_never_fetched(local_stack: LocalStack) -> None:
    user = "evil-" + uuid.uuid4().hex[:10]
    # (The stack's own host:port is the allowlisted fake CDN, so it is not hostile here.)
    urls = [
        "http://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1/x.pdf",
        "file:///etc/passwd",
        "http://127.0.0.1:1/x.pdf",
        "https://photo-stal-1.zdn.vn:8443/x.pdf",
    ]
    event = {
        "event_name": "user_send_file",
        "sender": {"id": user},
        "recipient": {"id": DISTRICT_OA},
        "timestamp": str(int(time.time() * 1000)),
        "message": {
            "msg_id": uuid.uuid4().hex,
            "attachments": [
                {"type": "file", "payload": {"url": u, "name": f"f{i}.pdf"}} for i, u in enumerate(urls)
            ],
        },
    }
    assert local_stack.sign_and_post(event).status_code == 200

    def all_failed() -> Any:
        case = _case_for(local_stack, user)
        if not case:
            return None
        items = local_stack.table().query(
            KeyConditionExpression=Key("PK").eq(f"CASE#{case['case_id']}") & Key("SK").begins_with("MEDIA#")
        )["Items"]
        return items if len(items) == len(urls) and all(i["status"] == "failed" for i in items) else None

    items = local_stack.wait_for(all_failed, 45, "hostile attachments refused")
    assert all(i["permanent"] and "s3_key" not in i for i in items)
