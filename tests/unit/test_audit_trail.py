"""The audit trail on an in-memory store: every record kept, per target and per officer, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anninh.audit import AuditTrail, InvalidCursor
from anninh.audit.rules import decode_key_cursor
from tests.fakes.audit import InMemoryAuditStore

T0 = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)


def test_records_are_appended_under_the_lower_case_officer_and_read_newest_first() -> None:
    trail = AuditTrail(InMemoryAuditStore())
    trail.record("CanBo.A", "case.read", "case", "c1", at=T0)
    trail.record(
        "canbo.a", "case.update", "case", "c1", before={"status": "new"}, at=T0 + timedelta(minutes=1)
    )
    denied = trail.record(
        "canbo.b", "case.read", "case", "c1", outcome="denied", at=T0 + timedelta(minutes=2)
    )
    assert (
        denied.actor == "canbo.b" and denied.outcome == "denied" and denied.at == "2026-05-10T03:02:00.000Z"
    )
    page, cursor = trail.list_for_target("case", "c1", limit=2)
    assert [r.action for r in page] == ["case.read", "case.update"] and cursor
    rest, end = trail.list_for_target("case", "c1", limit=2, cursor=cursor)
    assert [r.actor for r in rest] == ["canbo.a"] and end is None
    mine, _ = trail.list_for_officer("CANBO.A")
    assert [r.action for r in mine] == ["case.update", "case.read"]


def test_a_cursor_the_api_did_not_issue_is_refused() -> None:
    with pytest.raises(InvalidCursor):
        decode_key_cursor("not a cursor")
    with pytest.raises(InvalidCursor):
        decode_key_cursor("WzFd")  # "[1]": valid base64 JSON, but not a key
    assert decode_key_cursor(None) is None
