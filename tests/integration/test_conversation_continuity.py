"""A conversation with a tipster never breaks (moto, the real pipeline and officer API): officer replies
name the tip and the unit; the citizen's answers go to that case, not to the bot, for days; with two
tips the citizen is asked which one or writes "<code>: ..."; a procedure question while writing a tip
is answered and kept; merged and closed-without-action tipsters are told once."""

from __future__ import annotations

import time
from typing import Any

from anninh.cases import store
from anninh.intake.pipeline import default_pipeline
from tests.integration.test_api_support import call, claims_for
from tests.integration.test_inbound_integration import envelope_for, outbox_texts, text_body
from tests.integration.test_inbound_support import FakeBot

CITIZEN = "8400000000000000512"
WARD_OA = "2200000000000000001"  # Công an phường Hiệp Tân
HOUR = 3_600_000
NOW = int(time.time() * 1000)  # officer replies are stamped with the real clock
T0 = NOW - 2 * HOUR  # the tips were sent two hours ago


def _say(pipeline: Any, text: str, at: int) -> Any:
    return pipeline.process(envelope_for(text_body(CITIZEN, text, at, oa=WARD_OA)))


def _reply(registry: Any, case_id: str, text: str) -> int:
    status, _ = call(
        "POST", f"/api/v1/tips/{case_id}/replies", claims_for(registry, "hieptan.canbo"), {"text": text}
    )
    return status


def test_answers_after_an_officer_reply_go_to_the_case_not_the_bot(aws_stack: Any, registry: Any) -> None:
    bot = FakeBot()
    pipeline = default_pipeline(bot=bot)
    opened = _say(pipeline, "Báo tin có người lạ đứng trước cổng trường tiểu học", T0)
    code, case_id = opened.tip.code, opened.tip.case_id
    outbox_texts(aws_stack)

    # Now, two hours later (the 30-minute grouping window has long closed), an officer asks a question.
    assert _reply(registry, case_id, "Anh/chị cho biết người đó mặc áo màu gì?") == 202
    (reply,) = outbox_texts(aws_stack)
    assert reply["message"]["text"].startswith(f"Về tin báo {code} — Công an phường Hiệp Tân:\n")

    answer = _say(pipeline, "Dạ người đó mặc áo khoác đen, đi xe máy màu đỏ", NOW)
    assert answer.action == "tip" and answer.tip.case_id == case_id and bot.turns == []
    case = store.default_store().get_case(case_id)
    assert case is not None and case.texts[-1] == "Dạ người đó mặc áo khoác đen, đi xe máy màu đỏ"
    assert outbox_texts(aws_stack) == []  # the bot does not answer it
    status, view = call("GET", f"/api/v1/tips/{case_id}", claims_for(registry, "hieptan.canbo"))
    assert status == 200 and "áo khoác đen" in str(view)

    # Eight days later the thread has ended: the bot answers again.
    later = _say(pipeline, "cho hỏi giờ làm việc", NOW + 8 * 24 * HOUR)
    assert later.action == "bot" and len(bot.turns) == 1


def test_two_open_tips_the_citizen_is_asked_which_or_prefixes_the_code(aws_stack: Any, registry: Any) -> None:
    bot = FakeBot()
    pipeline = default_pipeline(bot=bot)
    first = _say(pipeline, "Báo tin có nhóm thanh niên tụ tập gây ồn ào", T0)
    second = _say(pipeline, "Báo tin có xe tải đỗ chắn lối thoát hiểm", T0 + HOUR)
    assert (first.tip.case_id, second.tip.case_id) != (None, None)
    outbox_texts(aws_stack)
    assert _reply(registry, first.tip.case_id, "Nhóm này thường tụ tập lúc mấy giờ?") == 202
    assert _reply(registry, second.tip.case_id, "Xe tải biển số bao nhiêu?") == 202
    outbox_texts(aws_stack)

    asked = _say(pipeline, "khoảng 10 giờ đêm", T0 + 3 * HOUR)
    assert asked.action == "tip_choice" and bot.turns == []
    (question,) = outbox_texts(aws_stack)
    buttons = question["message"]["attachment"]["payload"]["buttons"]
    assert [b["title"] for b in buttons] == [second.tip.code, first.tip.code]  # the latest reply first
    assert buttons[1]["payload"] == f"{first.tip.code}: khoảng 10 giờ đêm"
    for case in (first, second):
        assert "khoảng 10 giờ đêm" not in (store.default_store().get_case(case.tip.case_id) or case).texts

    # The button (or the citizen typing the code, with spaces) puts it in that case.
    chosen = _say(pipeline, buttons[1]["payload"], T0 + 3 * HOUR + 5000)
    assert chosen.tip.case_id == first.tip.case_id
    spaced = first.tip.code.replace("-", " ")
    _say(pipeline, f"{second.tip.code.replace('-', ' ').lower()} biển số 51C-123.45", T0 + 3 * HOUR + 9000)
    assert store.default_store().get_case(first.tip.case_id).texts[-1] == "khoảng 10 giờ đêm"  # type: ignore[union-attr]
    assert store.default_store().get_case(second.tip.case_id).texts[-1] == "biển số 51C-123.45"  # type: ignore[union-attr]
    confirmations = [m["message"]["text"] for m in outbox_texts(aws_stack)]
    assert confirmations == [
        f"Đã bổ sung nội dung vào tin báo {first.tip.code}. Cảm ơn anh/chị.",
        f"Đã bổ sung nội dung vào tin báo {second.tip.code}. Cảm ơn anh/chị.",
    ]
    # "tra cứu" with a spaced code still finds one's own tip; "tra cứu" with words goes to the bot.
    _say(pipeline, f"tra cứu {spaced}", T0 + 4 * HOUR)
    assert first.tip.code in outbox_texts(aws_stack)[0]["message"]["text"]
    assert _say(pipeline, "tra cứu thủ tục tạm trú", T0 + 4 * HOUR + 1000).action == "bot"


def test_procedure_question_while_writing_a_tip_is_answered_and_kept(aws_stack: Any, registry: Any) -> None:
    bot = FakeBot()
    pipeline = default_pipeline(bot=bot)
    opened = _say(pipeline, "Báo tin nhà bên cạnh cho người lạ thuê trọ không khai báo", T0)
    outcome = _say(pipeline, "cho hỏi đăng ký tạm trú cần giấy tờ gì", T0 + 60_000)
    assert outcome.action == "bot" and len(bot.turns) == 1  # the bot answers it
    case = store.default_store().get_case(opened.tip.case_id)
    assert case is not None and case.texts[-1] == "cho hỏi đăng ký tạm trú cần giấy tờ gì"  # and it is kept
    follow = _say(pipeline, "họ ở đó khoảng 3 tháng rồi", T0 + 120_000)
    assert follow.action == "tip" and len(bot.turns) == 1


def test_merged_and_rejected_tipsters_are_told_once(aws_stack: Any, registry: Any) -> None:
    pipeline = default_pipeline(bot=FakeBot())
    first = _say(pipeline, "Báo tin có người bán hàng rong lấn chiếm vỉa hè", T0)
    pipeline.process(
        envelope_for(
            text_body("8400000000000000999", "Báo tin lấn chiếm vỉa hè bán hàng rong", T0 + 1000, oa=WARD_OA)
        )
    )
    other = store.default_store().list_unit_cases("p-hiep-tan")[0]
    outbox_texts(aws_stack)
    ward = claims_for(registry, "hieptan.canbo")
    status, _ = call("POST", f"/api/v1/tips/{other.case_id}/merge", ward, {"into": first.tip.case_id})
    assert status == 200
    (merged,) = outbox_texts(aws_stack)
    assert merged["user_id"] == "8400000000000000999"
    assert (
        f"gộp vào tin báo {first.tip.code}" in merged["message"]["text"]
        and other.code in merged["message"]["text"]
    )

    assert call("PATCH", f"/api/v1/tips/{first.tip.case_id}", ward, {"status": "rejected"})[0] == 200
    (closed,) = outbox_texts(aws_stack)
    assert first.tip.code in closed["message"]["text"] and "khép lại" in closed["message"]["text"]
    # Reopened (a commander) and rejected again: not told a second time.
    commander = claims_for(registry, "tanphu.chihuy")
    assert call("PATCH", f"/api/v1/tips/{first.tip.case_id}", commander, {"status": "in_review"})[0] == 200
    outbox_texts(aws_stack)
    assert call("PATCH", f"/api/v1/tips/{first.tip.case_id}", ward, {"status": "rejected"})[0] == 200
    assert [m for m in outbox_texts(aws_stack) if "khép lại" in m["message"]["text"]] == []
