"""The officer's inbox: views with server-side counts and order, unread marks, navigation badges,
bulk status changes, presence ("someone else is working on this") and blocking a prankster.

GET  /api/v1/inbox?view=mine|unassigned|unit|urgent|overdue   one view, ordered, with every view's count
GET  /api/v1/inbox/counts                                     counts and the navigation badges
POST /api/v1/inbox/bulk                                       one status for many cases (each checked)
POST /api/v1/tips/{id}/presence                               I am on this case: marks it read, says who else
POST /api/v1/tips/{id}/block  DELETE /api/v1/tips/{id}/block  block / unblock the tipster (audited)
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from anninh import audit, conversations, sending
from anninh.api.auth import Principal, require_visible_unit
from anninh.api.errors import Unprocessable
from anninh.api.routes.tips import _decrypt, case_row, case_worker, service
from anninh.cases import inbox, workflow
from anninh.cases.errors import CaseNotFound, StaleCase
from anninh.cases.model import STATUS_LABELS_VI
from anninh.cases.officers import CaseService
from anninh.clock import utcnow
from anninh.observability import logger

router = APIGatewayHttpRouter()

TipId = Annotated[str, Path(min_length=1, max_length=64)]
MAX_BULK = 50


def _entries(cases: CaseService, unit_id: str | None) -> tuple[Principal, list[inbox.Entry]]:
    p = case_worker()
    if unit_id:
        require_visible_unit(p, unit_id, "inbox.list")
    units = [unit_id] if unit_id else list(p.visible_units)
    return p, cases.open_entries(p, units, utcnow())


def _badges(p: Principal, entries: list[inbox.Entry]) -> dict[str, int]:
    """What the navigation shows: hand-offs waiting for an officer, undelivered messages, overdue cases."""
    handoffs = 0
    undelivered = 0
    talks = conversations.service()
    for unit in p.visible_units:
        try:
            handoffs += talks.handoffs_waiting(unit)
            undelivered += len(sending.list_undelivered(unit, limit=100))
        except Exception:  # a badge must never break the inbox
            logger.exception("badge not counted", extra={"unit_id": unit})
    return {
        "handoffs": handoffs,
        "undelivered": undelivered,
        "overdue": sum(1 for e in entries if e.overdue),
    }


@router.get(
    "/inbox", summary="One inbox view of the open cases, ordered server-side, with every view's count"
)
def get_inbox(
    view: Annotated[inbox.View, Query()] = "unit",
    unit_id: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=100000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    p, entries = _entries(service(), unit_id)
    rows = inbox.ordered([e for e in entries if inbox.in_view(e, view, p.username)], view)
    page = rows[offset : offset + limit]
    items = [
        {
            **case_row(e.case, e.item, p, "full"),
            "unread": e.unread,
            "overdue": e.overdue,
            "idle_hours": e.idle_hours,
        }
        for e in page
    ]
    return {
        "view": view,
        "items": items,
        "count": len(items),
        "total": len(rows),
        "next_offset": offset + limit if offset + limit < len(rows) else None,
        "views": inbox.counts(entries, p.username),
    }


@router.get("/inbox/counts", summary="Counts of every inbox view and the navigation badges")
def get_counts(unit_id: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    cases = service()
    p, entries = _entries(cases, unit_id)
    return {"views": inbox.counts(entries, p.username), "badges": _badges(p, entries)}


class BulkChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_BULK
    )
    status: str = Field(min_length=1, max_length=20, description="e.g. in_review, resolved, rejected, spam")


@router.post(
    "/inbox/bulk", summary="Move many cases to one status; each case is checked and audited on its own"
)
def bulk_change(body: Annotated[BulkChange, Body()]) -> dict[str, Any]:
    p = case_worker()
    if body.status not in STATUS_LABELS_VI or body.status == "forwarded":
        raise Unprocessable(
            "Trạng thái không hợp lệ cho thao tác hàng loạt.", details=[{"loc": ["body", "status"]}]
        )
    cases = service()
    results = []
    for case_id in dict.fromkeys(body.case_ids):
        try:
            case = cases.update(p, case_id, workflow.CaseChanges(status=body.status))
            results.append({"case_id": case_id, "ok": True, "status": case.status})
        except CaseNotFound:
            results.append({"case_id": case_id, "ok": False, "error": "Không tìm thấy tin báo."})
        except workflow.TransitionNotAllowed:
            results.append(
                {"case_id": case_id, "ok": False, "error": "Không chuyển được từ trạng thái hiện tại."}
            )
        except StaleCase:
            results.append(
                {"case_id": case_id, "ok": False, "error": "Tin báo vừa được người khác cập nhật."}
            )
        except workflow.NotPermitted:
            results.append({"case_id": case_id, "ok": False, "error": "Không có quyền thay đổi tin báo này."})
    done = sum(1 for r in results if r["ok"])
    return {"status": body.status, "changed": done, "failed": len(results) - done, "results": results}


@router.post(
    "/tips/<tip_id>/presence", summary="I am on this case: marks it read; who else opened it just now"
)
def post_presence(tip_id: TipId) -> dict[str, Any]:
    p = case_worker()
    cases = service()
    cases.load(p, tip_id, "case.read")
    others = cases.opened(p, tip_id, utcnow())
    return {"case_id": tip_id, "others": others}


class BlockBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=5, max_length=500)


@router.get("/tips/<tip_id>/block", summary="Whether the tipster of a case is blocked")
def get_block(tip_id: TipId) -> dict[str, Any]:
    p = case_worker()
    cases = service()
    case = cases.load(p, tip_id, "case.read").case
    return {"case_id": tip_id, "blocked": cases.is_blocked(case)}


@router.post("/tips/<tip_id>/block", summary="Block the tipster (pranks): new messages are logged, no case")
def post_block(tip_id: TipId, body: Annotated[BlockBody, Body()]) -> dict[str, Any]:
    p = case_worker()
    cases = service()
    case = cases.load(p, tip_id, "case.block", write=True).case
    cases.block(p, case, body.reason.strip())
    audit.trail().record(
        p.username,
        "citizen.block",
        "case",
        tip_id,
        actor_unit=p.unit_id,
        reason=body.reason.strip(),
        request_id=p.request_id,
        after={"blocked": True, "pseudonym": case.pseudonym},
    )
    return {"case_id": tip_id, "blocked": True}


@router.delete("/tips/<tip_id>/block", summary="Unblock the tipster of a case (audited)")
def delete_block(tip_id: TipId) -> dict[str, Any]:
    p = case_worker()
    cases = service()
    case = cases.load(p, tip_id, "case.block", write=True).case
    cases.unblock(case)
    audit.trail().record(
        p.username,
        "citizen.unblock",
        "case",
        tip_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        after={"blocked": False, "pseudonym": case.pseudonym},
    )
    return {"case_id": tip_id, "blocked": False}


@router.get("/tips/<tip_id>/duplicates", summary="Cases intake found similar to this one (merge candidates)")
def get_duplicates(tip_id: TipId) -> dict[str, Any]:
    """The suggestions intake stored (`extra.possible_duplicates`, codes of recent similar cases of the
    unit), resolved to the cases this officer may see and that are not merged already."""
    p = case_worker()
    cases = service()
    loaded = cases.load(p, tip_id, "case.read")
    items = []
    for other in cases.duplicates(p, loaded.case):
        items.append(
            {
                "case_id": other.case_id,
                "code": other.code,
                "status": other.status,
                "status_label": STATUS_LABELS_VI.get(other.status, other.status),
                "summary": _summary(other.summary),
                "created_at": other.created_at,
                "unit_id": other.unit_id,
            }
        )
    return {"case_id": tip_id, "items": items, "count": len(items)}


def _summary(text: str) -> str:
    return (_decrypt(text) or "")[:300]
