"""A conversation with a tipster on the running local stack: a tip sent two hours ago, an officer's
reply now (it names the tip and the unit), and the citizen's answer now: the answer is in that case,
the officer sees it in the case view, and the bot does not answer it."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.stack import LocalStack

pytestmark = pytest.mark.e2e
HIEP_TAN_OA = "2200000000000000001"


def test_answer_to_an_officer_goes_to_the_case_not_the_bot(local_stack: LocalStack) -> None:
    stack = local_stack
    citizen = "84" + str(uuid.uuid4().int)[:17]
    tip = stack.text_event(
        citizen, "Báo tin có người lạ hay đứng trước cổng trường tiểu học", oa_id=HIEP_TAN_OA
    )
    tip["timestamp"] = str(int(time.time() * 1000) - 2 * 3600 * 1000)  # two hours ago
    assert stack.sign_and_post(tip).status_code == 200
    (ack,) = stack.wait_sent(citizen, count=1, timeout=30)
    code = ack["body"]["message"]["text"].split("Mã tin báo: ")[1].split(".")[0]

    token = stack.login("hieptan.canbo")
    case = next(t for t in stack.api("GET", "/tips", token=token).json()["items"] if t["code"] == code)
    question = "Anh/chị cho biết người đó mặc áo màu gì?"
    assert (
        stack.api(
            "POST", f"/tips/{case['case_id']}/replies", token=token, json={"text": question}
        ).status_code
        == 202
    )
    sent = stack.wait_sent(citizen, count=2, timeout=30)
    assert sent[1]["body"]["message"]["text"] == f"Về tin báo {code} — Công an phường Hiệp Tân:\n{question}"

    answer = "Dạ người đó mặc áo khoác đen, đi xe máy màu đỏ"
    assert stack.sign_and_post(stack.text_event(citizen, answer, oa_id=HIEP_TAN_OA)).status_code == 200

    def in_case_view() -> bool:
        view = stack.api("GET", f"/tips/{case['case_id']}", token=token).json()
        return answer in str(view)

    stack.wait_for(in_case_view, 30, "the citizen's answer in the officer's case view")
    time.sleep(2)  # anything the bot would have said is on its way by now
    assert len(stack.sent(citizen)) == 2, stack.sent(citizen)
