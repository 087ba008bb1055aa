"""The inbox API through ApiFunction: views and counts, unread marks, presence, bulk spam, blocking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from anninh import conversations
from tests.integration.test_api_support import call, claims_for, open_case


def test_views_counts_unread_presence_bulk_and_block(aws_stack: Any, registry: Any) -> None:
    officer, colleague = claims_for(registry, "phutrung.canbo"), claims_for(registry, "phutrung.chihuy")
    old = open_case(registry, "p-phu-trung", created_at=datetime.now(UTC) - timedelta(hours=30))
    fresh = open_case(registry, "p-phu-trung", text="Báo tin có đối tượng cướp giật điện thoại", urgent=True)
    prank = open_case(registry, "p-phu-trung", text="Alo alo thử xem công an có trả lời không")
    other_ward = open_case(registry, "p-son-ky")

    status, body = call("GET", "/api/v1/inbox", officer, query={"view": "unit"})
    assert status == 200, body
    ids = [i["case_id"] for i in body["items"]]
    assert set(ids) == {old.case_id, fresh.case_id, prank.case_id} and ids[0] == fresh.case_id  # urgent first
    assert other_ward.case_id not in ids
    assert body["views"]["unit"] == {"total": 3, "unread": 3}
    assert body["views"]["overdue"]["total"] == 1  # "new" for 30 hours
    status, overdue = call("GET", "/api/v1/inbox", officer, query={"view": "overdue"})
    assert [i["case_id"] for i in overdue["items"]] == [old.case_id]

    # Assigning to a colleague of the unit; the "mine" view of each follows.
    status, _ = call("PATCH", f"/api/v1/tips/{old.case_id}", officer, {"assignee": "phutrung.chihuy"})
    assert status == 200
    _, mine = call("GET", "/api/v1/inbox", colleague, query={"view": "mine"})
    assert [i["case_id"] for i in mine["items"]] == [old.case_id]
    _, unassigned = call("GET", "/api/v1/inbox", officer, query={"view": "unassigned"})
    assert old.case_id not in [i["case_id"] for i in unassigned["items"]]

    # Opening a case marks it read and tells a second officer someone is on it.
    status, presence = call("POST", f"/api/v1/tips/{fresh.case_id}/presence", officer)
    assert status == 200 and presence["others"] == []
    _, presence = call("POST", f"/api/v1/tips/{fresh.case_id}/presence", colleague)
    assert presence["others"] == ["phutrung.canbo"]
    _, counts = call("GET", "/api/v1/inbox/counts", officer)
    assert counts["views"]["unit"]["unread"] == 2
    # The assignment was an officer action: the old case is no longer idle, so nothing is overdue.
    assert counts["badges"]["overdue"] == counts["views"]["overdue"]["total"] == 0
    assert set(counts["badges"]) == {"handoffs", "undelivered", "overdue"}
    # A citizen the bot handed to an officer of the ward shows on the badge (another ward's does not).
    waiting = counts["badges"]["handoffs"]
    talks = conversations.service()
    at = datetime.now(UTC)
    for citizen, unit in (("84900000101", "p-phu-trung"), ("84900000102", "p-son-ky")):
        talks.ensure_state("2200000000000000005", citizen, unit, at)
        talks.set_handoff("2200000000000000005", citizen, unit, at)
    _, counts = call("GET", "/api/v1/inbox/counts", officer)
    assert counts["badges"]["handoffs"] == waiting + 1

    # Bulk spam: the prank leaves every view; a case of another ward is refused, not changed.
    status, bulk = call(
        "POST",
        "/api/v1/inbox/bulk",
        officer,
        {"case_ids": [prank.case_id, other_ward.case_id], "status": "spam"},
    )
    assert status == 200 and (bulk["changed"], bulk["failed"]) == (1, 1)
    _, body = call("GET", "/api/v1/inbox", officer)
    assert prank.case_id not in [i["case_id"] for i in body["items"]]
    assert call("POST", "/api/v1/inbox/bulk", officer, {"case_ids": [prank.case_id], "status": "x"})[0] == 422

    # Block the prankster (audited), then unblock.
    status, block = call(
        "POST", f"/api/v1/tips/{prank.case_id}/block", officer, {"reason": "Nhắn trêu nhiều lần"}
    )
    assert status == 200 and block["blocked"] is True
    from anninh.cases import store

    assert store.default_store().is_blocked(prank.oa_id, prank.user_id)
    _, got = call("GET", f"/api/v1/tips/{prank.case_id}/block", officer)
    assert got["blocked"] is True
    _, trail = call("GET", f"/api/v1/tips/{prank.case_id}/audit", officer)
    assert "citizen.block" in str(trail)
    assert call("DELETE", f"/api/v1/tips/{prank.case_id}/block", officer)[1]["blocked"] is False
    assert not store.default_store().is_blocked(prank.oa_id, prank.user_id)
    assert (
        call(
            "POST",
            f"/api/v1/tips/{prank.case_id}/block",
            claims_for(registry, "sonky.canbo"),
            {"reason": "xxxxxx"},
        )[0]
        == 404
    )


def test_duplicate_suggestions_are_listed_and_merged_from_a_suggestion(aws_stack: Any, registry: Any) -> None:
    from anninh import aws, keys

    officer = claims_for(registry, "tanthanh.canbo")
    first = open_case(registry, "p-tan-thanh", text="Báo tin trộm xe máy ở hẻm 12 Tân Thành")
    second = open_case(registry, "p-tan-thanh", text="Có trộm xe máy ở hẻm 12 Tân Thành tối nay")
    foreign = open_case(registry, "p-son-ky", text="Trộm xe máy hẻm 12")
    aws.table().update_item(
        Key={"PK": keys.case_pk(second.case_id), "SK": "CASE"},
        UpdateExpression="SET extra = :e",
        ExpressionAttributeValues={":e": {"possible_duplicates": [first.code, foreign.code, "XX-0000-0000"]}},
    )
    status, body = call("GET", f"/api/v1/tips/{second.case_id}/duplicates", officer)
    assert status == 200 and [i["code"] for i in body["items"]] == [first.code]  # never another ward's
    status, merged = call(
        "POST", f"/api/v1/tips/{second.case_id}/merge", officer, {"into": body["items"][0]["case_id"]}
    )
    assert status == 200 and merged["merged_into"] == first.case_id
    _, body = call("GET", "/api/v1/inbox", officer)
    assert second.case_id not in [i["case_id"] for i in body["items"]]  # a duplicate is not work
