"""Officer API: hand-off conversations, canned replies, officers (admin), overdue digest, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from tests.integration.test_api_support import (
    call,
    claims_for,
    open_case,
    outbox_messages,
)

WARD = "hieptan.canbo"


def _handoff(registry, unit_id: str, user_id: str, text: str) -> str:
    from anninh import conversations

    oa = next(o for o in registry.oas if o.unit_id == unit_id)
    at = datetime.now(UTC) - timedelta(minutes=3)
    state = conversations.service().ensure_state(oa.oa_id, user_id, unit_id, at)
    conversations.service().record_inbound(
        oa.oa_id, user_id, at, f"m-{user_id}", "text", {"text": text}, f"e-{user_id}", text=text
    )
    conversations.service().set_handoff(oa.oa_id, user_id, unit_id, at)
    return state.conversation_id


def test_handed_off_conversation_list_read_reply_close(aws_stack, registry):
    mine = _handoff(registry, "p-hiep-tan", "zalo-c1", "Tôi muốn hỏi về đăng ký tạm trú cho người thuê trọ")
    theirs = _handoff(registry, "p-hoa-thanh", "zalo-c2", "Hỏi thủ tục")
    ward = claims_for(registry, WARD)

    status, page = call("GET", "/api/v1/conversations", ward)
    assert status == 200 and [c["conversation_id"] for c in page["items"]] == [mine]
    assert "zalo-c1" not in str(page) and page["items"][0]["pseudonym"].startswith("Công dân ")
    assert page["items"][0]["last_text"].startswith("Tôi muốn hỏi về đăng ký tạm trú")
    assert page["items"][0]["oa_name"] == "Công an phường Hiệp Tân"

    status, convo = call("GET", f"/api/v1/conversations/{mine}", ward)
    assert status == 200 and convo["messages"][0]["text"].startswith("Tôi muốn hỏi")
    assert call("GET", f"/api/v1/conversations/{theirs}", ward)[0] == 404

    status, queued = call(
        "POST",
        f"/api/v1/conversations/{mine}/replies",
        ward,
        {"text": "Anh/chị mang CCCD và hợp đồng thuê nhà đến Công an phường."},
    )
    assert status == 202
    [sent] = outbox_messages(aws_stack)
    assert sent["user_id"] == "zalo-c1" and sent["origin"] == "officer" and sent["key"] == queued["key"]

    status, closed = call("POST", f"/api/v1/conversations/{mine}/close", ward)
    assert status == 200 and closed["handed_off"] is False
    _, page = call("GET", "/api/v1/conversations", ward)
    assert page["items"] == []


def test_canned_replies_written_by_editors_read_by_officers(aws_stack, registry):
    editor = claims_for(registry, "tanphu.bientap")
    ward = claims_for(registry, WARD)
    body = {"title": "Đã tiếp nhận", "text": "Cảm ơn anh/chị, Công an phường đã tiếp nhận thông tin."}
    assert call("POST", "/api/v1/canned-replies", ward, body)[0] == 403
    status, made = call("POST", "/api/v1/canned-replies", editor, body)
    assert status == 201
    status, only_ht = call(
        "POST",
        "/api/v1/canned-replies",
        editor,
        {"title": "Hòa Thạnh", "text": "Chỉ cho phường Hòa Thạnh", "unit_id": "p-hoa-thanh"},
    )
    assert status == 201
    _, listed = call("GET", "/api/v1/canned-replies", ward, query={"q": "tiep nhan"})
    assert [r["reply_id"] for r in listed["items"]] == [made["reply_id"]]
    _, listed = call("GET", "/api/v1/canned-replies", ward)
    assert only_ht["reply_id"] not in {r["reply_id"] for r in listed["items"]}
    status, changed = call(
        "PATCH", f"/api/v1/canned-replies/{made['reply_id']}", editor, {"title": "Tiếp nhận"}
    )
    assert status == 200 and changed["title"] == "Tiếp nhận"
    assert call("DELETE", f"/api/v1/canned-replies/{made['reply_id']}", editor)[0] == 200
    assert call("GET", f"/api/v1/canned-replies/{made['reply_id']}", ward)[0] == 404


def test_admin_creates_and_changes_an_officer_in_cognito_and_the_registry(aws_stack, registry):
    from anninh.settings import get_settings

    admin = claims_for(registry, "tanphu.quantri")
    body = {
        "username": "sonky.canbo2",
        "unit_id": "p-son-ky",
        "roles": ["officer"],
        "display_name": "Cán bộ phường Sơn Kỳ 2",
        "temporary_password": "Tam-Thoi-2026-Abc",
    }
    assert call("POST", "/api/v1/officers", claims_for(registry, WARD), body)[0] == 403
    status, made = call("POST", "/api/v1/officers", admin, body)
    assert status == 201 and made["unit_id"] == "p-son-ky"
    assert call("POST", "/api/v1/officers", admin, body)[0] == 409

    cognito = boto3.client("cognito-idp", region_name="ap-southeast-1")
    pool = get_settings().user_pool_id
    user = cognito.admin_get_user(UserPoolId=pool, Username="sonky.canbo2")
    assert {"Name": "custom:unit_id", "Value": "p-son-ky"} in user["UserAttributes"]

    status, changed = call(
        "PATCH", "/api/v1/officers/sonky.canbo2", admin, {"roles": ["officer", "commander"], "enabled": False}
    )
    assert status == 200 and changed["roles"] == ["commander", "officer"] and changed["enabled"] is False
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username="sonky.canbo2")["Groups"]
    assert {g["GroupName"] for g in groups} == {"officer", "commander"}
    assert cognito.admin_get_user(UserPoolId=pool, Username="sonky.canbo2")["Enabled"] is False

    _, officers = call("GET", "/api/v1/officers", claims_for(registry, "sonky.chihuy"))
    assert "sonky.canbo2" in {o["username"] for o in officers["items"]}
    _, officers = call("GET", "/api/v1/officers", claims_for(registry, WARD))
    assert {o["unit_id"] for o in officers["items"]} == {"p-hiep-tan"}
    _, trail = call("GET", "/api/v1/audit", admin)
    officer_actions = [r["action"] for r in trail["items"] if r["action"].startswith("officer.")]
    assert officer_actions[:2] == ["officer.update", "officer.create"]
    # Granting commander is on the record and shown to that unit's commanders.
    status, grants = call("GET", "/api/v1/units/p-son-ky/grants", claims_for(registry, "sonky.chihuy"))
    assert status == 200
    assert [(g["officer"], g["role"], g["by"]) for g in grants["items"]] == [
        ("sonky.canbo2", "commander", "tanphu.quantri")
    ]
    assert call("GET", "/api/v1/units/p-son-ky/grants", claims_for(registry, "hoathanh.chihuy"))[0] == 404


def test_officer_audit_is_private_to_the_officer_and_their_commanders(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan")
    call("GET", f"/api/v1/tips/{case.case_id}", claims_for(registry, WARD))
    assert (
        call("GET", "/api/v1/audit", claims_for(registry, "hoathanh.canbo"), query={"officer": WARD})[0]
        == 403
    )
    status, trail = call(
        "GET", "/api/v1/audit", claims_for(registry, "hieptan.chihuy"), query={"officer": WARD}
    )
    assert status == 200 and trail["items"][0]["action"] == "case.read"


def test_overdue_digest_lists_idle_cases_per_unit(aws_stack, registry):
    from anninh import audit
    from localcloud.lambdas import invoke
    from tests.conftest import load_event

    stale = open_case(registry, "p-hiep-tan", created_at=datetime.now(UTC) - timedelta(hours=6), urgent=True)
    open_case(registry, "p-hiep-tan", created_at=datetime.now(UTC) - timedelta(hours=1))
    # the 07:30 schedule's event, through RemindersFunction (its role, its wiring)
    result = invoke("RemindersFunction", load_event("schedule_overdue_digest.json"))
    assert result == {"job": "overdue-digest", "units": {"p-hiep-tan": 1}}
    status, digests = call("GET", "/api/v1/digests/overdue", claims_for(registry, WARD))
    assert status == 200
    [digest] = digests["items"]
    assert [c["case_id"] for c in digest["cases"]] == [stale.case_id] and digest["urgent"] == 1
    status, live = call("GET", "/api/v1/overdue", claims_for(registry, WARD))
    assert [c["code"] for c in live["items"]] == [stale.code]
    # An officer action resets the clock.
    call("PATCH", f"/api/v1/tips/{stale.case_id}", claims_for(registry, WARD), {"status": "in_review"})
    _, live = call("GET", "/api/v1/overdue", claims_for(registry, WARD))
    assert live["items"] == []
    assert call("GET", "/api/v1/overdue", claims_for(registry, WARD), query={"unit_id": "p-son-ky"})[0] == 404
    # the refusal is in the audit trail, like every other
    records, _ = audit.trail().list_for_target("unit", "p-son-ky")
    assert any(r.action == "overdue.list" and r.outcome == "denied" and r.actor == WARD for r in records)


def test_retention_purge_removes_old_messages_and_media_but_keeps_cases_and_audit(aws_stack, registry):
    from anninh import audit, conversations
    from anninh.retention import purge
    from anninh.settings import get_settings
    from localcloud.iam import acting_as

    settings = get_settings()
    oa = next(o for o in registry.oas if o.unit_id == "p-hiep-tan")
    now = datetime.now(UTC)
    conversations.service().record_inbound(
        oa.oa_id, "zalo-old", now - timedelta(days=400), "old", "text", {}, "e-old", text="tin cũ"
    )
    conversations.service().record_inbound(
        oa.oa_id, "zalo-old", now - timedelta(days=2), "new", "text", {}, "e-new", text="tin mới"
    )
    case = open_case(registry, "p-hiep-tan", created_at=now - timedelta(days=400))
    s3 = boto3.client("s3", region_name="ap-southeast-1")
    key = f"cases/{case.case_id}/old.jpg"
    s3.put_object(Bucket=settings.media_bucket, Key=key, Body=b"x")
    table = boto3.resource("dynamodb", region_name="ap-southeast-1").Table(settings.table_name)
    table.put_item(
        Item={
            "PK": f"CASE#{case.case_id}",
            "SK": "MEDIA#1#0",
            "type": "media",
            "kind": "image",
            "s3_key": key,
            "sha256": "abc",
            "stored_at": "2025-01-01T00:00:00.000Z",
        }
    )
    audit.trail().record("hieptan.canbo", "case.read", "case", case.case_id, at=now - timedelta(days=500))

    with acting_as("RetentionPurgeFunction"):  # under the function's own role, as the schedule runs it
        report = purge(now)
    assert report.messages_deleted == 1 and report.media_purged == 1 and report.objects_deleted >= 1
    left = conversations_texts(table, oa.oa_id, "zalo-old")
    assert left == ["tin mới"]
    assert s3.list_object_versions(Bucket=settings.media_bucket, Prefix=key).get("Versions") is None
    media = table.get_item(Key={"PK": f"CASE#{case.case_id}", "SK": "MEDIA#1#0"})["Item"]
    assert media["purged_at"] and "s3_key" not in media and media["sha256"] == "abc"
    assert table.get_item(Key={"PK": f"CASE#{case.case_id}", "SK": "CASE"}).get("Item")
    records, _ = audit.trail().list_for_target("case", case.case_id)
    assert len(records) == 1


def conversations_texts(table, oa_id: str, user_id: str) -> list[str]:
    from boto3.dynamodb.conditions import Key

    from anninh import keys

    items = table.query(
        KeyConditionExpression=Key("PK").eq(keys.conversation_pk(oa_id, user_id))
        & Key("SK").begins_with("MSG#")
    )["Items"]
    from anninh.conversations import open_message

    return [open_message(i)["text"] for i in items]  # stored sealed (docs/security.md)


def test_admin_adds_a_unit_under_the_district_and_an_oa_for_it(aws_stack, registry):
    admin = claims_for(registry, "tanphu.quantri")
    unit = {
        "name": "Công an phường Mới",
        "kind": "ward",
        "parent": "tan-phu",
        "code": "PM",
        "centroid": [10.78, 106.62],
    }
    assert call("PUT", "/api/v1/units/p-moi", claims_for(registry, "tanphu.chihuy"), unit)[0] == 403
    status, made = call("PUT", "/api/v1/units/p-moi", admin, unit)
    assert status == 200 and made["parent"] == "tan-phu"
    assert call("PUT", "/api/v1/units/tan-phu", admin, {**unit, "parent": "p-moi"})[0] == 403  # own unit
    ward_under_new = {"name": "Tổ Mới", "kind": "team", "parent": "p-moi"}
    assert call("PUT", "/api/v1/units/to-moi", admin, ward_under_new)[0] == 200
    assert call("PUT", "/api/v1/units/p-moi", admin, {**unit, "parent": "to-moi"})[0] == 422  # no cycles
    app_id = registry.apps[0].app_id
    status, oa = call(
        "PUT",
        "/api/v1/oas/2200000000000000099",
        admin,
        {"app_id": app_id, "name": "Công an phường Mới", "unit_id": "p-moi"},
    )
    assert status == 200 and oa["unit_id"] == "p-moi"
    _, me = call("GET", "/api/v1/me", claims_for(registry, "tanphu.chihuy"))
    assert "p-moi" in me["visible_units"]
    _, units = call("GET", "/api/v1/units", claims_for(registry, WARD))
    assert {"unit_id": "p-moi", "visible": False}.items() <= next(
        u for u in units["items"] if u["unit_id"] == "p-moi"
    ).items()


def test_retention_function_runs_on_its_schedule_event(aws_stack):
    from localcloud.lambdas import invoke

    result = invoke("RetentionPurgeFunction", {"job": "retention-purge"})
    assert result["complete"] is True and result["messages_deleted"] == 0 and result["cutoff"]
