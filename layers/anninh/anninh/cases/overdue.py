"""Overdue cases: open cases with no officer action for longer than their status allows.

Thresholds come from settings (`OVERDUE_HOURS`, e.g. "new=4,in_review=48,verified=72,forwarded=24");
a status without a threshold is never overdue. The idle time runs from the last officer action
(`last_action_at`, set by the workflow) or, before any, from the case's creation.

`overdue_digest(now)` is the morning job (RemindersFunction, job "overdue-digest"): it stores one
DIGEST item per unit and Vietnam day (PK=UNIT#<unit_id>, SK=DIGEST#<day>) that the console shows, and
is idempotent for the day (a re-run rewrites the same item with the current list).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from anninh import keys
from anninh.cases.model import STATUS_LABELS_VI, Case
from anninh.cases.queries import case_from_item, plain
from anninh.cases.store import CaseStore
from anninh.clock import iso, parse_iso, vn_day
from anninh.settings import get_settings

DIGEST_TTL_DAYS = 90


class OverdueCase(BaseModel):
    case_id: str
    code: str
    unit_id: str
    status: str
    status_label: str
    urgent: bool
    assignee: str | None
    idle_hours: float
    threshold_hours: float
    last_action_at: str


def thresholds() -> dict[str, int]:
    return dict(get_settings().overdue_hours)


def limit_hours(case: Case, limits: dict[str, int]) -> float | None:
    """Hours a case may wait in its status; an urgent case nobody has acted on gets the urgent SLA
    (URGENT_SLA_MINUTES, default 15) instead of the status's hours."""
    limit = limits.get(case.status)
    if case.urgent and case.status == "new":
        sla = get_settings().urgent_sla_minutes / 60
        return sla if limit is None else min(float(limit), sla)
    return None if limit is None else float(limit)


def find_overdue(
    unit_ids: Iterable[str],
    now: datetime,
    limits: dict[str, int] | None = None,
    *,
    store: CaseStore,
) -> dict[str, list[OverdueCase]]:
    """Overdue open cases per unit, most idle first (urgent ones first among equals)."""
    limits = limits if limits is not None else thresholds()
    out: dict[str, list[OverdueCase]] = {}
    if not limits:
        return out
    for unit_id in dict.fromkeys(unit_ids):
        found: list[OverdueCase] = []
        for item in store.open_case_items([unit_id], limits):
            case = case_from_item(item)
            if case.merged_into:
                continue
            last = str(plain(item.get("last_action_at")) or case.created_at)
            try:
                idle = (now - parse_iso(last)).total_seconds() / 3600
            except (ValueError, TypeError):
                continue
            limit = limit_hours(case, limits)
            if limit is None or idle < limit:
                continue
            found.append(
                OverdueCase(
                    case_id=case.case_id,
                    code=case.code,
                    unit_id=case.unit_id,
                    status=case.status,
                    status_label=STATUS_LABELS_VI[case.status],
                    urgent=case.urgent,
                    assignee=case.assignee,
                    idle_hours=round(idle, 1),
                    threshold_hours=limit,
                    last_action_at=last,
                )
            )
        if found:
            found.sort(key=lambda c: (not c.urgent, -c.idle_hours))
            out[unit_id] = found
    return out


def overdue_digest(now: datetime, store: CaseStore) -> dict[str, int]:
    """Store today's digest for every unit with overdue cases; returns {unit_id: count}."""
    day = vn_day(now)
    found = find_overdue(store.unit_ids(), now, store=store)
    for unit_id, cases in found.items():
        store.put_digest(
            {
                **keys.overdue_digest(unit_id, day),
                "type": "overdue_digest",
                "unit_id": unit_id,
                "day": day,
                "generated_at": iso(now),
                "count": len(cases),
                "urgent": sum(1 for c in cases if c.urgent),
                "cases": [c.model_dump() for c in cases],
                "expires_at": int(now.timestamp()) + DIGEST_TTL_DAYS * 86400,
            }
        )
    return {unit: len(cases) for unit, cases in found.items()}


def load_digests(unit_ids: Iterable[str], day: str, store: CaseStore) -> list[dict[str, Any]]:
    out = []
    for unit_id in dict.fromkeys(unit_ids):
        item = store.digest(unit_id, day)
        if item:
            out.append({k: v for k, v in plain(item).items() if k not in ("PK", "SK", "expires_at")})
    return out
