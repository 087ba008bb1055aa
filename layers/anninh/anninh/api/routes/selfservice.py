"""Self-service administration: FAQ ranking, knowledge-base entries, CCCD imports, queue places and
days, wanted/missing notices, hotlines and security-news links.

Access: every signed-in officer may read; editors (or admins) change the knowledge base, notices and
news; officers, commanders and admins import CCCD records for their unit; admins manage queue places
and hotlines. Every change is audited. The logic lives in the domain modules; routes stay thin.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from anninh import audit, cccd, hotlines, kb, notices, queueing
from anninh.api.auth import Principal, principal, require_role
from anninh.api.errors import BadRequest, NotFound, Unprocessable
from anninh.bot import news
from anninh.clock import iso, utcnow
from anninh.hotlines import Hotline
from anninh.kb.entries import KbEntryPatch, file_entries
from anninh.registry.store import current_registry

router = APIGatewayHttpRouter()

EDIT_ROLES = ("editor", "admin")
IMPORT_ROLES = ("officer", "commander", "admin")
MAX_CSV_BYTES = 5 * 1024 * 1024
EntryId = Annotated[str, Path(min_length=2, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]+$")]
PlaceId = Annotated[str, Path(min_length=2, max_length=41, pattern=r"^[a-z0-9][a-z0-9-]+$")]
NoticeId = Annotated[str, Path(min_length=1, max_length=64)]
UnitId = Annotated[str, Path(min_length=1, max_length=100)]
OaId = Annotated[str, Path(min_length=1, max_length=40)]


def _audit(p: Principal, action: str, kind: str, target: str, **kw: Any) -> None:
    audit.trail().record(
        p.username, action, kind, target, actor_unit=p.unit_id, request_id=p.request_id, **kw
    )


def _visible_unit(p: Principal, unit_id: str) -> None:
    if not p.can_see_unit(unit_id):
        raise NotFound("Không tìm thấy đơn vị.")


# --- FAQ and knowledge base -------------------------------------------------------------------


@router.get("/faq/match", summary="Rank knowledge-base entries for a citizen question")
def faq_match(
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict[str, Any]:
    principal()
    entries, matcher = kb.current()
    ranked = matcher.match(q, limit)
    ranked = [(i, s) for i, s in ranked if i in entries]
    matches = [{"id": i, "score": s, "title": entries[i].title} for i, s in ranked]
    best = ranked[0][0] if ranked and ranked[0][1] >= matcher.threshold else None
    return {"q": q, "threshold": matcher.threshold, "best": best, "matches": matches}


@router.get("/kb/entries", summary="Knowledge-base entries (files with editors' changes)")
def list_entries() -> dict[str, Any]:
    principal()
    entries, _ = kb.current()
    shipped = file_entries()
    items = [{"id": e.id, "title": e.title, "edited": e != shipped.get(e.id)} for e in entries.values()]
    return {"items": items, "count": len(items)}


@router.get("/kb/entries/<entry_id>", summary="One knowledge-base entry")
def get_entry(entry_id: EntryId) -> dict[str, Any]:
    principal()
    entry = kb.current()[0].get(entry_id)
    if entry is None:
        raise NotFound("Không tìm thấy mục hỏi đáp.")
    return entry.model_dump()


@router.put("/kb/entries/<entry_id>", summary="Create or change an entry (editors)")
def put_entry(entry_id: EntryId, body: Annotated[KbEntryPatch, Body()]) -> dict[str, Any]:
    p = principal()
    require_role(p, *EDIT_ROLES)
    before = kb.current()[0].get(entry_id)
    try:
        entry = kb.save_override(entry_id, body, p.username, iso(utcnow()))
    except ValidationError as exc:
        raise Unprocessable(
            "Mục hỏi đáp chưa đủ thông tin (cần ít nhất tiêu đề).",
            details=exc.errors(include_url=False, include_context=False),
        ) from exc
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc
    _audit(
        p,
        "kb.update" if before else "kb.create",
        "kb_entry",
        entry_id,
        before={"title": before.title} if before else None,
        after=body.model_dump(exclude_none=True),
    )
    return entry.model_dump()


@router.delete("/kb/entries/<entry_id>", summary="Hide an entry (editors)")
def remove_entry(entry_id: EntryId) -> Response[str]:
    p = principal()
    require_role(p, *EDIT_ROLES)
    if entry_id not in kb.current()[0]:
        raise NotFound("Không tìm thấy mục hỏi đáp.")
    kb.delete_entry(entry_id, p.username, iso(utcnow()))
    _audit(p, "kb.delete", "kb_entry", entry_id)
    return Response(status_code=204, content_type=content_types.TEXT_PLAIN, body="")


# --- CCCD ---------------------------------------------------------------------------------------


@router.post(
    "/cccd/imports",
    summary="Import CCCD records (CSV: receipt_no,full_name,dob,status,ready_at,"
    "pickup_place; dob as dd/mm/yyyy)",
)
def import_cccd() -> dict[str, Any]:
    p = principal()
    require_role(p, *IMPORT_ROLES)
    event = router.current_event
    raw = event.decoded_body or ""
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    if not data.strip():
        raise BadRequest("Tệp CSV trống.", code="empty_csv")
    if len(data) > MAX_CSV_BYTES:
        raise BadRequest("Tệp CSV quá lớn (tối đa 5 MB mỗi lần).", code="csv_too_large")
    try:
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        report = cccd.service().import_csv(text, imported_by=p.username, unit_id=p.unit_id)
    except cccd.CsvHeaderError as exc:
        raise BadRequest(
            f"Dòng tiêu đề không đúng: {exc}",
            code="bad_csv_header",
            details={"expected": ",".join(cccd.HEADER)},
        ) from exc
    except UnicodeDecodeError as exc:
        raise BadRequest("Tệp CSV phải mã hóa UTF-8.", code="bad_encoding") from exc
    _audit(
        p,
        "cccd.import",
        "cccd_import",
        p.unit_id,
        details={"total": report.total, "imported": report.imported, "rejected": report.rejected},
    )
    return report.as_dict()


# --- queue numbers ------------------------------------------------------------------------------


@router.get("/queue/places", summary="Places that give queue numbers")
def get_places() -> dict[str, Any]:
    p = principal()
    places = [
        pl.model_dump() for pl in queueing.service().list_places().values() if p.can_see_unit(pl.unit_id)
    ]
    return {"items": places, "count": len(places)}


@router.put("/queue/places/<place_id>", summary="Create or change a place (admins)")
def put_place(place_id: PlaceId, body: Annotated[queueing.Place, Body()]) -> dict[str, Any]:
    p = principal()
    require_role(p, "admin")
    if body.place_id != place_id:
        raise Unprocessable("place_id trong nội dung phải trùng với đường dẫn.")
    if current_registry().unit(body.unit_id) is None:
        raise Unprocessable(f"Không có đơn vị '{body.unit_id}'.")
    _visible_unit(p, body.unit_id)
    queueing.service().save_place(body)
    _audit(p, "queue.place", "queue_place", place_id, after=body.model_dump())
    return body.model_dump()


@router.get("/queue/places/<place_id>/days/<day>", summary="A day's numbers at a place")
def get_day(place_id: PlaceId, day: Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$")]) -> dict[str, Any]:
    p = principal()
    place = queueing.service().list_places().get(place_id)
    if place is None or not p.can_see_unit(place.unit_id):
        raise NotFound("Không tìm thấy điểm lấy số.")
    return queueing.service().day_summary(place_id, day)


# --- notices ------------------------------------------------------------------------------------


@router.get("/notices", summary="Wanted/missing notices, newest first (published and withdrawn)")
def get_notices() -> dict[str, Any]:
    principal()
    items = [n.model_dump() for n in notices.service().list_for_editors()]
    return {"items": items, "count": len(items)}


@router.post("/notices", summary="Publish a notice (editors)", responses={201: {"description": "Created"}})
def post_notice(body: Annotated[notices.NoticeInput, Body()]) -> Response[dict[str, Any]]:
    p = principal()
    require_role(p, *EDIT_ROLES)
    if body.unit_id:
        _visible_unit(p, body.unit_id)
    notice = notices.service().create(body, unit_id=p.unit_id, editor=p.username)
    _audit(p, "notice.create", "notice", notice.notice_id, after={"title": notice.title, "kind": notice.kind})
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=notice.model_dump())


@router.get("/notices/<notice_id>", summary="One notice")
def get_notice(notice_id: NoticeId) -> dict[str, Any]:
    principal()
    notice = notices.service().get(notice_id)
    if notice is None:
        raise NotFound("Không tìm thấy thông báo.")
    return notice.model_dump()


def _own_notice(p: Principal, notice_id: str) -> notices.Notice:
    notice = notices.service().get(notice_id)
    if notice is None or not p.can_see_unit(notice.unit_id):
        raise NotFound("Không tìm thấy thông báo.")
    return notice


@router.patch("/notices/<notice_id>", summary="Change a notice (editors)")
def patch_notice(notice_id: NoticeId, body: Annotated[notices.NoticePatch, Body()]) -> dict[str, Any]:
    p = principal()
    require_role(p, *EDIT_ROLES)
    before = _own_notice(p, notice_id)
    notice = notices.service().update(notice_id, body)
    if notice is None:
        raise NotFound("Không tìm thấy thông báo.")
    _audit(
        p,
        "notice.update",
        "notice",
        notice_id,
        before={"status": before.status},
        after=body.model_dump(exclude_none=True, mode="json"),
    )
    return notice.model_dump()


@router.delete("/notices/<notice_id>", summary="Withdraw a notice from the chat (editors)")
def delete_notice(notice_id: NoticeId) -> dict[str, Any]:
    p = principal()
    require_role(p, *EDIT_ROLES)
    _own_notice(p, notice_id)
    notice = notices.service().withdraw(notice_id)
    _audit(p, "notice.withdraw", "notice", notice_id)
    return notice.model_dump() if notice else {}


# --- hotlines and news --------------------------------------------------------------------------


class HotlinesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hotlines: list[Hotline] = Field(min_length=1, max_length=5)


@router.get("/hotlines/<unit_id>", summary="Hotlines citizens of a unit see")
def get_hotlines(unit_id: UnitId) -> dict[str, Any]:
    principal()
    registry = current_registry()
    if registry.unit(unit_id) is None:
        raise NotFound("Không tìm thấy đơn vị.")
    shown_for, own = hotlines.service().for_unit(unit_id, registry)
    return {
        "unit_id": unit_id,
        "shown_for": shown_for,
        "hotlines": [h.model_dump() for h in own],
        "emergency": [h.model_dump() for h in hotlines.emergency()],
    }


@router.put("/hotlines/<unit_id>", summary="Set a unit's hotlines (admins)")
def put_hotlines(unit_id: UnitId, body: Annotated[HotlinesIn, Body()]) -> dict[str, Any]:
    p = principal()
    require_role(p, "admin")
    _visible_unit(p, unit_id)
    hotlines.service().save(unit_id, body.hotlines, p.username, iso(utcnow()))
    _audit(p, "hotlines.update", "unit", unit_id, after=body.model_dump())
    return get_hotlines(unit_id)


def _visible_oa(p: Principal, oa_id: str) -> None:
    oa = current_registry().oa(oa_id)
    if oa is None or not p.can_see_unit(oa.unit_id):
        raise NotFound("Không tìm thấy OA.")


@router.get("/news/<oa_id>", summary="Security-news links the OA shows (newest first)")
def get_news(oa_id: OaId, limit: Annotated[int, Query(ge=1, le=20)] = 5) -> dict[str, Any]:
    principal()
    items = [n.model_dump() for n in news.service().latest(oa_id, limit)]
    return {"items": items, "count": len(items)}


@router.post(
    "/news/<oa_id>", summary="Add a security-news link (editors)", responses={201: {"description": "Created"}}
)
def post_news(oa_id: OaId, body: Annotated[news.NewsInput, Body()]) -> Response[dict[str, Any]]:
    p = principal()
    require_role(p, *EDIT_ROLES)
    _visible_oa(p, oa_id)
    link = news.service().add(oa_id, body, p.username)
    _audit(p, "news.create", "news", link.news_id, after={"title": link.title, "url": link.url})
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=link.model_dump())


@router.delete("/news/<oa_id>/<news_id>", summary="Remove a security-news link (editors)")
def delete_news(oa_id: OaId, news_id: Annotated[str, Path(min_length=1, max_length=64)]) -> Response[str]:
    p = principal()
    require_role(p, *EDIT_ROLES)
    _visible_oa(p, oa_id)
    if not news.service().remove(oa_id, news_id):
        raise NotFound("Không tìm thấy tin.")
    _audit(p, "news.delete", "news", news_id)
    return Response(status_code=204, content_type=content_types.TEXT_PLAIN, body="")
