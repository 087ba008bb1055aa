"""Urgent alerts against moto with the template's resources: an emergency on a ward OA reaches the
ward's on-call officer by SMS (SNS topic), is listed until acknowledged, escalates to the district's
on-call after the configured minutes, and acknowledging stops it (audited, unit-scoped)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from anninh import alerts, audit, aws
from anninh.alerts import subscribe_roster
from anninh.clock import from_millis
from anninh.intake.pipeline import default_pipeline
from anninh.registry.store import current_registry
from anninh.settings import get_settings
from localcloud.notifications import published
from tests.integration.test_api_support import call, claims_for
from tests.integration.test_inbound_integration import envelope_for, outbox_texts, text_body
from tests.integration.test_inbound_support import FakeBot

CITIZEN = "8400000000000000311"
T0 = 1795000000000  # 2026-11-18 ~ 05:46 UTC (12:46 Vietnam time: the district's day shift)


def _ward_oa(registry: Any, unit_id: str) -> str:
    return str(next(o for o in registry.oas if o.unit_id == unit_id).oa_id)


def _sms(unit_id: str | None = None) -> list[dict[str, Any]]:
    return [
        n for n in published() if n["phone"] and (unit_id is None or n["attributes"]["unit_id"] == unit_id)
    ]


def test_emergency_reaches_on_call_lists_escalates_and_is_acknowledged(aws_stack: Any, registry: Any) -> None:
    subscribe_roster(registry, get_settings().oncall_topic_arn)
    pipeline = default_pipeline(bot=FakeBot())
    oa = _ward_oa(registry, "p-hiep-tan")
    outcome = pipeline.process(envelope_for(text_body(CITIZEN, "cứu với có người đang đánh tôi", T0, oa=oa)))
    assert outcome.tip is not None and outcome.tip.opened and outcome.tip.urgent
    case_id = outcome.tip.case_id
    assert case_id

    # The citizen: 113 first, and the truth about where the tip went (the ward's on-call got an SMS).
    first, ack = [r["message"] for r in outbox_texts(aws_stack)]
    assert "gọi ngay 113" in first["text"] and "cán bộ trực của Công an phường Hiệp Tân" in first["text"]
    assert first["attachment"]["payload"]["buttons"][0]["payload"] == {"phone_code": "113"}
    assert outcome.tip.code in ack["text"]

    # The ward's on-call officer got the SMS through the topic (subscribed, no citizen words in it).
    (sms,) = _sms("p-hiep-tan")
    ward_phone = registry.unit("p-hiep-tan").oncall[0].phone
    assert sms["phone"] == ward_phone and sms["subscribed"] and outcome.tip.code in sms["message"]
    assert "đánh tôi" not in sms["message"]

    ward = claims_for(registry, "hieptan.canbo")
    status, page = call("GET", "/api/v1/alerts", ward, query={"open": "true"})
    assert status == 200, page
    (alert,) = page["items"]
    assert (alert["id"], alert["case_id"], alert["unit_id"], alert["class"]) == (
        case_id,
        case_id,
        "p-hiep-tan",
        "violence",
    )
    assert alert["acknowledged_at"] is None and alert["escalated_to"] == []
    # Another ward sees nothing of it, and cannot acknowledge it.
    other = claims_for(registry, "hoathanh.canbo")
    assert call("GET", "/api/v1/alerts", other, query={"open": "true"})[1]["items"] == []
    assert call("POST", f"/api/v1/alerts/{case_id}/ack", other)[0] == 404

    # Not yet due: nothing happens. Five minutes on, nobody acknowledged: the district's on-call.
    at = from_millis(T0)
    assert alerts.escalate_due(current_registry(), at + timedelta(minutes=4)) == []
    done = alerts.escalate_due(current_registry(), at + timedelta(minutes=5, seconds=1))
    assert done == [{"alert_id": case_id, "escalated_to": "tan-phu", "notified": 2}]  # day shift + chief
    district_sms = _sms("tan-phu")
    assert {s["phone"] for s in district_sms} == {"+84000000001", "+84000000003"}
    assert all("CHUYỂN CẤP" in s["message"] for s in district_sms)
    # A second run at the same time escalates nothing twice.
    assert alerts.escalate_due(current_registry(), at + timedelta(minutes=5, seconds=2)) == []

    commander = claims_for(registry, "tanphu.chihuy")
    (seen,) = call("GET", "/api/v1/alerts", commander, query={"open": "true"})[1]["items"]
    assert seen["escalated_to"] == ["tan-phu"]

    status, acked = call("POST", f"/api/v1/alerts/{case_id}/ack", ward)
    assert status == 200 and acked["acknowledged_at"] and acked["acknowledged_by"] == "hieptan.canbo"
    assert call("POST", f"/api/v1/alerts/{case_id}/ack", commander)[0] == 409
    assert call("GET", "/api/v1/alerts", ward, query={"open": "true"})[1]["items"] == []
    (closed,) = call("GET", "/api/v1/alerts", ward)[1]["items"]
    assert closed["acknowledged_at"] == acked["acknowledged_at"]
    # Acknowledged: no further escalation, and the acknowledgement is in the case's audit trail.
    assert alerts.escalate_due(current_registry(), at + timedelta(hours=1)) == []
    trail, _ = audit.trail().list_for_target("case", case_id)
    assert any(r.action == "alert.ack" and r.actor == "hieptan.canbo" for r in trail)


def test_a_unit_with_nobody_on_call_passes_the_alert_to_the_nearest_unit_above(
    aws_stack: Any, registry: Any
) -> None:
    from anninh.registry import Registry

    data = json.loads(registry.model_dump_json())
    for unit in data["units"]:
        if unit["unit_id"] == "p-phu-thanh":
            unit["oncall"] = []
    changed = Registry.model_validate(data)
    sent: list[tuple[str, str, dict[str, str]]] = []
    notified = alerts.notify(
        changed,
        "p-phu-thanh",
        "x",
        from_millis(T0),
        alert_id="a1",
        kind="urgent",
        publish=lambda *a: sent.append(a),
    )
    assert notified.unit_id == "tan-phu" and {p for p, _, _ in sent} == {"+84000000001", "+84000000003"}


def test_an_alert_follows_its_case_when_a_reorganisation_moves_it(aws_stack: Any, registry: Any) -> None:
    from anninh.reorg.plan import OpenCase
    from anninh.reorg.store import DynamoReorgStore

    pipeline = default_pipeline(bot=FakeBot())
    oa = _ward_oa(registry, "p-hiep-tan")
    outcome = pipeline.process(envelope_for(text_body(CITIZEN, "cháy nhà rồi cứu với", T0, oa=oa)))
    case_id = str(outcome.tip.case_id)
    DynamoReorgStore(aws.table()).move_case(
        OpenCase(case_id, str(outcome.tip.code), "p-hiep-tan"), "p-hoa-thanh", "r1", "x"
    )
    other = claims_for(registry, "hoathanh.canbo")
    (alert,) = call("GET", "/api/v1/alerts", other, query={"open": "true"})[1]["items"]
    assert alert["id"] == case_id and alert["unit_id"] == "p-hoa-thanh" and alert["class"] == "fire"
    assert call("GET", "/api/v1/alerts", claims_for(registry, "hieptan.canbo"))[1]["items"] == []
