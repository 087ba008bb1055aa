"""Inbox views without AWS: which open cases each view holds, their order, counts and unread marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from anninh.cases import inbox

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
LIMITS = {"new": 4, "in_review": 48}


def _at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _case(case_id: str, *, hours: float, status: str = "new", **extra: Any) -> dict[str, Any]:
    created = _at(hours)
    return {
        "PK": f"CASE#{case_id}",
        "SK": "CASE",
        "case_id": case_id,
        "code": case_id.upper(),
        "oa_id": "oa1",
        "unit_id": "p-hiep-tan",
        "origin_unit_id": "p-hiep-tan",
        "user_id": "u",
        "pseudonym": "Công dân X",
        "status": status,
        "created_at": created,
        "updated_at": created,
        "last_activity_at": extra.pop("activity", created),
        **extra,
    }


ITEMS = [
    _case("a", hours=1),  # new, fresh, unassigned
    _case("b", hours=6),  # new, overdue (4 h)
    # urgent, assigned 6 minutes ago (within the 15-minute urgent SLA)
    _case("c", hours=2, urgent=True, assignee="hieptan.canbo", last_action_at=_at(0.1)),
    _case("d", hours=50, status="in_review", assignee="hieptan.canbo", last_action_at=_at(1)),
    _case("e", hours=3, status="spam"),  # not work: never in a view
    _case("f", hours=3, merged_into="a"),  # a duplicate: never in a view
    _case("g", hours=8, status="resolved"),
]


def _entries(seen: dict[str, str] | None = None) -> list[inbox.Entry]:
    return inbox.classify(ITEMS, now=NOW, thresholds=LIMITS, seen=seen or {})


def _ids(view: inbox.View, seen: dict[str, str] | None = None) -> list[str]:
    entries = [e for e in _entries(seen) if inbox.in_view(e, view, "hieptan.canbo")]
    return [e.case.case_id for e in inbox.ordered(entries, view)]


def test_views_hold_open_unmerged_cases_only_in_a_useful_order() -> None:
    assert _ids("unit") == ["c", "b", "a", "d"]  # urgent, overdue, then latest activity
    assert _ids("mine") == ["c", "d"]
    assert _ids("unassigned") == ["b", "a"]  # overdue first, then the longest waiting
    assert _ids("urgent") == ["c"]
    assert _ids("overdue") == ["b"]  # "d" had an officer action an hour ago


def test_counts_and_unread_follow_what_the_officer_opened() -> None:
    seen = {"a": _at(0.5), "c": _at(3)}  # opened "a" after its last activity, "c" before
    counts = inbox.counts(_entries(seen), "hieptan.canbo")
    assert counts["unit"] == {"total": 4, "unread": 3}
    assert counts["mine"] == {"total": 2, "unread": 2}
    assert counts["unassigned"] == {"total": 2, "unread": 1}
    assert counts["overdue"] == {"total": 1, "unread": 1}
    assert {e.case.case_id for e in _entries(seen) if not e.unread} == {"a"}


def test_an_urgent_case_nobody_acted_on_is_overdue_after_the_urgent_sla() -> None:
    items = [_case("u1", hours=0.2, urgent=True), _case("u2", hours=0.3, urgent=True), _case("n", hours=0.3)]
    entries = inbox.classify(items, now=NOW, thresholds=LIMITS, seen={})
    assert {e.case.case_id for e in entries if e.overdue} == {"u2"}  # 18 minutes > 15; not urgent: 4 h
