"""Officer API: each unit sees its own work; the district commander sees all; attempts are audited."""

from __future__ import annotations

import json

from tests.integration.test_api_support import call, claims_for, open_case

WARD = "hieptan.canbo"  # p-hiep-tan
OTHER_WARD = "hoathanh.canbo"  # p-hoa-thanh
COMMANDER = "tanphu.chihuy"  # district commander


def _audit_for(username: str) -> list[dict]:
    from anninh import audit

    records, _ = audit.trail().list_for_officer(username, limit=100)
    return [r.model_dump() for r in records]


def test_ward_officer_sees_only_own_ward_and_district_commander_sees_all(aws_stack, registry):
    mine = open_case(registry, "p-hiep-tan", text="Báo tin trộm xe máy ở hẻm 12")
    theirs = open_case(registry, "p-hoa-thanh", text="Báo tin tụ tập gây rối")

    status, page = call("GET", "/api/v1/tips", claims_for(registry, WARD))
    assert status == 200
    assert [i["case_id"] for i in page["items"]] == [mine.case_id]
    assert page["count"] == 1

    status, page = call("GET", "/api/v1/tips", claims_for(registry, COMMANDER))
    assert status == 200
    assert {i["case_id"] for i in page["items"]} == {mine.case_id, theirs.case_id}

    status, body = call("GET", f"/api/v1/tips/{theirs.case_id}", claims_for(registry, COMMANDER))
    assert status == 200 and body["code"] == theirs.code


def test_other_wards_case_is_indistinguishable_from_a_missing_one_and_attempts_are_audited(
    aws_stack, registry
):
    theirs = open_case(registry, "p-hoa-thanh")
    ward = claims_for(registry, WARD)

    read_status, read_body = call("GET", f"/api/v1/tips/{theirs.case_id}", ward)
    missing_status, missing_body = call("GET", "/api/v1/tips/does-not-exist", ward)
    assert read_status == missing_status == 404
    assert read_body == missing_body
    assert set(read_body["error"]) == {"code", "message", "details"}

    patch_status, _ = call("PATCH", f"/api/v1/tips/{theirs.case_id}", ward, {"status": "spam"})
    reply_status, _ = call("POST", f"/api/v1/tips/{theirs.case_id}/replies", ward, {"text": "Chào anh"})
    note_status, _ = call("POST", f"/api/v1/tips/{theirs.case_id}/notes", ward, {"text": "xem"})
    list_status, _ = call("GET", "/api/v1/tips", ward, query={"unit_id": "p-hoa-thanh"})
    assert patch_status == reply_status == note_status == list_status == 404

    # Nothing changed on the case.
    status, body = call("GET", f"/api/v1/tips/{theirs.case_id}", claims_for(registry, COMMANDER))
    assert body["status"] == "new"

    denied = [r for r in _audit_for(WARD) if r["outcome"] == "denied"]
    actions = {(r["action"], r["target_id"]) for r in denied}
    assert ("case.read", theirs.case_id) in actions
    assert ("case.update", theirs.case_id) in actions
    assert ("case.reply", theirs.case_id) in actions
    assert ("case.list", "p-hoa-thanh") in actions
    # The commander's read was allowed and recorded too.
    assert any(r["action"] == "case.read" and r["outcome"] == "allowed" for r in _audit_for(COMMANDER))

    # The case's own trail shows the refused attempts (commanders can list it).
    status, trail = call("GET", f"/api/v1/tips/{theirs.case_id}/audit", claims_for(registry, COMMANDER))
    assert status == 200
    assert any(r["actor"] == WARD and r["outcome"] == "denied" for r in trail["items"])


def test_officer_views_never_carry_the_zalo_id(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan", user_id="zalo-secret-user-123")
    ward = claims_for(registry, WARD)
    _, page = call("GET", "/api/v1/tips", ward)
    _, detail = call("GET", f"/api/v1/tips/{case.case_id}", ward)
    assert "zalo-secret-user-123" not in json.dumps(page)
    assert "zalo-secret-user-123" not in json.dumps(detail)
    assert detail["pseudonym"].startswith("Công dân ")
    # Stable per citizen per unit: the same citizen's second tip shows the same pseudonym here...
    second = open_case(registry, "p-hiep-tan", user_id="zalo-secret-user-123")
    _, again = call("GET", f"/api/v1/tips/{second.case_id}", ward)
    assert again["pseudonym"] == detail["pseudonym"]
    # ...and another unit (the district) sees a different one.
    _, district = call("GET", f"/api/v1/tips/{case.case_id}", claims_for(registry, COMMANDER))
    assert district["pseudonym"] != detail["pseudonym"]


def test_missing_or_garbled_claims_are_401_with_the_error_body(aws_stack, registry):
    status, body = call("GET", "/api/v1/tips", None)
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = call("GET", "/api/v1/me", {"cognito:username": "x", "custom:unit_id": "no-such-unit"})
    assert status == 401
    status, body = call("GET", "/api/v1/me", {"custom:unit_id": "p-hiep-tan"})
    assert status == 401


def test_groups_claim_in_every_shape_api_gateway_may_render(aws_stack, registry):
    base = {"cognito:username": "tanphu.chihuy", "custom:unit_id": "tan-phu"}
    for groups in ("[officer commander]", '["officer","commander"]', ["officer", "commander"], "commander"):
        status, me = call("GET", "/api/v1/me", {**base, "cognito:groups": groups})
        assert status == 200, groups
        assert "commander" in me["roles"] and me["can_reveal"] is True
        assert len(me["visible_units"]) == len(registry.units)


def test_me_for_a_ward_officer(aws_stack, registry):
    status, me = call("GET", "/api/v1/me", claims_for(registry, WARD))
    assert status == 200
    assert me["unit_id"] == "p-hiep-tan" and me["visible_units"] == ["p-hiep-tan"]
    assert me["unit_name"] == "Công an phường Hiệp Tân" and me["roles"] == ["officer"]


def test_validation_errors_share_the_error_body(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan")
    ward = claims_for(registry, WARD)
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"status": "closed"})
    assert status == 422 and body["error"]["code"] == "validation_error" and body["error"]["details"]
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, "{not json")
    assert status == 422 and body["error"]["code"] == "validation_error"
    status, body = call("GET", "/api/v1/tips", ward, query={"limit": "0"})
    assert status == 422
    status, body = call("GET", "/api/v1/tips", ward, query={"cursor": "!!garbage!!"})
    assert status == 400 and body["error"]["code"] == "invalid_cursor"
    status, body = call("GET", "/api/v1/no-such-route", ward)
    assert status == 404 and body["error"]["code"] == "not_found"


def test_editors_and_admins_do_not_read_tips(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan")
    for username in ("tanphu.bientap", "tanphu.quantri"):
        assert call("GET", "/api/v1/tips", claims_for(registry, username))[0] == 403
        assert call("GET", f"/api/v1/tips/{case.case_id}", claims_for(registry, username))[0] == 403
