"""Reorganisation of units (merges, splits, renames, re-parenting) as one audited operation.

`POST /reorganizations` with `dry_run: true` answers 200 with the counts of what would move and moves
nothing; without it the plan is applied and the answer is 201 with the record's `id` and the same
counts. Only an admin of a unit above every unit involved may do either (a unit being created must sit
under the admin's unit). `GET /reorganizations/{id}` returns the stored record.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from anninh.api.auth import Principal, audit_denial, principal, require_role
from anninh.api.errors import Forbidden, NotFound, Unprocessable
from anninh.clock import utcnow, vn_day
from anninh.registry import Registry
from anninh.registry.store import current_registry, forget_cached_registry
from anninh.reorg import service
from anninh.reorg.plan import Plan, PlanError, ReorgRequest
from anninh.reorg.store import default_store

router = APIGatewayHttpRouter()

ReorgId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-f0-9]{1,32}$")]


def _outside(p: Principal, registry: Registry, request: ReorgRequest, plan: Plan) -> list[str]:
    """Units involved that the caller's unit is not above (strictly), and new units not under it."""
    created = set(plan.created)
    changed = set(plan.ended) | set(plan.renamed) | set(plan.reparented)
    # The admin's own unit may take work over (a merge into it) but not be ended, renamed or moved.
    bad = [
        u
        for u in sorted(plan.involved - created)
        if not registry.is_within(u, p.unit_id) or (u == p.unit_id and u in changed)
    ]
    for new in request.create:
        if new.parent is None or not (new.parent in created or registry.is_within(new.parent, p.unit_id)):
            bad.append(new.unit_id)
    for move in request.reparent:
        if (
            move.parent is not None
            and move.parent not in created
            and not registry.is_within(move.parent, p.unit_id)
        ):
            bad.append(move.parent)
    return bad


@router.post(
    "/reorganizations",
    summary="Merge, split, rename or re-parent units (admins of a unit above all of them); dry run first",
    responses={200: {"description": "Dry run: what would move"}, 201: {"description": "Applied"}},
)
def post_reorganization(body: Annotated[ReorgRequest, Body()]) -> Response[dict[str, Any]]:
    p = principal()
    require_role(p, "admin")
    registry = current_registry()
    store = default_store()
    try:
        plan = service.plan_for(registry, store, body)
    except PlanError as exc:
        raise Unprocessable(str(exc), details=[{"loc": exc.loc}]) from exc
    outside = _outside(p, registry, body, plan)
    if outside:
        audit_denial(
            p,
            "reorganization.apply" if not body.dry_run else "reorganization.preview",
            "reorganization",
            "-",
            reason="units outside the caller's reach",
            details={"units": outside},
        )
        raise Forbidden(
            "Chỉ quản trị viên của đơn vị cấp trên mọi đơn vị liên quan mới được sắp xếp lại.",
            details={"units": outside},
        )
    if not body.dry_run and body.effective_date > vn_day(utcnow()):
        raise Unprocessable(
            f"Chưa đến ngày hiệu lực: hãy chạy thử (dry_run) và áp dụng vào ngày {body.effective_date}.",
            details=[{"loc": ["body", "effective_date"]}],
        )
    if body.dry_run:
        preview = {
            "dry_run": True,
            "effective_date": plan.effective_date,
            "counts": plan.counts(),
            "details": plan.details(),
        }
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=preview)
    record = service.apply(
        registry,
        store,
        body,
        plan,
        actor=p.username,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        now=utcnow(),
    )
    forget_cached_registry()
    answer = {
        "id": record["id"],
        "dry_run": False,
        "effective_date": record["effective_date"],
        "counts": record["counts"],
        "details": record["details"],
    }
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=answer)


@router.get("/reorganizations/<reorg_id>", summary="An applied reorganisation (admins)")
def get_reorganization(reorg_id: ReorgId) -> dict[str, Any]:
    p = principal()
    require_role(p, "admin")
    record = default_store().get_record(reorg_id)
    if record is None:
        raise NotFound("Không tìm thấy đợt sắp xếp.")
    keep = ("id", "effective_date", "applied_at", "applied_by", "note", "counts", "request", "details")
    return {k: record.get(k) for k in keep}
