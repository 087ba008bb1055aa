"""Inbox views of the open cases an officer sees, with counts, unread marks and who is looking.

Views (like a support inbox's): `mine` (assigned to me), `unassigned`, `unit` (every open case of the
units I see), `urgent` and `overdue`. Every view holds open cases only (new, in review, verified,
forwarded) that are not merged into another: spam and closed cases leave the working views, and stay
reachable through the search/list (`GET /tips`).

Ordering, server-side so that paging never reorders what is already shown: urgent first, then
overdue, then the longest waiting for an officer (oldest last action) — the `overdue` view most idle
first; `unit` and `mine` put what changed most recently after urgent/overdue.

Unread: a case is unread for an officer when something happened on it (`last_activity_at`) after the
officer last opened it (the SEEN item written by `GET /tips/{id}`) — or they never opened it.
Presence: opening a case writes a short-lived VIEW item; the case view shows who else opened it in
the last few minutes ("someone else is working on this").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from anninh.cases.model import Case
from anninh.cases.overdue import limit_hours
from anninh.cases.queries import case_from_item, plain
from anninh.cases.store import CaseStore
from anninh.clock import iso, parse_iso

View = Literal["mine", "unassigned", "unit", "urgent", "overdue"]
VIEWS: tuple[View, ...] = ("mine", "unassigned", "unit", "urgent", "overdue")
OPEN = ("new", "in_review", "verified", "forwarded")
PRESENCE_SECONDS = 180


@dataclass
class Entry:
    case: Case
    item: dict[str, Any]
    idle_hours: float
    overdue: bool
    unread: bool


def idle_hours(item: dict[str, Any], case: Case, now: datetime) -> float:
    last = str(plain(item.get("last_action_at")) or case.created_at)
    try:
        return max(0.0, (now - parse_iso(last)).total_seconds() / 3600)
    except (ValueError, TypeError):
        return 0.0


def classify(
    items: Iterable[dict[str, Any]],
    *,
    now: datetime,
    thresholds: dict[str, int],
    seen: dict[str, str],
) -> list[Entry]:
    """Open, unmerged cases as entries (idle time, overdue, unread for the officer whose `seen` it is)."""
    out: list[Entry] = []
    for item in items:
        case = case_from_item(item)
        if case.status not in OPEN or case.merged_into:
            continue
        idle = idle_hours(item, case, now)
        limit = limit_hours(case, thresholds)  # urgent and untouched: the urgent SLA (minutes)
        seen_at = seen.get(case.case_id)
        out.append(
            Entry(
                case=case,
                item=item,
                idle_hours=round(idle, 1),
                overdue=limit is not None and idle >= limit,
                unread=seen_at is None or case.last_activity_at > seen_at,
            )
        )
    return out


def in_view(entry: Entry, view: View, username: str) -> bool:
    case = entry.case
    if view == "mine":
        return (case.assignee or "") == username
    if view == "unassigned":
        return not case.assignee
    if view == "urgent":
        return case.urgent
    if view == "overdue":
        return entry.overdue
    return True


def ordered(entries: Iterable[Entry], view: View) -> list[Entry]:
    if view == "overdue":
        return sorted(entries, key=lambda e: (not e.case.urgent, -e.idle_hours, e.case.case_id))
    if view in ("mine", "unit"):
        rows = sorted(entries, key=lambda e: (e.case.last_activity_at, e.case.case_id), reverse=True)
        return sorted(rows, key=lambda e: (not e.case.urgent, not e.overdue))
    # unassigned, urgent: who has waited longest comes first (after urgent and overdue)
    rows = sorted(entries, key=lambda e: (-e.idle_hours, e.case.created_at, e.case.case_id))
    return sorted(rows, key=lambda e: (not e.case.urgent, not e.overdue))


def counts(entries: list[Entry], username: str) -> dict[str, dict[str, int]]:
    """Per view: how many cases and how many of them are unread."""
    out: dict[str, dict[str, int]] = {}
    for view in VIEWS:
        inside = [e for e in entries if in_view(e, view, username)]
        out[view] = {"total": len(inside), "unread": sum(1 for e in inside if e.unread)}
    return out


# ------------------------------------------------------------------------------ storage


def mark_seen(username: str, case_id: str, now: datetime, store: CaseStore) -> list[str]:
    """Record that the officer opened the case (read and present); returns who else is looking."""
    store.mark_seen(username, case_id, now)
    return present(username, case_id, now, store)


def present(username: str, case_id: str, now: datetime, store: CaseStore, *, write: bool = True) -> list[str]:
    """Note that the officer is on the case now; the others seen on it in the last few minutes."""
    if write:
        store.note_presence(username, case_id, now)
    return others_present(store.presence(case_id), username, now)


def others_present(views: Iterable[dict[str, Any]], username: str, now: datetime) -> list[str]:
    """Who else was on the case in the last PRESENCE_SECONDS (pure)."""
    since = iso(now - timedelta(seconds=PRESENCE_SECONDS))
    return sorted(str(i["by"]) for i in views if i.get("by") != username and str(i.get("at", "")) >= since)
