"""Done when (issue 16): the 2022 registry with a few cases and a week of figures, then the 01/07/2025
merge through the API; open cases are visible to the new wards' officers with the same codes, the old
ward's figures before the date are unchanged, the new ward's figures after it include the merged OAs,
a tip naming an old ward reaches the new one, and a citizen of a merged ward's OA is told once.

The merge changes the registry, so this test runs on a local stack of its own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.stack import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DISTRICT_OA, HIEP_TAN_OA, PHU_THANH_OA, SON_KY_OA = (
    "2200000000000000000",
    "2200000000000000001",
    "2200000000000000003",
    "2200000000000000006",
)
JUNE_WEEK = {"from": "2025-06-24", "to": "2025-06-30"}
JULY = {"from": "2025-07-01", "to": "2025-07-03"}
FIGURES = ("followers", "follows", "messages_in", "tips")


def _ms(day: str, hour: int, n: int = 0) -> str:
    at = datetime.fromisoformat(f"{day}T{hour:02d}:00:00+07:00").astimezone(UTC)
    return str(int(at.timestamp() * 1000) + n)


def _text(user: str, oa_id: str, text: str, ts: str) -> dict[str, Any]:
    return {
        "event_name": "user_send_text",
        "sender": {"id": user},
        "recipient": {"id": oa_id},
        "user_id_by_app": f"app-{user}",
        "timestamp": ts,
        "message": {"msg_id": uuid.uuid4().hex, "text": text},
    }


def _follow(user: str, oa_id: str, ts: str) -> dict[str, Any]:
    return {
        "event_name": "follow",
        "oa_id": oa_id,
        "timestamp": ts,
        "user_id_by_app": f"app-{user}",
        "follower": {"id": user},
        "source": "oa_profile",
    }


def _location(user: str, oa_id: str, lat: float, lon: float, ts: str) -> dict[str, Any]:
    return {
        "event_name": "user_send_location",
        "sender": {"id": user},
        "recipient": {"id": oa_id},
        "timestamp": ts,
        "message": {
            "msg_id": uuid.uuid4().hex,
            "attachments": [
                {
                    "type": "location",
                    "payload": {"coordinates": {"latitude": str(lat), "longitude": str(lon)}},
                }
            ],
        },
    }


def test_the_2025_merge_on_a_running_stack_loses_nothing(stack_factory: Any) -> None:
    from scripts.demo_reorg import REGISTRY_2026, operator_fragment, request_body

    # The scenario replays June 2025 traffic (before the merge), older than the local stack's
    # 45-day webhook freshness window: this stack accepts events up to two years old.
    stack: LocalStack = stack_factory(
        env={"WEBHOOK_MAX_EVENT_AGE_SECONDS": str(2 * 365 * 86_400)}, name="reorg"
    )
    post = stack.sign_and_post

    # A week of June 2025 in three wards: follows, messages and three tips (one with a location).
    u = uuid.uuid4().hex[:6]
    events = []
    for i, day in enumerate(("2025-06-24", "2025-06-26", "2025-06-28", "2025-06-30")):
        events.append(_follow(f"f{i}-{u}", HIEP_TAN_OA, _ms(day, 8)))
        events.append(_text(f"f{i}-{u}", HIEP_TAN_OA, "làm căn cước mất bao lâu", _ms(day, 9)))
    events.append(_follow(f"p0-{u}", PHU_THANH_OA, _ms("2025-06-25", 8)))
    events.append(
        _text(f"t1-{u}", HIEP_TAN_OA, "Báo tin: có người lạ cạy khóa xe trong hẻm", _ms("2025-06-27", 10))
    )
    events.append(_text(f"t2-{u}", PHU_THANH_OA, "Báo tin: tụ tập gây ồn ào ban đêm", _ms("2025-06-29", 21)))
    events.append(_text(f"t3-{u}", SON_KY_OA, "Báo tin: mất trộm xe đạp trước nhà", _ms("2025-06-30", 7)))
    events.append(_location(f"t3-{u}", SON_KY_OA, 10.8125, 106.6222, _ms("2025-06-30", 7, 5000)))
    for event in events:
        assert post(event).status_code == 200

    district_commander = stack.login("tanphu.chihuy")

    def open_tips(token: str) -> dict[str, str]:
        reply = stack.api("GET", "tips", token, params={"open": "true", "limit": 100})
        assert reply.status_code == 200, reply.text
        return {t["code"]: t["unit_id"] for t in reply.json()["items"]}

    def three_cases() -> dict[str, str] | None:
        tips = open_tips(district_commander)
        return tips if len(tips) == 3 else None

    cases = stack.wait_for(three_cases, 120, "three open cases")
    by_unit = {unit: code for code, unit in cases.items()}
    assert set(by_unit) == {"p-hiep-tan", "p-phu-thanh", "p-son-ky"}

    def figures(token: str, unit: str, period: dict[str, str]) -> dict[str, Any]:
        reply = stack.api("GET", "stats", token, params={**period, "unit_id": unit})
        assert reply.status_code == 200, reply.text
        return {k: reply.json()[k] for k in FIGURES}

    def fed_june() -> dict[str, Any] | None:
        got = figures(district_commander, "p-hiep-tan", JUNE_WEEK)
        return got if got["messages_in"] == 5 and got["follows"] == 4 else None

    june_before = stack.wait_for(fed_june, 120, "June figures counted")
    assert june_before == {"followers": 4, "follows": 4, "messages_in": 5, "tips": 1}

    # The operator puts the city above the district; the city's admin merges (dry run, then apply).
    registry_2022 = stack.registry
    import json

    registry_2026 = json.loads(REGISTRY_2026.read_text(encoding="utf-8"))
    added = stack.http.post("/_local/registry", json=operator_fragment(registry_2022, registry_2026))
    assert added.status_code == 200, added.text
    admin = stack.login("hcm.quantri")
    body = request_body()
    preview = stack.api("POST", "reorganizations", admin, json={**body, "dry_run": True})
    assert preview.status_code == 200, preview.text
    assert preview.json()["counts"]["open_cases"] == 3 and preview.json()["counts"]["oas"] == 18
    assert open_tips(district_commander) == cases  # a dry run moves nothing
    applied = stack.api("POST", "reorganizations", admin, json=body)
    assert applied.status_code == 201, applied.text
    assert applied.json()["id"] and applied.json()["counts"] == preview.json()["counts"]

    # Every open case is visible to the new wards' officers, same code.
    phu_thanh_officer = stack.login("hieptan.canbo")  # moved to the new phường Phú Thạnh
    tay_thanh_officer = stack.login("taythanh.canbo")  # moved to the new phường Tây Thạnh
    assert open_tips(phu_thanh_officer) == {
        by_unit["p-hiep-tan"]: "hcm-phu-thanh",
        by_unit["p-phu-thanh"]: "hcm-phu-thanh",
    }
    assert open_tips(tay_thanh_officer) == {by_unit["p-son-ky"]: "hcm-tay-thanh"}  # split by location

    # The old ward's figures before the date are unchanged (asked by the city's commander).
    city_commander = stack.login("hcm.chihuy")
    assert figures(city_commander, "p-hiep-tan", JUNE_WEEK) == june_before

    # July: the merged OAs count for the new ward.
    citizen = f"f0-{u}"
    for event in (
        _text(citizen, HIEP_TAN_OA, "cho hỏi giờ làm việc", _ms("2025-07-01", 9)),
        _text(citizen, HIEP_TAN_OA, "làm căn cước mất bao lâu", _ms("2025-07-02", 9)),
        _text(f"p0-{u}", PHU_THANH_OA, "đăng ký tạm trú ở đâu", _ms("2025-07-03", 9)),
    ):
        assert post(event).status_code == 200

    def fed_july() -> dict[str, Any] | None:
        got = figures(city_commander, "hcm-phu-thanh", JULY)
        return got if got["messages_in"] == 3 else None

    july = stack.wait_for(fed_july, 120, "July figures of the new ward")
    assert july["followers"] == 5  # the merged OAs' followers now belong to the new ward
    assert figures(city_commander, "p-hiep-tan", JULY)["messages_in"] == 0
    # A citizen writing to the merged ward's OA today is told once which unit now serves them (the
    # July replies above are outside Zalo's reply window, so they were kept, not sent).
    notice = "kênh Zalo này nay do Công an phường Phú Thạnh phục vụ"
    writer = f"n-{u}"
    assert post(stack.text_event(writer, "menu", oa_id=HIEP_TAN_OA)).status_code == 200
    stack.wait_for(
        lambda: any(notice in r["body"]["message"].get("text", "") for r in stack.sent(writer, HIEP_TAN_OA)),
        120,
        "the notice",
    )
    assert post(stack.text_event(writer, "menu", oa_id=HIEP_TAN_OA)).status_code == 200

    def two_menus() -> list[str] | None:
        texts = [r["body"]["message"].get("text", "") for r in stack.sent(writer, HIEP_TAN_OA)]
        return texts if sum("Đây là kênh hỗ trợ của" in t for t in texts) >= 2 else None

    texts = stack.wait_for(two_menus, 120, "two menus")
    assert sum(notice in t for t in texts) == 1
    assert all("Công an phường Hiệp Tân" not in t for t in texts if "Đây là kênh hỗ trợ của" in t)

    # A tip to the city's OA (the district's, moved) naming an old ward reaches the new ward.
    tipster = f"t4-{u}"
    assert (
        post(
            _text(tipster, DISTRICT_OA, "Báo tin: trộm xe máy ở hẻm 7 phường Hiệp Tân", _ms("2025-07-03", 20))
        ).status_code
        == 200
    )

    def routed() -> dict[str, str] | None:
        tips = open_tips(phu_thanh_officer)
        return tips if len(tips) == 3 else None

    now_open = stack.wait_for(routed, 120, "the tip routed to the new phường Phú Thạnh")
    assert set(now_open.values()) == {"hcm-phu-thanh"}
