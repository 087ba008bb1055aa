"""POST /api/v1/reorganizations against the emulated stack: who may, dry run, apply, what moved."""

from __future__ import annotations

from typing import Any

from anninh.registry import Officer, Registry, Unit
from tests.integration.test_api_support import call, claims_for, open_case

MERGE: dict[str, Any] = {
    "effective_date": "2025-07-01",
    "create": [
        {
            "unit_id": "w-phu-thanh",
            "name": "Công an phường Phú Thạnh",
            "kind": "ward",
            "parent": "hcm",
            "centroid": [10.776, 106.627],
        }
    ],
    "merges": [{"from": ["p-hiep-tan", "p-phu-thanh"], "into": "w-phu-thanh"}],
}


def _with_city(registry: Registry) -> Registry:
    """The operator adds the city above the district, with its administrator."""
    from anninh.registry.store import forget_cached_registry, put_officer, put_unit

    city = Unit(unit_id="hcm", name="Công an Thành phố Hồ Chí Minh", kind="city", code="HCM")
    admin = Officer(username="hcm.quantri", unit_id="hcm", roles=["admin"])
    put_unit(city)
    district = registry.unit("tan-phu")
    assert district
    put_unit(district.model_copy(update={"parent": "hcm"}))
    put_officer(admin)
    forget_cached_registry()
    return registry.model_copy(update={"officers": [*registry.officers, admin]})


def test_reorganization_dry_run_then_apply_moves_open_cases_with_their_codes(
    aws_stack: Any, registry: Registry
) -> None:
    from anninh import audit

    registry = _with_city(registry)
    case = open_case(registry, "p-hiep-tan", text="Báo tin trộm xe ở hẻm 5")
    city_admin = claims_for(registry, "hcm.quantri")

    # Not an admin; an admin whose unit is not above the new ward's parent: refused, nothing moved.
    assert call("POST", "/api/v1/reorganizations", claims_for(registry, "hieptan.canbo"), MERGE)[0] == 403
    status, body = call("POST", "/api/v1/reorganizations", claims_for(registry, "tanphu.quantri"), MERGE)
    assert status == 403 and "w-phu-thanh" in body["error"]["details"]["units"]

    status, preview = call("POST", "/api/v1/reorganizations", city_admin, {**MERGE, "dry_run": True})
    assert status == 200 and preview["dry_run"] is True and "id" not in preview
    assert preview["counts"]["open_cases"] == 1 and preview["counts"]["oas"] == 2
    assert preview["counts"]["officers"] == 4 and preview["counts"]["units_ended"] == 2
    status, tips = call("GET", "/api/v1/tips", claims_for(registry, "hieptan.canbo"))
    assert [t["code"] for t in tips["items"]] == [case.code]  # still in Hiệp Tân after the dry run

    status, done = call("POST", "/api/v1/reorganizations", city_admin, MERGE)
    assert status == 201 and done["id"] and done["counts"] == preview["counts"]

    # The moved officer (signing in again) sees the same case, same code, in the new ward.
    moved = {**claims_for(registry, "hieptan.canbo"), "custom:unit_id": "w-phu-thanh"}
    status, tips = call("GET", "/api/v1/tips", moved)
    assert status == 200 and [(t["code"], t["unit_id"]) for t in tips["items"]] == [
        (case.code, "w-phu-thanh")
    ]

    status, record = call("GET", f"/api/v1/reorganizations/{done['id']}", city_admin)
    assert status == 200 and record["counts"] == done["counts"] and record["applied_by"] == "hcm.quantri"
    entries, _ = audit.trail().list_for_target("reorganization", done["id"])
    assert len(entries) == 1 and entries[0].details["cases"] == {case.code: "w-phu-thanh"}

    status, units = call("GET", "/api/v1/units", city_admin)
    hiep_tan = next(u for u in units["items"] if u["unit_id"] == "p-hiep-tan")
    assert hiep_tan["ended_on"] == "2025-07-01" and hiep_tan["successors"] == ["w-phu-thanh"]

    # Editing an ended unit (say its closed days) keeps what the reorganisation recorded.
    edit = {
        "name": "Công an phường Hiệp Tân",
        "kind": "ward",
        "parent": "tan-phu",
        "closed_days": ["2025-06-30"],
    }
    status, edited = call("PUT", "/api/v1/units/p-hiep-tan", city_admin, edit)
    assert status == 200, edited
    assert edited["ended_on"] == "2025-07-01" and edited["closed_days"] == ["2025-06-30"]

    # No case can be forwarded to a unit that ended.
    status, refused = call("PATCH", f"/api/v1/tips/{case.case_id}", moved, {"unit_id": "p-phu-thanh"})
    assert status == 422 and "đã được sắp xếp lại" in refused["error"]["message"]

    # The same merge again: the wards have ended.
    assert call("POST", "/api/v1/reorganizations", city_admin, MERGE)[0] == 422


def test_bad_or_premature_requests_are_refused_with_a_reason(aws_stack: Any, registry: Registry) -> None:
    registry = _with_city(registry)
    admin = claims_for(registry, "hcm.quantri")
    for body in (
        {"effective_date": "2025-07-01"},
        {"effective_date": "01/07/2025", "renames": [{"unit_id": "p-hiep-tan", "name": "Mới"}]},
        {"effective_date": "2025-07-01", "merges": [{"from": ["p-hiep-tan"], "into": "khong-co"}]},
        {"effective_date": "2999-01-01", "renames": [{"unit_id": "p-hiep-tan", "name": "Tên mới"}]},
    ):
        status, answer = call("POST", "/api/v1/reorganizations", admin, body)
        assert status == 422 and answer["error"]["message"], body
