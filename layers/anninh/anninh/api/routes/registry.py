"""Registry: units and OAs (everyone reads: forwarding needs them), officers (admins manage them).

An officer is two things kept in step: the Cognito user (sign-in, `custom:unit_id`, groups = roles)
and the OFFICER item in the table (display name, unit, roles, enabled), which is what the API trusts.

Tenant boundary: an admin acts only inside its own subtree (its unit and the units under it). It
cannot create a top-level unit (an operator step, `make register`), move a unit, OA or officer out of
or into another tree, grant `commander` or `admin` at its own level unless it holds that role itself,
or change its own roles, unit or access. Granting `commander` or `admin` is recorded as a `role.grant`
audit record on the unit, which the unit's commanders read at `GET /units/{unit_id}/grants`. Disabling,
moving or changing the roles of an officer signs the user out globally; the API reads the officer
record on the next request (see `anninh.api.auth`).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from anninh import audit
from anninh.api.auth import Principal, audit_denial, principal, require_role
from anninh.api.errors import Conflict, Forbidden, NotFound, Unprocessable
from anninh.clock import iso, utcnow
from anninh.registry import OA, Officer, Role, Unit, UnitKind
from anninh.registry.directory import UsernameTaken, WeakPassword
from anninh.registry.service import default_service
from anninh.registry.store import current_registry

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
    # The unit's own closed days beyond public holidays (no queue numbers on them).
    closed_days: list[Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]] = Field(
        default_factory=list, max_length=400
    )


# Kept by a reorganisation (anninh.reorg), never replaced by a unit edit.
REORG_FIELDS = ("ended_on", "successors", "final_followers", "sources")


HIGH_ROLES = frozenset({"commander", "admin"})


def _refuse(p: Principal, action: str, kind: str, target: str, *, reason: str, message: str) -> Forbidden:
    audit_denial(p, action, kind, target, reason=reason)
    return Forbidden(message, details={"reason": reason})


def _inside(p: Principal, unit_id: str | None, action: str, kind: str, target: str) -> None:
    """The unit lies in the admin's own subtree, or the attempt is refused (and audited)."""
    if unit_id is None or not p.can_see_unit(unit_id):
        raise _refuse(
            p,
            action,
            kind,
            target,
            reason="outside the admin's own units",
            message="Chỉ quản trị được đơn vị của mình và các đơn vị cấp dưới.",
        )


def _check_grant(p: Principal, unit_id: str, roles: set[str], action: str, target: str) -> None:
    """At its own level an admin grants only roles it holds itself; below, any role."""
    above = (roles & HIGH_ROLES) - set(p.roles) if unit_id == p.unit_id else set()
    if above:
        raise _refuse(
            p,
            action,
            "officer",
            target,
            reason=f"cannot grant {', '.join(sorted(above))} at its own level",
            message="Không thể cấp quyền cao hơn quyền của chính mình ở cấp đơn vị của mình.",
        )


def _record_grants(p: Principal, username: str, unit_id: str, granted: set[str]) -> None:
    for role in sorted(granted & HIGH_ROLES):
        audit.trail().record(
            p.username,
            "role.grant",
            "unit",
            unit_id,
            actor_unit=p.unit_id,
            request_id=p.request_id,
            after={"officer": username, "role": role},
        )


@router.put(
    "/units/<unit_id>", summary="Create or change a unit (admins, own subtree); the hierarchy is data"
)
def put_unit_route(unit_id: UnitId, body: Annotated[UnitIn, Body()]) -> dict[str, Any]:
    p = principal()
    require_role(p, "admin")
    registry = current_registry()
    existing = registry.unit(unit_id)
    if existing is not None:
        _inside(p, unit_id, "unit.put", "unit", unit_id)
    if existing is not None and unit_id == p.unit_id:
        if body.parent != existing.parent:
            raise _refuse(
                p,
                "unit.put",
                "unit",
                unit_id,
                reason="cannot move its own unit",
                message="Không thể chuyển đơn vị của chính mình sang đơn vị cấp trên khác.",
            )
    elif body.parent is None:
        raise _refuse(
            p,
            "unit.put",
            "unit",
            unit_id,
            reason="top-level units are an operator step",
            message="Không thể tạo đơn vị cấp cao nhất; việc này do bộ phận vận hành thực hiện.",
        )
    else:
        _inside(p, body.parent, "unit.put", "unit", unit_id)
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
    before = existing
    kept = {name: getattr(before, name) for name in REORG_FIELDS} if before else {}
    unit = Unit(unit_id=unit_id, **body.model_dump(), **kept)
    default_service().save_unit(unit)
    audit.trail().record(
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
    existing_oa = registry.oa(oa_id)
    if existing_oa is not None:
        _inside(p, existing_oa.unit_id, "oa.put", "oa", oa_id)
    _inside(p, body.unit_id, "oa.put", "oa", oa_id)
    if registry.apps and body.app_id not in registry.apps_by_id:
        raise Unprocessable(f"Không có ứng dụng Zalo '{body.app_id}'.", details=[{"loc": ["body", "app_id"]}])
    before = registry.oa(oa_id)
    oa = OA(oa_id=oa_id, **body.model_dump())
    default_service().save_oa(oa)
    audit.trail().record(
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
    return default_service().officers_enabled()


@router.get("/officers", summary="Officers of the units the caller sees (its own unit and those below)")
def list_officers(unit_id: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    p = principal()
    enabled = _enabled_map()
    officers = [o for o in current_registry().officers if p.can_see_unit(o.unit_id)]
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
    _inside(p, body.unit_id, "officer.create", "officer", username)
    _check_grant(p, body.unit_id, set(body.roles), "officer.create", username)
    if any(o.username.lower() == username for o in current_registry().officers):
        raise Conflict("Tên đăng nhập đã tồn tại.", code="officer_exists")
    roles = sorted(set(body.roles))
    now = iso(utcnow())
    officer = Officer(
        username=username,
        unit_id=body.unit_id,
        roles=roles,  # type: ignore[arg-type]
        display_name=body.display_name,
        roles_since={str(r): now for r in roles},
    )
    try:
        default_service().create_officer(officer, body.temporary_password)
    except UsernameTaken as exc:
        raise Conflict("Tên đăng nhập đã tồn tại.", code="officer_exists") from exc
    except WeakPassword as exc:
        raise Unprocessable(
            "Mật khẩu tạm không đạt yêu cầu (ít nhất 12 ký tự, có chữ hoa, chữ thường, số).",
            details=[{"loc": ["body", "temporary_password"]}],
        ) from exc
    _record_grants(p, username, body.unit_id, set(roles))
    audit.trail().record(
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
    _inside(p, current.unit_id, "officer.update", "officer", name)
    enabled_before = _enabled_map().get(name, True)
    if name == p.username and (
        (body.roles is not None and set(body.roles) != set(current.roles))
        or (body.unit_id is not None and body.unit_id != current.unit_id)
        or (body.enabled is not None and body.enabled != enabled_before)
    ):
        raise _refuse(
            p,
            "officer.update",
            "officer",
            name,
            reason="nobody changes their own roles, unit or access",
            message="Không ai được tự thay đổi quyền, đơn vị hoặc trạng thái tài khoản của chính mình.",
        )
    before = _officer_view(current, enabled_before)
    updated = current.model_copy(deep=True)
    now = iso(utcnow())
    target_unit = body.unit_id if body.unit_id is not None else current.unit_id
    final_roles: set[str] = set(body.roles) if body.roles is not None else set(current.roles)
    moved = target_unit != current.unit_id
    _check_grant(
        p, target_unit, final_roles if moved else final_roles - set(current.roles), "officer.update", name
    )
    if body.unit_id is not None and body.unit_id != current.unit_id:
        _check_unit(body.unit_id)
        _inside(p, body.unit_id, "officer.update", "officer", name)
        updated.unit_id = body.unit_id
        updated.roles_since = {str(r): now for r in updated.roles}  # roles at the new unit start now
    granted: set[str] = set()
    if body.roles is not None:
        roles = sorted(set(body.roles))
        granted = {str(r) for r in roles} - set(current.roles)
        since: dict[str, str] = {r: t for r, t in updated.roles_since.items() if r in roles}
        since.update(dict.fromkeys(granted, now))
        updated.roles = roles  # type: ignore[assignment]
        updated.roles_since = since
    if body.display_name is not None:
        updated.display_name = body.display_name
    enabled = enabled_before if body.enabled is None else body.enabled
    default_service().update_officer(current, updated, enabled_before, enabled)
    after = _officer_view(updated, enabled)
    audit.trail().record(
        p.username,
        "officer.update",
        "officer",
        name,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        before=before,
        after=after,
    )
    _record_grants(p, name, updated.unit_id, set(updated.roles) if moved else granted)
    return after


@router.get(
    "/units/<unit_id>/grants",
    summary="Who was granted commander or admin in a unit, newest first (its commanders and admins)",
)
def list_grants(unit_id: UnitId, limit: Annotated[int, Query(ge=1, le=200)] = 100) -> dict[str, Any]:
    p = principal()
    require_role(p, "commander", "admin")
    if not p.can_see_unit(unit_id):
        raise NotFound("Không tìm thấy đơn vị.")
    records, _ = audit.trail().list_for_target("unit", unit_id, limit=limit)
    items = [
        {
            "at": r.at,
            "by": r.actor,
            "officer": (r.after or {}).get("officer"),
            "role": (r.after or {}).get("role"),
        }
        for r in records
        if r.action == "role.grant"
    ]
    return {"unit_id": unit_id, "items": items, "count": len(items)}
