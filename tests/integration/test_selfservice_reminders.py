"""RemindersFunction: the evening job puts tomorrow's queue reminders on the outbox, once per ticket."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from anninh import aws, queueing
from anninh.clock import VN_TZ, utcnow
from anninh.settings import get_settings
from tests.conftest import load_event


def _outbox() -> list[dict[str, Any]]:
    sqs = aws.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=get_settings().outbox_queue_url, MaxNumberOfMessages=10)
        if not got.get("Messages"):
            return out
        out.extend(json.loads(m["Body"]) for m in got["Messages"])


def test_queue_reminders_job_enqueues_tomorrows_tickets(aws_stack: Any) -> None:
    from localcloud.lambdas import invoke

    place = queueing.Place(
        place_id="every-day",
        unit_id="tan-phu",
        name="Điểm làm việc cả tuần",
        capacity=10,
        working_days=list(range(7)),
    )
    queueing.service().save_place(place)
    now = utcnow()
    tomorrow = now.astimezone(VN_TZ).date() + timedelta(days=1)
    ticket = (
        queueing.service()
        .take_number(place, tomorrow, oa_id="2200000000000000000", user_id="u1", unit_id="tan-phu", now=now)
        .ticket
    )
    assert ticket is not None
    result = invoke("RemindersFunction", load_event("schedule_queue_reminders.json"))
    assert result == {"job": "queue-reminders", "reminders": 1}
    (message,) = _outbox()
    assert message["key"] == f"queue-remind:{ticket.ref}" and message["origin"] == "reminder"
    assert "Số thứ tự của anh/chị: 1" in message["message"]["text"]
