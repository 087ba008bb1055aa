"""Trust boundaries (issue 11, items 1-5): nobody gains a right they were not given.

Each test plays the attack that succeeded against the old main: a forged unit claim, an admin acting
outside its tree or on itself, a fresh commander unsealing, a disabled officer's old token, an editor
exporting tips, one unit overwriting another's CCCD record.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from tests.integration.test_api_support import call, claims_for, open_case

ADMIN = "tanphu.quantri"  # district admin (admin only)
WARD = "hieptan.canbo"  # p-hiep-tan officer
PASSWORD = "Tam-Thoi-2026-Abc"


def _make_officer(registry: Any, username: str = "hieptan.moi") -> dict[str, Any]:
    body = {
        "username": username,
        "unit_id": "p-hiep-tan",
        "roles": ["officer"],
        "temporary_password": PASSWORD,
    }
    assert call("POST", "/api/v1/officers", claims_for(registry, ADMIN), body)[0] == 201
    return {"cognito:username": username, "custom:unit_id": "p-hiep-tan", "cognito:groups": "[officer]"}


def _make_ward_admin(registry: Any) -> dict[str, Any]:
    """A ward admin created by the district admin (an admin below the district is allowed)."""
    body = {"username": "hieptan.quantri", "unit_id": "p-hiep-tan", "roles": ["admin"], "display_name": "QT"}
    status, _ = call("POST", "/api/v1/officers", claims_for(registry, ADMIN), body)
    assert status == 201
    return {"cognito:username": "hieptan.quantri", "token_use": "id"}


def test_unit_and_role_claims_are_ignored_the_officer_record_decides(aws_stack, registry):
    mine = open_case(registry, "p-hiep-tan")
    theirs = open_case(registry, "p-hoa-thanh")
    forged = {
        **claims_for(registry, WARD),
        "custom:unit_id": "tan-phu",  # rewritten with UpdateUserAttributes
        "cognito:groups": "[officer commander admin]",
    }
    status, me = call("GET", "/api/v1/me", forged)
    assert status == 200
    assert (
        me["unit_id"] == "p-hiep-tan" and me["roles"] == ["officer"] and me["visible_units"] == ["p-hiep-tan"]
    )
    _, page = call("GET", "/api/v1/tips", forged)
    assert [i["case_id"] for i in page["items"]] == [mine.case_id]
    assert call("GET", f"/api/v1/tips/{theirs.case_id}", forged)[0] == 404
    assert (
        call(
            "POST",
            "/api/v1/officers",
            forged,
            {"username": "x.y.z", "unit_id": "p-hiep-tan", "roles": ["officer"]},
        )[0]
        == 403
    )
    # A username that is no officer of ours gets nothing, whatever its claims say.
    stranger = {"cognito:username": "nobody", "custom:unit_id": "tan-phu", "cognito:groups": "[admin]"}
    assert call("GET", "/api/v1/me", stranger)[0] == 401


def test_an_admin_acts_only_inside_its_own_subtree(aws_stack, registry):
    admin = claims_for(registry, ADMIN)
    # No top-level units through the API (operator step), even for the district admin.
    top = {"name": "Công an quận Mới", "kind": "district"}
    status, body = call("PUT", "/api/v1/units/q-moi", admin, top)
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert call("GET", "/api/v1/units", admin)[1]["count"] == len(registry.units)

    ward_admin = _make_ward_admin(registry)
    # Outside its ward: no unit, no OA move, no officer change, no audit trail, no officer creation.
    ward = {"name": "Phường X", "kind": "ward", "parent": "tan-phu"}
    assert call("PUT", "/api/v1/units/p-x", ward_admin, ward)[0] == 403
    hoa_thanh_oa = next(o for o in registry.oas if o.unit_id == "p-hoa-thanh")
    move = {"app_id": hoa_thanh_oa.app_id, "name": hoa_thanh_oa.name, "unit_id": "p-hiep-tan"}
    assert call("PUT", f"/api/v1/oas/{hoa_thanh_oa.oa_id}", ward_admin, move)[0] == 403
    assert call("PATCH", "/api/v1/officers/hoathanh.chihuy", ward_admin, {"enabled": False})[0] == 403
    assert call("GET", "/api/v1/audit", ward_admin, query={"officer": "hoathanh.canbo"})[0] == 403
    other = {"username": "hoathanh.moi", "unit_id": "p-hoa-thanh", "roles": ["officer"]}
    assert call("POST", "/api/v1/officers", ward_admin, other)[0] == 403
    # Nothing above its own roles at its own level: no ward commander made by a ward admin.
    boss = {"username": "hieptan.sep", "unit_id": "p-hiep-tan", "roles": ["officer", "commander"]}
    status, body = call("POST", "/api/v1/officers", ward_admin, boss)
    assert status == 403
    # Inside its ward it works.
    own = {"username": "hieptan.moi", "unit_id": "p-hiep-tan", "roles": ["officer"]}
    assert call("POST", "/api/v1/officers", ward_admin, own)[0] == 201
    _, officers = call("GET", "/api/v1/officers", ward_admin)
    assert {o["unit_id"] for o in officers["items"]} == {"p-hiep-tan"}
    # The other tree is untouched.
    _, chief = call("GET", "/api/v1/officers", claims_for(registry, "hoathanh.chihuy"))
    assert next(o for o in chief["items"] if o["username"] == "hoathanh.chihuy")["enabled"] is True


def test_nobody_changes_their_own_roles_and_grants_are_shown_to_the_units_commanders(aws_stack, registry):
    admin = claims_for(registry, ADMIN)
    status, _body = call("PATCH", f"/api/v1/officers/{ADMIN}", admin, {"roles": ["admin", "commander"]})
    assert status == 403
    _, me = call("GET", "/api/v1/me", admin)
    assert me["roles"] == ["admin"] and me["can_reveal"] is False
    assert call("PATCH", f"/api/v1/officers/{ADMIN}", admin, {"display_name": "Quản trị quận"})[0] == 200

    _make_officer(registry)
    assert call("PATCH", "/api/v1/officers/hieptan.moi", admin, {"roles": ["officer", "commander"]})[0] == 200
    status, grants = call("GET", "/api/v1/units/p-hiep-tan/grants", claims_for(registry, "hieptan.chihuy"))
    assert (
        status == 200
        and grants["items"][0]["officer"] == "hieptan.moi"
        and grants["items"][0]["role"] == "commander"
    )
    assert (
        call(
            "GET",
            "/api/v1/units/p-hiep-tan/grants",
            claims_for(registry, WARD.replace("hieptan", "hoathanh")),
        )[0]
        == 403
    )


def test_a_fresh_commander_cannot_unseal_a_case_that_did_not_change_since(aws_stack, registry):
    earlier = open_case(registry, "p-hiep-tan", user_id="zalo-tipster-1")
    reason = {"reason": "Cần xác minh người báo tin để lấy lời khai"}
    # The ward's long-standing commander may.
    assert (
        call(
            "POST", f"/api/v1/tips/{earlier.case_id}/reveal", claims_for(registry, "hieptan.chihuy"), reason
        )[0]
        == 200
    )

    admin = claims_for(registry, ADMIN)
    fresh = _make_officer(registry)
    assert call("PATCH", "/api/v1/officers/hieptan.moi", admin, {"roles": ["officer", "commander"]})[0] == 200
    status, body = call("POST", f"/api/v1/tips/{earlier.case_id}/reveal", fresh, reason)
    assert status == 403 and "zalo-tipster-1" not in str(body)
    # A case that changes after the grant may be unsealed by the new commander.
    later = open_case(
        registry, "p-hiep-tan", user_id="zalo-tipster-2", created_at=datetime.now(UTC) + timedelta(seconds=2)
    )
    status, body = call("POST", f"/api/v1/tips/{later.case_id}/reveal", fresh, reason)
    assert status == 200 and body["user_id"] == "zalo-tipster-2"


def _refresh_token(username: str, password: str) -> tuple[Any, str, str]:
    from anninh.settings import get_settings

    cognito = boto3.client("cognito-idp", region_name="ap-southeast-1")
    pool = get_settings().user_pool_id
    client_id = cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=10)["UserPoolClients"][0][
        "ClientId"
    ]
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    auth = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return cognito, client_id, auth["AuthenticationResult"]["RefreshToken"]


def test_disabling_or_moving_takes_effect_on_the_next_request_and_signs_out(aws_stack, registry):
    admin = claims_for(registry, ADMIN)
    made = {
        "username": "hieptan.tam",
        "unit_id": "p-hiep-tan",
        "roles": ["officer"],
        "temporary_password": PASSWORD,
    }
    assert call("POST", "/api/v1/officers", admin, made)[0] == 201
    token = {"cognito:username": "hieptan.tam", "custom:unit_id": "p-hiep-tan", "cognito:groups": "[officer]"}
    case = open_case(registry, "p-hiep-tan")
    assert call("GET", f"/api/v1/tips/{case.case_id}", token)[0] == 200
    cognito, client_id, refresh = _refresh_token("hieptan.tam", "Permanent-2026-Xyz")

    # Moved: the same (old) token now sees the new unit only, and the refresh token is revoked.
    assert call("PATCH", "/api/v1/officers/hieptan.tam", admin, {"unit_id": "p-hoa-thanh"})[0] == 200
    assert call("GET", f"/api/v1/tips/{case.case_id}", token)[0] == 404
    assert call("GET", "/api/v1/me", token)[1]["unit_id"] == "p-hoa-thanh"
    try:
        cognito.initiate_auth(
            ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh}
        )
        refreshed = True
    except cognito.exceptions.NotAuthorizedException:
        refreshed = False
    assert not refreshed

    # Disabled: the very next request is refused.
    assert call("PATCH", "/api/v1/officers/hieptan.tam", admin, {"enabled": False})[0] == 200
    status, body = call("GET", "/api/v1/me", token)
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_disabled_or_moved_officer_is_refused_on_the_next_request_in_another_container(aws_stack, registry):
    from anninh import keys
    from anninh.aws import table

    case = open_case(registry, "p-hiep-tan")
    token = claims_for(registry, WARD)
    assert call("GET", "/api/v1/me", token)[0] == 200  # this container has now served the officer
    assert call("GET", f"/api/v1/tips/{case.case_id}", token)[0] == 200
    item = table().get_item(Key=keys.officer(WARD))["Item"]

    # Another container moved the officer (its own write, none of this container's code ran): the
    # very next request here sees the new unit only, with no waiting.
    data = {**item["data"], "unit_id": "p-hoa-thanh"}
    table().update_item(
        Key=keys.officer(WARD),
        UpdateExpression="SET #d = :d",
        ExpressionAttributeNames={"#d": "data"},
        ExpressionAttributeValues={":d": data},
    )
    assert call("GET", f"/api/v1/tips/{case.case_id}", token)[0] == 404
    assert call("GET", "/api/v1/me", token)[1]["unit_id"] == "p-hoa-thanh"

    # Another container disabled the officer: the very next request here is refused.
    table().update_item(
        Key=keys.officer(WARD), UpdateExpression="SET enabled = :f", ExpressionAttributeValues={":f": False}
    )
    status, body = call("GET", "/api/v1/me", token)
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_tips_export_needs_the_roles_that_list_tips(aws_stack, registry):
    open_case(registry, "p-hiep-tan")
    for username in ("tanphu.bientap", ADMIN):
        status, _body = call("GET", "/api/v1/tips/export.csv", claims_for(registry, username))
        assert status == 403, username
    status, _ = call("GET", "/api/v1/tips/export.csv", claims_for(registry, "tanphu.chihuy"))
    assert status == 200


def test_a_cccd_import_never_overwrites_another_units_record(aws_stack, registry):
    from anninh import aws, cccd, keys

    header = "receipt_no,full_name,dob,status,ready_at,pickup_place\n"
    mine = header + "HT-0001,Nguyễn Văn An,05/09/1990,ready,,Công an phường Hiệp Tân\n"
    report = cccd.service().import_csv(io.StringIO(mine), imported_by=WARD, unit_id="p-hiep-tan")
    assert report.imported == 1

    theirs = header + (
        "HT-0001,Kẻ Giả Mạo,05/09/1990,processing,,Chỗ khác\n"
        "HT-0002,Trần Thị Bình,01/01/1991,processing,,Công an phường Hòa Thạnh\n"
    )
    status, body = call(
        "POST",
        "/api/v1/cccd/imports",
        claims_for(registry, "hoathanh.canbo"),
        theirs,
        headers={"content-type": "text/csv"},
    )
    assert status == 200
    assert (body["imported"], body["rejected"]) == (1, 1)
    assert body["errors"][0]["line"] == 2 and "đơn vị khác" in body["errors"][0]["error"]
    kept = aws.table().get_item(Key=keys.cccd_record("HT-0001"))["Item"]
    assert kept["unit_id"] == "p-hiep-tan" and kept["pickup_place"] == "Công an phường Hiệp Tân"
    # The owning unit still updates its own record.
    again = header + "HT-0001,Nguyễn Văn An,05/09/1990,delivered,,Công an phường Hiệp Tân\n"
    assert cccd.service().import_csv(io.StringIO(again), imported_by=WARD, unit_id="p-hiep-tan").imported == 1
