"""An emergency on the running local stack: a citizen writes "cứu với có người đang đánh tôi" to a ward
OA (no tip phrase). The citizen gets 113 first, an urgent case exists, the ward's on-call officer's SMS
is in the local cloud's record, the alert is listed until acknowledged, and unacknowledged for five
minutes (the escalation job fired as of that time: a scaled clock) it reaches the district's on-call."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import pytest

from anninh.clock import from_millis
from tests.stack import LocalStack

pytestmark = pytest.mark.e2e
HIEP_TAN_OA = "2200000000000000001"


def _sms(stack: LocalStack, **filters: str) -> list[dict[str, Any]]:
    reply = stack.http.get("/_local/notifications", params=filters)
    reply.raise_for_status()
    return [n for n in reply.json() if n["channel"] == "sms"]


def test_emergency_reaches_the_on_call_officer_and_escalates_to_the_district(local_stack: LocalStack) -> None:
    stack = local_stack
    assert any(o["oa_id"] == HIEP_TAN_OA and o["unit_id"] == "p-hiep-tan" for o in stack.registry["oas"])
    citizen = "84" + uuid.uuid4().int.__str__()[:17]
    event = stack.text_event(citizen, "cứu với có người đang đánh tôi", oa_id=HIEP_TAN_OA)
    posted = time.monotonic()
    assert stack.sign_and_post(event).status_code == 200

    first = stack.wait_sent(citizen, count=1, timeout=30)[0]
    first_after = time.monotonic() - posted
    sent = stack.wait_sent(citizen, count=2, timeout=30)
    guidance, ack = sent[0]["body"]["message"], sent[1]["body"]["message"]
    assert first["body"]["message"] == guidance
    assert (
        "gọi ngay 113" in guidance["text"] and "cán bộ trực của Công an phường Hiệp Tân" in guidance["text"]
    )
    assert "Mã tin báo: HT-" in ack["text"]
    code = ack["text"].split("Mã tin báo: ")[1].split(".")[0]
    # Webhook to the fake Zalo, through both queues: the number reaches the citizen in seconds.
    print(f"first reply (113) {first_after:.2f} s after the webhook call")
    assert first_after < 10, first_after

    token = stack.login("hieptan.canbo")
    (case,) = [t for t in stack.api("GET", "/tips", token=token).json()["items"] if t["code"] == code]
    assert case["urgent"] and case["emergency_class"] == "violence"

    # The ward's on-call officer's SMS is in the local cloud's record.
    ward_phone = next(u for u in stack.registry["units"] if u["unit_id"] == "p-hiep-tan")["oncall"][0][
        "phone"
    ]
    alert_id = case["case_id"]
    (ward_sms,) = _sms(stack, alert_id=alert_id, unit_id="p-hiep-tan")
    assert ward_sms["phone"] == ward_phone and ward_sms["subscribed"] and code in ward_sms["message"]

    open_alerts = stack.api("GET", "/alerts", token=token, params={"open": "true"}).json()["items"]
    (alert,) = [a for a in open_alerts if a["id"] == alert_id]
    assert alert["case_id"] == alert_id and alert["class"] == "violence" and alert["acknowledged_at"] is None

    # Five minutes later, still unacknowledged: the escalation job (every minute) as of that time.
    due = from_millis(event["timestamp"]) + timedelta(minutes=5, seconds=1)
    fired = stack.http.post(
        "/_local/schedules/RemindersFunction/AlertEscalation",
        json={"time": due.strftime("%Y-%m-%dT%H:%M:%SZ")},
        timeout=60,
    )
    assert fired.status_code == 200, fired.text
    assert {"alert_id": alert_id, "escalated_to": "tan-phu"}.items() <= next(
        e for e in fired.json()["escalated"] if e["alert_id"] == alert_id
    ).items()
    district_sms = _sms(stack, alert_id=alert_id, unit_id="tan-phu")
    assert district_sms and all("CHUYỂN CẤP" in s["message"] and code in s["message"] for s in district_sms)

    listed = stack.api("GET", "/alerts", token=token, params={"open": "true"}).json()["items"]
    assert next(a for a in listed if a["id"] == alert_id)["escalated_to"] == ["tan-phu"]
    acked = stack.api("POST", f"/alerts/{alert_id}/ack", token=token)
    assert acked.status_code == 200 and acked.json()["acknowledged_by"] == "hieptan.canbo"
    listed = stack.api("GET", "/alerts", token=token, params={"open": "true"}).json()["items"]
    assert all(a["id"] != alert_id for a in listed)
