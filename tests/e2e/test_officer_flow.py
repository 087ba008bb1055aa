"""A ward officer handles a tip on the local stack, as a new user would, and the citizen sees it.

Citizen: "báo tin ..." + a photo to the Hiệp Tân OA. Officer (signed in through Cognito): inbox, case
with its photo (presigned URL that really serves the bytes), mark valuable and in review, reply, add
an internal note, forward to the criminal police team; the team resolves it. The fake Zalo's record
then shows, in order, the "being verified" notice, the officer's reply and the "resolved" notice —
each once — and never the internal note.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

HIEP_TAN_OA = "2200000000000000001"


def _texts(records: list[dict[str, Any]]) -> list[str]:
    out = []
    for record in records:
        message = (record.get("body") or {}).get("message") or {}
        if isinstance(message.get("text"), str):
            out.append(message["text"])
    return out


def _event(user_id: str, name: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_name": name,
        "sender": {"id": user_id},
        "recipient": {"id": HIEP_TAN_OA},
        "user_id_by_app": user_id,
        "message": {"msg_id": uuid.uuid4().hex, **message},
    }


@pytest.mark.e2e
def test_ward_officer_handles_a_tip_end_to_end(local_stack: Any) -> None:
    citizen = f"e2e-citizen-{uuid.uuid4().hex[:8]}"
    text = "Báo tin có nhóm thanh niên tụ tập đánh bạc trong hẻm 45 đường Lũy Bán Bích"
    assert local_stack.sign_and_post(_event(citizen, "user_send_text", {"text": text})).status_code == 200
    photo = f"{local_stack.base_url}/_local/zalo-cdn/{uuid.uuid4().hex[:8]}.jpg"
    image = _event(
        citizen,
        "user_send_image",
        {"text": "", "attachments": [{"type": "image", "payload": {"url": photo, "thumbnail": photo}}]},
    )
    assert local_stack.sign_and_post(image).status_code == 200
    before = len(local_stack.wait_sent(citizen, count=1))  # the acknowledgement with the case code

    token = local_stack.login("hieptan.canbo")

    def find_case() -> dict[str, Any] | None:
        response = local_stack.api("GET", "/tips", token=token, params={"q": "hẻm 45 Lũy Bán Bích"})
        page = response.json()
        return page["items"][0] if page["items"] and page["items"][0]["media_count"] >= 1 else None

    row = local_stack.wait_for(find_case, 30, "the tip with its photo in the inbox")
    tip = row["case_id"]

    def stored_photo() -> dict[str, Any] | None:
        detail = local_stack.api("GET", f"/tips/{tip}", token=token).json()
        urls = [m for m in detail["media"] if m.get("url")]
        return detail if urls else None

    detail = local_stack.wait_for(stored_photo, 30, "the photo stored in S3")
    assert citizen not in str(detail)
    jpeg = httpx.get(detail["media"][0]["url"], timeout=10)
    assert jpeg.status_code == 200 and jpeg.content[:2] == b"\xff\xd8"

    assert (
        local_stack.api(
            "PATCH", f"/tips/{tip}", token=token, json={"status": "in_review", "valuable": True}
        ).status_code
        == 200
    )
    reply = "Cảm ơn anh/chị. Công an phường đang cử lực lượng kiểm tra khu vực hẻm 45."
    assert (
        local_stack.api("POST", f"/tips/{tip}/replies", token=token, json={"text": reply}).status_code == 202
    )
    note = "Nội bộ: đã phối hợp tổ dân phố 7"
    assert local_stack.api("POST", f"/tips/{tip}/notes", token=token, json={"text": note}).status_code == 201
    forwarded = local_stack.api(
        "POST",
        f"/tips/{tip}/forward",
        token=token,
        json={"unit_id": "doi-hinh-su", "note": "Chuyển Đội Cảnh sát hình sự"},
    )
    assert forwarded.status_code == 200 and forwarded.json()["status"] == "forwarded"
    assert local_stack.api("GET", f"/tips/{tip}", token=token).status_code == 404  # no longer the ward's

    team = local_stack.login("doihinhsu.canbo")
    assert (
        local_stack.api("PATCH", f"/tips/{tip}", token=team, json={"status": "in_review"}).status_code == 200
    )
    resolved = local_stack.api(
        "PATCH", f"/tips/{tip}", token=team, json={"status": "resolved", "outcome": "administrative_fine"}
    )
    assert resolved.status_code == 200

    records = local_stack.wait_sent(citizen, count=before + 3, timeout=30)
    after = _texts(records[before:])
    code = row["code"]
    officer_side = [t for t in after if code in t]
    assert len(officer_side) == 3, after
    # The officer's reply says which tip and which unit it is about.
    assert officer_side[1] == f"Về tin báo {code} — Công an phường Hiệp Tân:\n{reply}"
    assert "xác minh" in officer_side[0]
    assert "xử lý xong" in officer_side[2]
    assert not any(note in t for t in _texts(records))
