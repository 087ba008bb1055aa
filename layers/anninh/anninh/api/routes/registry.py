"""Registry: units and OAs (everyone reads: forwarding needs them), officers (admins manage them).

An officer is two things kept in step: the Cognito user (sign-in, `custom:unit_id`, groups = roles)
and the OFFICER item in the table (display name, unit, roles) the rest of the system reads.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, ConfigDict, Field

from anninh import audit, aws, keys
from anninh.api.auth import principal, require_role
from anninh.api.errors import Conflict, NotFound, Unprocessable
from anninh.registry import OA, Officer, Role, Unit, UnitKind
from anninh.registry_store import current_registry, forget_cached_registry, put_oa, put_officer, put_unit
from anninh.settings import get_settings

router = APIGatewayHttpRouter()

Username = Annotated[str, Path(min_length=1, max_length=64)]
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"


@router.get("/units", summary="Units (hierarchy as data); `visible` marks those the officer sees")
def list_units() -> dict[str, Any]:
    p = principal()
    items = [
        {
            "unit_id": u.unit_id,
            "name": u.name,
            "kind": u.kind,
            "parent": u.parent,
            "code": u.code,
            "hotline": u.hotline,
            "ended_on": u.ended_on,
            "successors": u.successors,
            "visible": p.can_see_unit(u.unit_id),
        }
        for u in current_registry().units
    ]
    return {"items": items, "count": len(items)}


@router.get("/oas", summary="Official Accounts, the unit of each; `visible`: the caller may send through it")
def list_oas() -> dict[str, Any]:
    p = principal()
    items = [{**o.model_dump(), "visible": p.can_see_unit(o.unit_id)} for o in current_registry().oas]
    return {"items": items, "count": len(items)}


UnitId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
OaId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9]{1,32}$")]


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind = "ward"
    parent: str | None = Field(default=None, min_length=1, max_length=64)
    code: str = Field(default="", max_length=8, pattern=r"^[A-Za-z0-9]*$")
    hotline: str = Field(default="", max_length=30)
    address: str = Field(default="", max_length=300)
    centroid: tuple[float, float] | None = None
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=20
    )


@router.put("/units/<unit_id>", summary="Create or change a unit (admins); the hierarchy is data")
def put_unit_route(unit_id: UnitId, body: Annotated[UnitIn, Body()]) -> dict[str, Any]:
    p = principal()
    require_role(p, "admin")
    registry = current_registry()
    if body.parent is not None:
        if registry.unit(body.parent) is None:
            raise Unprocessable(
                f"Không có đơn vị cấp trên '{body.parent}'.", details=[{"loc": ["body", "parent"]}]
            )
        if registry.is_within(body.parent, unit_id):
            raise Unprocessable(
                "Đơn vị cấp trên không thể là đơn vị cấp dưới của chính nó.",
                details=[{"loc": ["body", "parent"]}],
            )
    before = registry.unit(unit_id)
    unit = Unit(unit_id=unit_id, **body.model_dump())
    put_unit(unit)
    forget_cached_registry()
    audit.record(
        p.username,
        "unit.put",
        "unit",
        unit_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        before=before.model_dump(mode="json") if before else None,
        after=unit.model_dump(mode="json"),
    )
    return unit.model_dump(mode="json")


class OaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    app_id: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    unit_id: str = Field(min_length=1, max_length=64)


@router.put("/oas/<oa_id>", summary="Register an OA or move it to another unit (admins)")
def put_oa_route(oa_id: OaId, body: Annotated[OaIn, Body()]) -> dict[str, Any]:
    p = principal()
    require_role(p, "admin")
    registry = current_registry()
    _check_unit(body.unit_id)
    if registry.apps and body.app_id not in registry.apps_by_id:
        raise Unprocessable(f"Không có ứng dụng Zalo '{body.app_id}'.", details=[{"loc": ["body", "app_id"]}])
    before = registry.oa(oa_id)
    oa = OA(oa_id=oa_id, **body.model_dump())
    put_oa(oa)
    forget_cached_registry()
    audit.record(
        p.username,
        "oa.put",
        "oa",
        oa_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        before=before.model_dump() if before else None,
        after=oa.model_dump(),
    )
    return oa.model_dump()


def _officer_view(o: Officer, enabled: bool = True) -> dict[str, Any]:
    return {
        "username": o.username,
        "display_name": o.display_name,
        "unit_id": o.unit_id,
        "roles": list(o.roles),
        "enabled": enabled,
    }


def _enabled_map() -> dict[str, bool]:
    page_items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": Key("GSI1PK").eq("OFFICERS")}
    while True:
        page = aws.table().query(**kwargs)
        page_items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return {str(i.get("GSI1SK")): bool(i.get("enabled", True)) for i in page_items}


@router.get("/officers", summary="Officers of the units the caller sees (admins: all)")
def list_officers(unit_id: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    p = principal()
    enabled = _enabled_map()
    officers = [o for o in current_registry().officers if p.has_role("admin") or p.can_see_unit(o.unit_id)]
    if unit_id:
        officers = [o for o in officers if o.unit_id == unit_id]
    items = [_officer_view(o, enabled.get(o.username.lower(), True)) for o in officers]
    return {"items": items, "count": len(items)}


class OfficerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=USERNAME_PATTERN)
    unit_id: str = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(min_length=1, max_length=4)
    display_name: str = Field(default="", max_length=120)
    temporary_password: str | None = Field(default=None, min_length=12, max_length=128)


class OfficerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: str | None = Field(default=None, min_length=1, max_length=100)
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=4)
    display_name: str | None = Field(default=None, max_length=120)
    enabled: bool | None = None


def _cognito() -> tuple[Any, str]:
    return aws.client("cognito-idp"), get_settings().user_pool_id


def _check_unit(unit_id: str) -> None:
    if current_registry().unit(unit_id) is None:
        raise Unprocessable(f"Không có đơn vị '{unit_id}'.", details=[{"loc": ["body", "unit_id"]}])


@router.post(
    "/officers", summary="Create an officer account (admins)", responses={201: {"description": "Created"}}
)
def create_officer(body: Annotated[OfficerIn, Body()]) -> Response[dict[str, Any]]:
    p = principal()
    require_role(p, "admin")
    _check_unit(body.unit_id)
    username = body.username.lower()
    if any(o.username.lower() == username for o in current_registry().officers):
        raise Conflict("Tên đăng nhập đã tồn tại.", code="officer_exists")
    roles = sorted(set(body.roles))
    cognito, pool = _cognito()
    if pool:
        kwargs: dict[str, Any] = {
            "UserPoolId": pool,
            "Username": username,
            "UserAttributes": [{"Name": "custom:unit_id", "Value": body.unit_id}]
            + ([{"Name": "name", "Value": body.display_name}] if body.display_name else []),
        }
        if body.temporary_password:
            kwargs["TemporaryPassword"] = body.temporary_password
            kwargs["MessageAction"] = "SUPPRESS"
        try:
            cognito.admin_create_user(**kwargs)
        except cognito.exceptions.UsernameExistsException as exc:
            raise Conflict("Tên đăng nhập đã tồn tại.", code="officer_exists") from exc
        except cognito.exceptions.InvalidPasswordException as exc:
            raise Unprocessable(
                "Mật khẩu tạm không đạt yêu cầu (ít nhất 12 ký tự, có chữ hoa, chữ thường, số).",
                details=[{"loc": ["body", "temporary_password"]}],
            ) from exc
        for role in roles:
            cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=role)
    officer = Officer(
        username=username,
        unit_id=body.unit_id,
        roles=roles,  # type: ignore[arg-type]
        display_name=body.display_name,
    )
    put_officer(officer)
    forget_cached_registry()
    audit.record(
        p.username,
        "officer.create",
        "officer",
        username,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        after=_officer_view(officer),
    )
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=_officer_view(officer))


@router.patch("/officers/<username>", summary="Change an officer's unit, roles, name or access (admins)")
def patch_officer(username: Username, body: Annotated[OfficerPatch, Body()]) -> dict[str, Any]:
    p = principal()
    require_role(p, "admin")
    name = username.lower()
    current = next((o for o in current_registry().officers if o.username.lower() == name), None)
    if current is None:
        raise NotFound("Không tìm thấy cán bộ.")
    enabled_before = _enabled_map().get(name, True)
    before = _officer_view(current, enabled_before)
    updated = current.model_copy()
    cognito, pool = _cognito()
    if body.unit_id is not None and body.unit_id != current.unit_id:
        _check_unit(body.unit_id)
        updated.unit_id = body.unit_id
        if pool:
            cognito.admin_update_user_attributes(
                UserPoolId=pool,
                Username=name,
                UserAttributes=[{"Name": "custom:unit_id", "Value": body.unit_id}],
            )
    if body.roles is not None:
        roles = sorted(set(body.roles))
        if pool:
            for role in set(roles) - set(current.roles):
                cognito.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName=role)
            for role in set(current.roles) - set(roles):
                cognito.admin_remove_user_from_group(UserPoolId=pool, Username=name, GroupName=role)
        updated.roles = roles  # type: ignore[assignment]
    if body.display_name is not None:
        updated.display_name = body.display_name
    enabled = enabled_before if body.enabled is None else body.enabled
    if pool and body.enabled is not None and body.enabled != enabled_before:
        if body.enabled:
            cognito.admin_enable_user(UserPoolId=pool, Username=name)
        else:
            cognito.admin_disable_user(UserPoolId=pool, Username=name)
    put_officer(updated)
    aws.table().update_item(
        Key=keys.officer(name), UpdateExpression="SET enabled = :e", ExpressionAttributeValues={":e": enabled}
    )
    forget_cached_registry()
    after = _officer_view(updated, enabled)
    audit.record(
        p.username,
        "officer.update",
        "officer",
        name,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        before=before,
        after=after,
    )
    return after
