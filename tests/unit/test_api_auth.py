"""Claims -> Principal: roles in every shape API Gateway renders, unit visibility, refusals."""

from __future__ import annotations

import pytest

from anninh.api.auth import parse_roles, principal_from_event
from anninh.api.errors import Unauthorized


def _event(claims):
    return {"requestContext": {"requestId": "req-1", "authorizer": {"jwt": {"claims": claims}}}}


@pytest.mark.parametrize(
    "raw",
    [
        "[officer commander]",
        '["officer", "commander"]',
        ["officer", "commander"],
        "officer,commander",
        "[officer, commander, superuser]",
    ],
)
def test_groups_in_every_rendering(raw):
    assert parse_roles(raw) == {"officer", "commander"}


def test_no_groups_means_no_roles():
    assert parse_roles(None) == frozenset()
    assert parse_roles("[]") == frozenset()


def test_ward_officer_sees_only_the_ward_and_district_commander_sees_every_unit(registry):
    ward = principal_from_event(
        _event(
            {
                "cognito:username": "HiepTan.CanBo",
                "custom:unit_id": "p-hiep-tan",
                "cognito:groups": "[officer]",
            }
        ),
        registry,
    )
    assert ward.username == "hieptan.canbo" and ward.visible_units == ("p-hiep-tan",)
    assert ward.can_see_unit("p-hiep-tan") and not ward.can_see_unit("p-hoa-thanh")
    assert ward.request_id == "req-1" and ward.display_name == "Cán bộ phường Hiệp Tân"

    district = principal_from_event(
        _event(
            {
                "cognito:username": "tanphu.chihuy",
                "custom:unit_id": "tan-phu",
                "cognito:groups": "[officer commander]",
            }
        ),
        registry,
    )
    assert set(district.visible_units) == {u.unit_id for u in registry.units}
    assert district.has_role("commander")


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"custom:unit_id": "p-hiep-tan"},
        {"cognito:username": "x"},
        {"cognito:username": "x", "custom:unit_id": "nowhere"},
        {"cognito:username": "", "custom:unit_id": "tan-phu"},
        {"cognito:username": "x", "custom:unit_id": "tan-phu", "cognito:groups": 42},
    ],
)
def test_missing_or_garbled_claims_are_refused(registry, claims):
    with pytest.raises(Unauthorized):
        principal_from_event(_event(claims), registry)


def test_event_without_authorizer_is_refused(registry):
    with pytest.raises(Unauthorized):
        principal_from_event({"requestContext": {}}, registry)


def test_a_unit_the_caller_may_not_see_is_a_404_and_the_denial_is_audited(monkeypatch):
    from anninh.api import auth
    from anninh.api.errors import NotFound
    from anninh.principal import Principal

    recorded: list[tuple[tuple, dict]] = []

    class Trail:
        def record(self, *args: object, **kwargs: object) -> None:
            recorded.append((args, kwargs))

    monkeypatch.setattr(auth.audit, "trail", Trail)
    ward = Principal("hieptan.canbo", "p-hiep-tan", frozenset({"officer"}), ("p-hiep-tan",), request_id="r1")
    auth.require_visible_unit(ward, "p-hiep-tan", "inbox.list")
    assert recorded == []
    with pytest.raises(NotFound) as refused:
        auth.require_visible_unit(ward, "p-hoa-thanh", "inbox.list")
    assert refused.value.status == 404 and refused.value.message == "Không tìm thấy đơn vị."
    ((args, kwargs),) = recorded
    assert args == ("hieptan.canbo", "inbox.list", "unit", "p-hoa-thanh")
    assert kwargs["outcome"] == "denied" and kwargs["reason"] == "unit not visible"
    assert kwargs["actor_unit"] == "p-hiep-tan" and kwargs["request_id"] == "r1"
