"""The officer API's campaign operations: create, read, list, preview, pause, resume, cancel.

Editors (and admins) create and control campaigns for the OAs of units they can see; officers of a
unit may read the campaigns created in their units.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from anninh import clock
from anninh.campaigns.audience import AudienceFilter, AudienceSource
from anninh.campaigns.deliveries import Delivery
from anninh.campaigns.eligibility import (
    in_quiet_hours,
    ineligible_reason,
    restricted,
)
from anninh.campaigns.model import REASONS, Campaign, CampaignRequest
from anninh.campaigns.planner import QueueWriter, enqueue_campaign, requeue_parked
from anninh.campaigns.store import (
    CampaignNotFound,
    CampaignStore,
    DeliveryStore,
    default_audience,
    default_campaign_store,
    default_deliveries,
    to_campaign,
)
from anninh.clock import iso
from anninh.registry import Registry
from anninh.sending.quota import oa_quota
from anninh.sending.tiers import vn_month

# Editors and admins, and commanders for the OAs of their own unit and the units under it (a ward
# commander sends to the ward's own followers; issue 17).
EDITOR_ROLES = ("editor", "admin", "commander")
PREVIEW_CAP_SAMPLE = 2000  # followers whose caps are read exactly; beyond, the share is extrapolated


def _now() -> datetime:
    return clock.utcnow()  # looked up per call, so tests can move the clock


class Caller(Protocol):
    @property
    def username(self) -> str: ...

    @property
    def unit_id(self) -> str: ...

    @property
    def visible_units(self) -> tuple[str, ...]: ...

    def has_role(self, *roles: str) -> bool: ...


class CampaignError(Exception):
    """A request the campaign rules refuse; `code` maps to the API's error codes."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        self.code = code
        self.message = message
        self.details = details
        super().__init__(message)


@dataclass
class Preview:
    audience: int
    eligible: int
    ineligible: dict[str, int]
    send_at: str
    message_type: str
    estimated: bool = False
    ineligible_labels: dict[str, str] | None = None
    # Zalo tiers (docs/zalo.md): sends per tier, and per OA what the proactive sends need from the
    # month's quota; `quota_ok` False means the campaign would be refused.
    tiers: dict[str, int] | None = None
    quota: list[dict[str, Any]] | None = None
    quota_ok: bool = True


def _oa_quota(oa_id: str) -> dict[str, Any]:
    return oa_quota(oa_id)


class CampaignService:
    def __init__(
        self,
        registry: Registry,
        *,
        store: CampaignStore | None = None,
        audience: AudienceSource | None = None,
        enqueue: Callable[[str], None] | None = None,
        broadcast: QueueWriter | None = None,
        now: Callable[[], datetime] | None = None,
        quota_of: Callable[[str], dict[str, Any]] | None = None,
        deliveries: DeliveryStore | None = None,
    ) -> None:
        self.registry = registry
        self.quota_of = quota_of or _oa_quota
        self.store = store or default_campaign_store()
        self.deliveries = deliveries or default_deliveries()
        self.audience = audience or default_audience()
        self.enqueue = enqueue or enqueue_campaign
        self.broadcast = broadcast or QueueWriter()
        self.now = now or _now

    # ------------------------------------------------------------------ rules
    def _require_editor(self, caller: Caller) -> None:
        if not caller.has_role(*EDITOR_ROLES):
            raise CampaignError(
                "forbidden", "Chỉ biên tập viên, chỉ huy hoặc quản trị mới được tạo và điều khiển chiến dịch."
            )

    def resolve_oas(self, caller: Caller, request: CampaignRequest) -> list[str]:
        """The OAs a campaign goes out through: the chosen ones plus every OA of the chosen units."""
        oa_ids: list[str] = []
        unknown: list[str] = []
        for oa_id in request.oa_ids:
            if self.registry.oa(oa_id) is None:
                unknown.append(oa_id)
            else:
                oa_ids.append(oa_id)
        for unit_id in request.unit_ids:
            if self.registry.unit(unit_id) is None:
                unknown.append(unit_id)
                continue
            if unit_id not in caller.visible_units:
                raise CampaignError("forbidden", "Không được gửi tin thay đơn vị khác.", {"unit_id": unit_id})
            oa_ids.extend(o.oa_id for o in self.registry.oas if o.unit_id == unit_id)
        if unknown:
            raise CampaignError("validation_error", "OA hoặc đơn vị không tồn tại.", {"unknown": unknown})
        for oa_id in oa_ids:
            oa = self.registry.oa(oa_id)
            if oa is not None and oa.unit_id not in caller.visible_units:
                raise CampaignError(
                    "forbidden", "Không được gửi tin qua OA của đơn vị khác.", {"oa_id": oa_id}
                )
        oa_ids = list(dict.fromkeys(oa_ids))
        if not oa_ids:
            raise CampaignError("validation_error", "Đơn vị đã chọn chưa có OA nào.")
        return oa_ids

    # ------------------------------------------------------------------ create
    def create(self, caller: Caller, request: CampaignRequest) -> Campaign:
        self._require_editor(caller)
        oa_ids = self.resolve_oas(caller, request)
        now = self.now()
        send_at = request.send_at or now
        if send_at < now and request.send_at is not None and (now - send_at).total_seconds() > 300:
            raise CampaignError("validation_error", "Thời điểm gửi đã qua.", {"send_at": iso(send_at)})
        if request.kind not in ("article", "zns"):
            self._refuse_beyond_quota(caller, request)
        try:
            message = request.zalo_message()
        except ValueError as exc:
            raise CampaignError(
                "validation_error", "Nội dung tin không hợp lệ.", {"message": str(exc)}
            ) from exc
        campaign_id = uuid.uuid4().hex[:16]
        spec = request.message.model_dump(mode="json", exclude_none=True)
        if request.kind == "zns":
            spec["phones"] = request.phones
        item: dict[str, Any] = {
            "id": campaign_id,
            "type": "campaign",
            "name": request.name,
            "kind": request.kind,
            "message_type": request.message_type,
            "status": "scheduled",
            "oa_ids": oa_ids,
            "unit_ids": request.unit_ids,
            "tags": request.tags,
            "message": message,
            "spec": spec,
            "unit_id": caller.unit_id,
            "created_by": caller.username,
            "created_at": iso(now),
            "send_at": iso(send_at),
        }
        if request.interacted_within_days is not None:
            item["interacted_within_days"] = request.interacted_within_days
        self.store.create(item)
        if send_at <= now:
            self.enqueue(campaign_id)  # the planner starts it at once; otherwise the due sweep will
        return to_campaign({**item, "total": 0, "sent": 0, "failed": 0, "skipped": 0}, now)

    # ------------------------------------------------------------------ read
    def _visible(self, caller: Caller, item: dict[str, Any]) -> bool:
        if caller.has_role("admin"):
            return True
        if item.get("unit_id") in caller.visible_units:
            return True
        return any(
            (oa := self.registry.oa(str(o))) is not None and oa.unit_id in caller.visible_units
            for o in item.get("oa_ids", [])
        )

    def get(self, caller: Caller, campaign_id: str) -> Campaign:
        item = self.store.get_item(campaign_id)
        if not self._visible(caller, item):
            raise CampaignNotFound(campaign_id)  # never confirm that another unit's campaign exists
        return to_campaign(item, self.now())

    def list_visible(
        self, caller: Caller, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[Campaign], str | None]:
        items, next_cursor = self.store.list(limit=limit, cursor=cursor)
        now = self.now()
        return [to_campaign(i, now) for i in items if self._visible(caller, i)], next_cursor

    # ------------------------------------------------------------------ control
    def pause(self, caller: Caller, campaign_id: str) -> Campaign:
        self._require_editor(caller)
        self.get(caller, campaign_id)
        item = self.store.set_status(campaign_id, "paused", ("running", "scheduled"), self.now())
        return to_campaign(item, self.now())

    def resume(self, caller: Caller, campaign_id: str) -> Campaign:
        self._require_editor(caller)
        self.get(caller, campaign_id)
        item = self.store.set_status(campaign_id, "running", ("paused",), self.now())
        if not item.get("started_at"):
            # Paused before it started: back to waiting for its time.
            item = self.store.set_status(campaign_id, "scheduled", ("running",), self.now())
            self.store.set_fields(
                campaign_id, GSI2PK="CAMPAIGNS#SCHEDULED", GSI2SK=f"{item.get('send_at')}#{campaign_id}"
            )
            return to_campaign(item, self.now())
        requeue_parked(self.store, self.broadcast, campaign_id, self.now())
        if not item.get("planning_done"):
            self.enqueue(campaign_id)
        self.store.finish_if_complete(item, self.now())
        return self.store.get(campaign_id, self.now())

    def cancel(self, caller: Caller, campaign_id: str) -> Campaign:
        self._require_editor(caller)
        self.get(caller, campaign_id)
        item = self.store.set_status(campaign_id, "cancelled", ("running", "scheduled", "paused"), self.now())
        for sk, _, _ in list(self.store.parked(campaign_id)):
            self.store.unpark(campaign_id, sk)
        return to_campaign(item, self.now())

    def _refuse_beyond_quota(self, caller: Caller, request: CampaignRequest) -> None:
        """1:1 campaign messages are proactive: refuse a campaign the OAs' remaining quota cannot cover."""
        short = [q for q in (self.preview(caller, request).quota or []) if not q["covered"]]
        if not short:
            return
        names = "; ".join(
            f"{q['oa_name']}: cần {q['proactive_needed']} tin, còn {q['proactive_remaining']}/"
            f"{q['proactive_limit']} tin chủ động của tháng {q['month']}"
            for q in short
        )
        raise CampaignError(
            "quota_exceeded",
            f"Không thể bắt đầu: hạn mức tin chủ động của Zalo không đủ ({names}). Hãy thu hẹp đối tượng "
            "nhận, chọn gửi vào tháng sau hoặc dùng bài viết (broadcast).",
            {"quota": short},
        )

    # ------------------------------------------------------------------ preview
    def preview(self, caller: Caller, request: CampaignRequest, max_pages: int = 500) -> Preview:
        oa_ids = self.resolve_oas(caller, request)
        now = self.now()
        send_at = request.send_at or now
        message_type = request.message_type
        kind = str(request.kind)
        if kind == "zns":
            quiet = in_quiet_hours(send_at)
            count = len(request.phones)
            reasons_zns = {"quiet_hours": count} if quiet else {}
            return Preview(
                count,
                0 if quiet else count,
                reasons_zns,
                iso(send_at),
                message_type,
                ineligible_labels=_labels(set(reasons_zns)),
            )
        flt = AudienceFilter(request.interacted_within_days, request.tags)
        reasons: Counter[str] = Counter()
        eligible: list[tuple[str, str]] = []
        audience = 0
        estimated = False
        for oa_id in oa_ids:
            cursor = None
            for _ in range(max_pages):
                page = self.audience.page(oa_id, flt, send_at, cursor)
                for member in page.members:
                    audience += 1
                    reason = ineligible_reason(member, message_type, send_at)
                    if reason:
                        reasons[reason] += 1
                    else:
                        eligible.append((oa_id, member.user_id))
                cursor = page.cursor
                if not cursor:
                    break
            else:
                estimated = True
        per_oa = Counter(oa for oa, _ in eligible)
        ok = len(eligible)
        if kind == "article":
            # Zalo fans it out to each OA's followers and applies its own caps: one request per OA.
            ok = len(oa_ids)
        elif restricted(message_type, kind):
            if in_quiet_hours(send_at):
                reasons["quiet_hours"] += ok
                ok = 0
            else:
                capped, sampled = self._capped(eligible[:PREVIEW_CAP_SAMPLE], send_at)
                if sampled < len(eligible):
                    estimated = True
                    capped = round(capped * len(eligible) / max(1, sampled))
                reasons["follower_cap"] += capped
                ok -= capped
        tiers = {"reply": 0, "proactive": 0, "broadcast": 0, "zns": 0}
        quota: list[dict[str, Any]] = []
        if kind == "article":
            tiers["broadcast"] = ok
        else:
            tiers["proactive"] = ok
            if ok:
                quota = self._quota_needs(per_oa, ok / max(1, len(eligible)), send_at)
        return Preview(
            audience=audience,
            eligible=ok,
            ineligible=dict(reasons),
            send_at=iso(send_at),
            message_type=message_type,
            estimated=estimated,
            ineligible_labels=_labels(set(reasons)),
            tiers=tiers,
            quota=quota,
            quota_ok=all(q["covered"] for q in quota),
        )

    def _quota_needs(self, per_oa: Counter[str], share: float, send_at: datetime) -> list[dict[str, Any]]:
        """Per OA: proactive sends the campaign needs against what is left of the month's quota. A
        campaign sent in a later month is checked against a full month (the quota resets on the 1st)."""
        later_month = vn_month(send_at) != vn_month(self.now())
        out = []
        for oa_id, count in sorted(per_oa.items()):
            needed = round(count * share)
            figures = self.quota_of(oa_id)
            limit = int(figures["proactive_limit"])
            remaining = limit if later_month else int(figures["proactive_remaining"])
            oa = self.registry.oa(oa_id)
            out.append(
                {
                    "oa_id": oa_id,
                    "oa_name": oa.name if oa else oa_id,
                    "proactive_needed": needed,
                    "proactive_remaining": remaining,
                    "proactive_limit": limit,
                    "month": vn_month(send_at),
                    "covered": needed <= remaining,
                    "source": figures.get("sources", {}).get("proactive_remaining", "ours"),
                }
            )
        return out

    def _capped(self, members: list[tuple[str, str]], at: datetime) -> tuple[int, int]:
        """How many of these followers already reached their daily or monthly cap."""
        return self.deliveries.capped(members, at), len(members)

    # ------------------------------------------------------------------ delivery records
    def deliveries_page(
        self,
        caller: Caller,
        campaign_id: str,
        *,
        oa_id: str | None = None,
        status: str | None = None,
        cursor: dict[str, str] | None = None,
        limit: int = 50,
    ) -> DeliveryPage:
        """One OA's delivery records of a campaign the caller may read (the campaign's first OA unless
        one is named). CampaignNotFound for a campaign the caller cannot see; CampaignError
        `not_found` for an OA the campaign does not go through."""
        campaign = self.get(caller, campaign_id)
        oa_ids = [str(o) for o in campaign.oa_ids]
        chosen = oa_id or (oa_ids[0] if oa_ids else None)
        if chosen is None or chosen not in oa_ids:
            raise CampaignError("not_found", "Chiến dịch không gửi qua kênh này.")
        records, next_cursor = self.deliveries.page(
            campaign_id, chosen, status=status, cursor=cursor, limit=limit
        )
        oa = self.registry.oa(chosen)
        return DeliveryPage(chosen, oa.unit_id if oa else "", oa_ids, records, next_cursor)


@dataclass
class DeliveryPage:
    oa_id: str
    unit_id: str  # of the OA: recipients are shown by that unit's pseudonyms
    oa_ids: list[str]
    records: list[Delivery]
    next_cursor: dict[str, str] | None


def _labels(reasons: set[str]) -> dict[str, str]:
    return {r: REASONS[r] for r in reasons if r in REASONS}
