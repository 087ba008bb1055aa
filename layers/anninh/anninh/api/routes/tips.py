"""Tip cases: the unit inbox, the case view, and every officer action on a case."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from anninh import audit, conversations, crypto
from anninh.api.auth import Principal, principal, require_role, require_visible_unit
from anninh.api.errors import NotFound, Unprocessable
from anninh.cases import queries, workflow
from anninh.cases.model import OUTCOME_LABELS_VI, STATUS_LABELS_VI, Case, CaseStatus, Outcome
from anninh.cases.officers import MEDIA_LINK_SECONDS, CaseService, case_service
from anninh.clock import VN_TZ, iso, parse_iso
from anninh.observability import logger
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()

TipId = Annotated[str, Path(min_length=1, max_length=100, description="Case id")]
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def case_worker() -> Principal:
    """Tips are for the units' officers and commanders (editors and admins do other work)."""
    p = principal()
    require_role(p, "officer", "commander")
    return p


def status_filter(status: str | None) -> frozenset[str]:
    """The `status` query (comma-separated case statuses) as a set; an unknown status is a 422."""
    statuses = frozenset(s.strip() for s in (status or "").split(",") if s.strip())
    unknown = sorted(statuses - set(STATUS_LABELS_VI))
    if unknown:
        raise Unprocessable(
            f"Trạng thái không hợp lệ: {', '.join(unknown)}.",
            details=[{"loc": ["query", "status"], "type": "enum"}],
        )
    return statuses


def service() -> CaseService:
    return case_service(current_registry())


# ------------------------------------------------------------------------------ views


def _pseudonym(p: Principal, case: Case) -> str:
    try:
        return crypto.pseudonym(p.unit_id, case.user_id)
    except Exception:  # the stored (origin unit) pseudonym is still not the identity
        logger.exception("pseudonym unavailable")
        return case.pseudonym


def _decrypt(value: str | None) -> str | None:
    """Case texts arrive opened by the case store (anninh.cases.store); text a citizen typed is never
    taken for ciphertext, whatever it looks like."""
    return value


def allowed_statuses(case: Case, p: Principal) -> list[str]:
    out = []
    for target in sorted(workflow.TRANSITIONS.get(case.status, frozenset())):
        if case.status in workflow.CLOSED and not workflow.can_reopen(p):
            continue
        out.append(target)
    return out


def case_row(case: Case, item: dict[str, Any], p: Principal, access: str) -> dict[str, Any]:
    """What an officer sees of a case in a list: never the Zalo id, name or phone."""
    return {
        "case_id": case.case_id,
        "code": case.code,
        "status": case.status,
        "status_label": STATUS_LABELS_VI.get(case.status, case.status),
        "urgent": case.urgent,
        "urgent_terms": case.urgent_terms,
        "emergency_class": case.emergency_class,
        "valuable": case.valuable,
        "outcome": case.outcome,
        "outcome_label": OUTCOME_LABELS_VI.get(case.outcome) if case.outcome else None,
        "assignee": case.assignee,
        "unit_id": case.unit_id,
        "origin_unit_id": case.origin_unit_id,
        "oa_id": case.oa_id,
        "pseudonym": _pseudonym(p, case),
        "summary": _decrypt(case.summary) or "",
        "media_count": case.media_count,
        "location": case.location.model_dump() if case.location else None,
        "address": _decrypt(case.address),
        "info_units": case.info_units,
        "merged_into": case.merged_into,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "last_activity_at": case.last_activity_at,
        "first_response_at": case.first_response_at,
        "resolved_at": case.resolved_at,
        "routing": case.routing,
        "access": access,
        "version": int(queries.plain(item.get("version", 0)) or 0),
    }


def _media_view(media: dict[str, Any], cases: CaseService) -> dict[str, Any]:
    url = cases.media_link(media)
    keep = (
        "kind",
        "type",
        "content_type",
        "size",
        "sha256",
        "status",
        "error",
        "at",
        "created_at",
        "stored_at",
        "purged_at",
        "name",
        "width",
        "height",
        "duration",
    )
    view = {k: media[k] for k in keep if k in media and not isinstance(media[k], dict)}
    view["media_id"] = str(media.get("SK", "")).removeprefix("MEDIA#")
    view["url"] = url
    view["url_expires_in"] = MEDIA_LINK_SECONDS if url else None
    return view


def _case_messages(cases: CaseService, case: Case) -> list[dict[str, Any]]:
    try:
        start = iso(parse_iso(case.created_at) - timedelta(minutes=30))
    except (ValueError, TypeError):
        start = case.created_at
    messages = cases.messages(case, start)
    if any(m.get("case_id") for m in messages):
        messages = [m for m in messages if m.get("case_id") in (None, case.case_id)]
    return [conversations.officer_view(m) for m in messages]


def _strip_keys(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"}}


def case_detail(cases: CaseService, loaded: workflow.Loaded, p: Principal) -> dict[str, Any]:
    case = loaded.case
    children = cases.children(case.case_id)
    view = case_row(case, loaded.item, p, loaded.access)
    view.update(
        {
            "texts": [t for t in (_decrypt(t) for t in case.texts) if t is not None],
            "status_options": allowed_statuses(case, p) if loaded.access == "full" else [],
            "merged_from": case.extra.get("merged_from", []),
            "messages": [
                {**m, "pseudonym": view["pseudonym"]} if m.get("direction") == "in" else m
                for m in _case_messages(cases, case)
            ],
            "media": [_media_view(m, cases) for m in children["MEDIA"]],
            "notes": [_strip_keys(n) for n in children["NOTE"]],
            "history": [_strip_keys(conversations.open_message(e)) for e in children["EVENT"]],
        }
    )
    return view


# ------------------------------------------------------------------------------ inbox


def parse_instant(value: str | None, name: str, end_of_day: bool = False) -> datetime | None:
    """ISO instant (with Z or an offset) or a Vietnam day YYYY-MM-DD (its start, or its end)."""
    if not value:
        return None
    try:
        if _DAY.match(value):
            start = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=VN_TZ)
            return start + timedelta(days=1) if end_of_day else start
        parsed = parse_iso(value.strip().replace(" ", "+"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)
        iso(parsed)  # an instant that cannot be shown in UTC (year 1, year 9999) is refused here
        return parsed
    except (ValueError, OverflowError) as exc:
        raise Unprocessable(
            f"'{name}' phải là ngày YYYY-MM-DD hoặc thời điểm ISO 8601.",
            details=[{"loc": ["query", name], "type": "datetime"}],
        ) from exc


@router.get("/tips", summary="Unit inbox (newest first, merged across the units the officer sees)")
def list_tips(
    *,
    status: Annotated[str | None, Query(max_length=200, description="Comma-separated statuses")] = None,
    unit_id: Annotated[str | None, Query(max_length=100)] = None,
    urgent: Annotated[bool | None, Query()] = None,
    valuable: Annotated[bool | None, Query()] = None,
    since: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD or ISO instant")] = None,
    until: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD (inclusive) or ISO")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text search, diacritics-insensitive")] = None,
    assignee: Annotated[str | None, Query(max_length=100)] = None,
    open_only: Annotated[bool | None, Query(alias="open")] = None,
    order: Annotated[Literal["newest", "urgent"], Query()] = "newest",
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> dict[str, Any]:
    p = case_worker()
    statuses = status_filter(status)
    units: tuple[str, ...] = p.visible_units
    if unit_id:
        require_visible_unit(p, unit_id, "case.list")
        units = (unit_id,)
    filters = queries.InboxFilter(
        statuses=statuses,
        urgent=urgent,
        valuable=valuable,
        assignee=(assignee or "").lower() or None,
        text=q or "",
        since=parse_instant(since, "since"),
        until=parse_instant(until, "until", True),
        open_only=bool(open_only),
    )
    rows, next_cursor = service().search(
        units, filters, p.visible_units, limit=limit, cursor=cursor, decrypt=_decrypt
    )
    items = [case_row(r.case, r.item, p, r.access) for r in rows]
    if order == "urgent":
        items.sort(key=lambda i: not i["urgent"])  # stable: newest first within each group
    return {"items": items, "next_cursor": next_cursor, "count": len(items)}


# ------------------------------------------------------------------------------ one case


@router.get("/tips/<tip_id>", summary="One case with its conversation, media (presigned), notes, history")
def get_tip(tip_id: TipId) -> dict[str, Any]:
    p = case_worker()
    cases = service()
    loaded = cases.load(p, tip_id, "case.read")
    audit.trail().record(
        p.username,
        "case.read",
        "case",
        tip_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        details={"access": loaded.access},
    )
    return case_detail(cases, loaded, p)


class TipPatch(BaseModel):
    """Any subset; `version` (from the case view) makes the change conditional on what you saw."""

    model_config = ConfigDict(extra="forbid")
    status: CaseStatus | None = None
    valuable: bool | None = None
    unit_id: str | None = Field(default=None, min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=4000)
    assignee: str | None = Field(default=None, max_length=100)
    outcome: Outcome | None = None
    version: int | None = Field(default=None, ge=0)


def _refreshed(p: Principal, tip_id: str, cases: CaseService) -> dict[str, Any]:
    found = cases.current(tip_id)
    if found is None:
        raise NotFound()
    case, item = found
    access = "full" if p.can_see_unit(case.unit_id) else "info"
    return case_row(case, item, p, access)


PATCH_DESCRIPTION = """Any subset of status, valuable, unit_id, assignee (null to unassign), outcome, note.

Status transitions: new -> in_review | verified | forwarded | rejected | spam; in_review -> verified |
forwarded | resolved | rejected | spam; verified -> resolved | forwarded; forwarded -> in_review | resolved |
forwarded; resolved | rejected | spam -> in_review (reopen, commanders only). `forwarded` needs a new
`unit_id`. Anything else is 409 `transition_not_allowed`; a `version` older than the case's is 409
`stale_version`. The citizen is told (once each) when the tip goes into review and when it is resolved.
"""


@router.patch(
    "/tips/<tip_id>",
    summary="Change status, valuable, unit, assignee, outcome; add a note",
    description=PATCH_DESCRIPTION,
)
def patch_tip(tip_id: TipId, body: Annotated[TipPatch, Body()]) -> dict[str, Any]:
    p = case_worker()
    cases = service()
    fields = body.model_fields_set
    changes = workflow.CaseChanges(
        status=body.status,
        valuable=body.valuable,
        unit_id=body.unit_id,
        note=body.note,
        assignee=body.assignee,
        assignee_set="assignee" in fields,
        outcome=body.outcome,
        outcome_set="outcome" in fields,
    )
    cases.update(p, tip_id, changes, expected_version=body.version)
    return _refreshed(p, tip_id, cases)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)
    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$"
    )


def _json(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _client_key(p: Principal, given: str | None) -> str:
    header = router.current_event.get_header_value("idempotency-key", case_sensitive=False)
    key = given or (header if header and re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", header) else None)
    return key or p.request_id or router.current_event.request_context.request_id or "no-request-id"


@router.post(
    "/tips/<tip_id>/replies",
    summary="Reply to the citizen through the OA (queued, 202)",
    responses={202: {"description": "Queued for sending"}},
)
def reply_tip(tip_id: TipId, body: Annotated[ReplyIn, Body()]) -> Response[dict[str, Any]]:
    p = case_worker()
    result = service().reply(p, tip_id, body.text, _client_key(p, body.idempotency_key))
    return _json(202, result)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)


@router.post(
    "/tips/<tip_id>/notes",
    summary="Internal note (never sent to the citizen)",
    responses={201: {"description": "Created"}},
)
def add_note(tip_id: TipId, body: Annotated[NoteIn, Body()]) -> Response[dict[str, Any]]:
    p = case_worker()
    if not body.text.strip():
        raise Unprocessable("Ghi chú trống.", details=[{"loc": ["body", "text"], "type": "empty"}])
    return _json(201, service().add_note(p, tip_id, body.text))


class ForwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: str | None = Field(default=None, min_length=1, max_length=100)
    info_unit_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=30
    )
    note: str | None = Field(default=None, max_length=4000)
    version: int | None = Field(default=None, ge=0)


@router.post("/tips/<tip_id>/forward", summary="Forward to another unit, with info-only copies")
def forward_tip(tip_id: TipId, body: Annotated[ForwardIn, Body()]) -> dict[str, Any]:
    p = case_worker()
    if not body.unit_id and not body.info_unit_ids:
        raise Unprocessable(
            "Chọn đơn vị nhận hoặc đơn vị nhận bản sao để biết.",
            details=[{"loc": ["body", "unit_id"], "type": "missing"}],
        )
    cases = service()
    cases.forward(p, tip_id, body.unit_id or "", body.info_unit_ids, body.note, expected_version=body.version)
    return _refreshed(p, tip_id, cases)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: str = Field(min_length=1, max_length=100)


@router.post("/tips/<tip_id>/merge", summary="Mark as a duplicate of another case")
def merge_tip(tip_id: TipId, body: Annotated[MergeIn, Body()]) -> dict[str, Any]:
    p = case_worker()
    cases = service()
    cases.merge(p, tip_id, body.into)
    return _refreshed(p, tip_id, cases)


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=10, max_length=1000)


@router.post("/tips/<tip_id>/reveal", summary="Unseal the tipster's identity (commanders; audited)")
def reveal_tip(tip_id: TipId, body: Annotated[RevealIn, Body()]) -> dict[str, Any]:
    return service().reveal(principal(), tip_id, body.reason)


@router.get("/tips/<tip_id>/audit", summary="Audit trail of a case, newest first")
def tip_audit(
    tip_id: TipId,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    p = principal()
    require_role(p, "officer", "commander", "admin")
    service().load(p, tip_id, "case.audit.read")
    records, next_cursor = audit.trail().list_for_target("case", tip_id, limit=limit, cursor=cursor)
    items = [queries.plain(r.model_dump()) for r in records]
    return {"items": items, "next_cursor": next_cursor, "count": len(items)}
