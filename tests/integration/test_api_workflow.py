"""Officer API: the status workflow, citizen notices and replies, forwarding, merging, reveal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.test_api_support import (
    call,
    claims_for,
    open_case,
    outbox_messages,
)

WARD = "hieptan.canbo"
WARD_COMMANDER = "hieptan.chihuy"
COMMANDER = "tanphu.chihuy"


def test_review_then_resolve_tells_the_citizen_twice_and_only_twice(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan", user_id="zalo-citizen-1")
    ward = claims_for(registry, WARD)

    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"status": "in_review"})
    assert status == 200 and body["status"] == "in_review" and body["first_response_at"]
    status, body = call(
        "PATCH",
        f"/api/v1/tips/{case.case_id}",
        ward,
        {"status": "verified", "valuable": True, "outcome": "arrest", "note": "Đã xác minh"},
    )
    assert status == 200 and body["valuable"] is True and body["outcome"] == "arrest"
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"status": "resolved"})
    assert status == 200 and body["resolved_at"]

    sent = outbox_messages(aws_stack)
    assert [m["key"] for m in sent] == [f"notice:{case.case_id}:in_review", f"notice:{case.case_id}:resolved"]
    assert all(m["user_id"] == "zalo-citizen-1" and m["oa_id"] == case.oa_id for m in sent)
    assert case.code in sent[0]["message"]["text"] and "xác minh" in sent[0]["message"]["text"]
    assert case.code in sent[1]["message"]["text"] and "xử lý xong" in sent[1]["message"]["text"]
    # The internal note is never sent.
    assert not any("Đã xác minh" in m["message"]["text"] for m in sent)

    _, detail = call("GET", f"/api/v1/tips/{case.case_id}", ward)
    kinds = [e["kind"] for e in detail["history"] if e.get("by") == WARD]
    assert kinds.count("status") == 3 and "valuable" in kinds and "outcome" in kinds
    assert [n["text"] for n in detail["notes"]] == ["Đã xác minh"]


def test_disallowed_transitions_are_409_and_reopening_is_for_commanders(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan")
    ward = claims_for(registry, WARD)
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"status": "resolved"})
    assert status == 409 and body["error"]["code"] == "transition_not_allowed"
    assert body["error"]["details"] == {"from": "new", "to": "resolved", "reason": None}
    status, _ = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"status": "forwarded"})
    assert status == 409  # forwarding needs another unit
    assert call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"status": "spam"})[0] == 200
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"status": "in_review"})
    assert status == 409 and "commander" in body["error"]["details"]["reason"]
    status, body = call(
        "PATCH", f"/api/v1/tips/{case.case_id}", claims_for(registry, WARD_COMMANDER), {"status": "in_review"}
    )
    assert status == 200 and body["status"] == "in_review"


def test_a_stale_version_is_a_conflict(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan")
    ward = claims_for(registry, WARD)
    _, seen = call("GET", f"/api/v1/tips/{case.case_id}", ward)
    assert (
        call(
            "PATCH",
            f"/api/v1/tips/{case.case_id}",
            ward,
            {"assignee": "hieptan.chihuy", "version": seen["version"]},
        )[0]
        == 200
    )
    status, body = call(
        "PATCH", f"/api/v1/tips/{case.case_id}", ward, {"status": "in_review", "version": seen["version"]}
    )
    assert status == 409 and body["error"]["code"] == "stale_version"


def test_assignee_must_belong_to_the_unit(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan")
    ward = claims_for(registry, WARD)
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"assignee": "hoathanh.canbo"})
    assert status == 422
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"assignee": "hieptan.canbo"})
    assert status == 200 and body["assignee"] == "hieptan.canbo"
    status, page = call("GET", "/api/v1/tips", ward, query={"assignee": "hieptan.canbo"})
    assert [i["case_id"] for i in page["items"]] == [case.case_id]
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", ward, {"assignee": None})
    assert status == 200 and body["assignee"] is None


def test_reply_goes_through_the_outbox_once_per_idempotency_key(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan", user_id="zalo-citizen-2")
    ward = claims_for(registry, WARD)
    body = {"text": "Cảm ơn anh/chị, chúng tôi đang xác minh.", "idempotency_key": "k1"}
    status, first = call("POST", f"/api/v1/tips/{case.case_id}/replies", ward, body)
    assert status == 202, first
    assert first["key"] == f"reply:{case.case_id}:k1"
    status, again = call("POST", f"/api/v1/tips/{case.case_id}/replies", ward, body)
    assert status == 202 and again["key"] == first["key"]
    sent = outbox_messages(aws_stack)
    assert len(sent) == 1  # the FIFO outbox drops the duplicate key
    assert sent[0]["origin"] == "officer" and sent[0]["officer"] == WARD
    # The citizen reads which tip and which unit the officer writes about.
    expected = f"Về tin báo {case.code} — Công an phường Hiệp Tân:\n{body['text']}"
    assert sent[0]["message"] == {"text": expected} and sent[0]["user_id"] == "zalo-citizen-2"
    _, detail = call("GET", f"/api/v1/tips/{case.case_id}", ward)
    assert detail["first_response_at"]


def test_forward_with_info_copies_read_only(aws_stack, registry):
    case = open_case(registry, "p-hiep-tan")
    ward = claims_for(registry, WARD)
    team = claims_for(registry, "doihinhsu.canbo")
    info = claims_for(registry, "hoathanh.canbo")
    status, body = call(
        "POST",
        f"/api/v1/tips/{case.case_id}/forward",
        ward,
        {"unit_id": "doi-hinh-su", "info_unit_ids": ["p-hoa-thanh"], "note": "Chuyển Đội hình sự"},
    )
    assert status == 200 and body["status"] == "forwarded" and body["unit_id"] == "doi-hinh-su"

    # The sending ward no longer sees it; the team does and takes it up.
    assert call("GET", f"/api/v1/tips/{case.case_id}", ward)[0] == 404
    _, page = call("GET", "/api/v1/tips", team)
    assert [i["case_id"] for i in page["items"]] == [case.case_id]
    assert call("PATCH", f"/api/v1/tips/{case.case_id}", team, {"status": "in_review"})[0] == 200

    # The info unit reads it (marked as a copy) but cannot change it.
    _, page = call("GET", "/api/v1/tips", info)
    assert [(i["case_id"], i["access"]) for i in page["items"]] == [(case.case_id, "info")]
    status, detail = call("GET", f"/api/v1/tips/{case.case_id}", info)
    assert status == 200 and detail["access"] == "info" and detail["status_options"] == []
    status, body = call("PATCH", f"/api/v1/tips/{case.case_id}", info, {"status": "resolved"})
    assert status == 403 and body["error"]["code"] == "forbidden"


def test_merge_marks_the_duplicate(aws_stack, registry):
    first = open_case(registry, "p-hiep-tan")
    dup = open_case(registry, "p-hiep-tan")
    ward = claims_for(registry, WARD)
    status, body = call("POST", f"/api/v1/tips/{dup.case_id}/merge", ward, {"into": first.case_id})
    assert status == 200 and body["merged_into"] == first.case_id
    _, target = call("GET", f"/api/v1/tips/{first.case_id}", ward)
    assert target["merged_from"] == [dup.case_id]
    other = open_case(registry, "p-hoa-thanh")
    assert call("POST", f"/api/v1/tips/{first.case_id}/merge", ward, {"into": other.case_id})[0] == 404


def test_reveal_is_commander_only_with_a_reason_and_audited(aws_stack, registry):
    from anninh import followers

    case = open_case(registry, "p-hiep-tan", user_id="zalo-tipster-9")
    followers.follow(case.oa_id, "zalo-tipster-9", datetime.now(UTC))
    followers.submit_info(
        case.oa_id, "zalo-tipster-9", {"name": "Nguyễn Văn A", "phone": "0901234567"}, datetime.now(UTC)
    )
    reason = {"reason": "Cần liên hệ nhân chứng để lấy lời khai"}
    status, body = call("POST", f"/api/v1/tips/{case.case_id}/reveal", claims_for(registry, WARD), reason)
    assert status == 403
    status, body = call(
        "POST", f"/api/v1/tips/{case.case_id}/reveal", claims_for(registry, WARD_COMMANDER), {"reason": "xem"}
    )
    assert status == 422
    status, body = call(
        "POST", f"/api/v1/tips/{case.case_id}/reveal", claims_for(registry, WARD_COMMANDER), reason
    )
    assert status == 200 and body["user_id"] == "zalo-tipster-9"
    assert body["shared_info"] == {"name": "Nguyễn Văn A", "phone": "0901234567"}
    # Another ward's commander cannot unseal it.
    status, _ = call(
        "POST", f"/api/v1/tips/{case.case_id}/reveal", claims_for(registry, "hoathanh.chihuy"), reason
    )
    assert status == 404
    _, trail = call("GET", f"/api/v1/tips/{case.case_id}/audit", claims_for(registry, WARD_COMMANDER))
    reveals = [(r["actor"], r["outcome"]) for r in trail["items"] if r["action"] == "case.reveal"]
    assert ("hieptan.chihuy", "allowed") in reveals and (WARD, "denied") in reveals
    assert ("hoathanh.chihuy", "denied") in reveals
    allowed = next(r for r in trail["items"] if r["action"] == "case.reveal" and r["outcome"] == "allowed")
    assert allowed["reason"] == reason["reason"]


def test_inbox_pages_across_units_newest_first_without_gaps_or_repeats(aws_stack, registry):
    start = datetime.now(UTC) - timedelta(hours=3)
    made = [
        open_case(registry, unit, created_at=start + timedelta(minutes=i))
        for i, unit in enumerate(["p-hiep-tan", "p-hoa-thanh", "p-hiep-tan", "doi-hinh-su", "p-son-ky"])
    ]
    commander = claims_for(registry, COMMANDER)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        status, page = call("GET", "/api/v1/tips", commander, query={"limit": 2, "cursor": cursor})
        assert status == 200 and page["count"] == len(page["items"]) <= 2
        seen += [i["case_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [c.case_id for c in reversed(made)]


def test_filters_text_search_dates_and_urgent_first(aws_stack, registry):
    old = open_case(
        registry,
        "p-hiep-tan",
        text="Phát hiện đối tượng trộm chó",
        created_at=datetime(2026, 1, 5, 3, tzinfo=UTC),
    )
    urgent = open_case(
        registry,
        "p-hiep-tan",
        text="Có cướp giật điện thoại",
        urgent=True,
        created_at=datetime.now(UTC) - timedelta(hours=2),
    )
    recent = open_case(registry, "p-hiep-tan", text="Tiếng ồn karaoke khuya")
    ward = claims_for(registry, WARD)
    _, page = call("GET", "/api/v1/tips", ward, query={"q": "TROM CHO"})
    assert [i["case_id"] for i in page["items"]] == [old.case_id]
    _, page = call("GET", "/api/v1/tips", ward, query={"since": "2026-02-01"})
    assert old.case_id not in {i["case_id"] for i in page["items"]}
    _, page = call("GET", "/api/v1/tips", ward, query={"until": "2026-01-05"})
    assert [i["case_id"] for i in page["items"]] == [old.case_id]
    _, page = call("GET", "/api/v1/tips", ward, query={"urgent": "true"})
    assert [i["case_id"] for i in page["items"]] == [urgent.case_id]
    _, page = call("GET", "/api/v1/tips", ward, query={"order": "urgent"})
    assert [i["case_id"] for i in page["items"]] == [urgent.case_id, recent.case_id, old.case_id]
    _, page = call("GET", "/api/v1/tips", ward, query={"status": "in_review"})
    assert page["items"] == [] and page["count"] == 0


def test_media_is_served_through_short_lived_presigned_urls(aws_stack, registry):
    import boto3

    from anninh.settings import get_settings

    case = open_case(registry, "p-hiep-tan")
    bucket = get_settings().media_bucket
    s3 = boto3.client("s3", region_name="ap-southeast-1")
    s3.put_object(Bucket=bucket, Key=f"cases/{case.case_id}/photo.jpg", Body=b"\xff\xd8jpeg")
    table = boto3.resource("dynamodb", region_name="ap-southeast-1").Table(get_settings().table_name)
    table.put_item(
        Item={
            "PK": f"CASE#{case.case_id}",
            "SK": "MEDIA#0001#0",
            "type": "media",
            "kind": "image",
            "status": "stored",
            "s3_key": f"cases/{case.case_id}/photo.jpg",
            "url": "https://photo-zalo.zadn.vn/secret.jpg",
            "content_type": "image/jpeg",
            "stored_at": "2026-11-28T00:00:00.000Z",
        }
    )
    _, detail = call("GET", f"/api/v1/tips/{case.case_id}", claims_for(registry, WARD))
    [media] = detail["media"]
    assert media["kind"] == "image" and "X-Amz-Expires=300" in media["url"]
    assert "zadn.vn" not in str(detail)
