"""Run a reorganisation: read the world, plan, and either report (dry run) or apply it.

Applying writes the registry changes first (new and changed units, then OAs and officers), then moves
the open cases, handed-off conversations, queue places, canned replies and hotlines, drops the stale
statistics roll-ups (they are recomputed from the per-OA counters), and finally stores the record and
its one audit entry. Every step is idempotent (a put of the final form or a conditional update), so a
failed apply can be run again with the same request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anninh.clock import iso, vn_day
from anninh.registry import Registry
from anninh.reorg.plan import Plan, ReorgRequest, World, make_plan
from anninh.reorg.store import ReorgStore


@dataclass
class Outcome:
    plan: Plan
    record: dict[str, Any] | None  # None for a dry run


def read_world(registry: Registry, store: ReorgStore, request: ReorgRequest) -> World:
    sources = {u for m in request.merges for u in m.from_} | {s.unit_id for s in request.splits}
    targets = {m.into for m in request.merges} | {t for s in request.splits for t in s.into}
    known = {u.unit_id for u in registry.units}
    return World(
        registry=registry,
        open_cases=[c for u in sorted(sources & known) for c in store.open_cases(u)],
        handoffs=[h for u in sorted(sources & known) for h in store.handoffs(u)],
        followers=store.followers() if sources else {},
        places=store.places() if sources else [],
        canned=store.canned() if sources else [],
        hotlines={u: store.hotlines(u) for u in sorted((sources | targets) & known)},
        net_follows_since={
            u: store.net_follows_since(u, request.effective_date) for u in sorted(sources & known)
        },
    )


def plan_for(registry: Registry, store: ReorgStore, request: ReorgRequest) -> Plan:
    return make_plan(request, read_world(registry, store, request))


def apply(
    registry: Registry,
    store: ReorgStore,
    request: ReorgRequest,
    plan: Plan,
    *,
    actor: str,
    actor_unit: str,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    reorg_id = uuid.uuid4().hex[:16]
    at = iso(now)
    for unit in plan.units.values():
        store.put_unit(unit)
    for oa in plan.oas:
        store.put_oa(oa)
    for username, unit_id in plan.officers:
        store.move_officer(registry, username, unit_id)
    for case, unit_id in plan.cases:
        store.move_case(case, unit_id, reorg_id, at)
    for handoff, unit_id in plan.handoffs:
        store.move_handoff(handoff, unit_id)
    for place_id, unit_id in plan.places:
        store.move_place(place_id, unit_id)
    for reply_id, unit_id in plan.canned:
        store.move_canned(reply_id, unit_id)
    for unit_id, lines in plan.hotlines.items():
        store.put_hotlines(unit_id, lines, actor, at)
    first = min(plan.effective_date, vn_day(now))
    dropped = sum(store.drop_rollups(unit_id, first) for unit_id in sorted(plan.stale_rollups))
    details: dict[str, Any] = {**plan.details(), "rollups_recomputed": dropped}
    record: dict[str, Any] = {
        "id": reorg_id,
        "effective_date": plan.effective_date,
        "applied_at": at,
        "applied_by": actor,
        "note": request.note,
        "counts": plan.counts(),
        "request": request.model_dump(mode="json", by_alias=True, exclude={"dry_run"}),
        "details": details,
    }
    store.put_record(record)
    store.audit(record, actor_unit, request_id)
    return record
