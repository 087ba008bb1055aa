"""Partial batch responses: only failed records come back; FIFO order holds; an all-failed batch raises."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from anninh.sqs_batch import BatchFailed, SqsRecord, process, process_models


def _event(*records: tuple[str, str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message_id,
                "body": message_id,
                "attributes": {"ApproximateReceiveCount": "2", "MessageGroupId": group},
            }
            for message_id, group in records
        ]
    }


def _failing(*bad: str) -> tuple[list[str], Any]:
    seen: list[str] = []

    def handler(record: SqsRecord) -> None:
        seen.append(record.body)
        if record.message_id in bad:
            raise RuntimeError(record.message_id)

    return seen, handler


def test_a_standard_queue_reports_only_the_failed_records() -> None:
    seen, handler = _failing("b")
    result = process(_event(("a", "g1"), ("b", "g1"), ("c", "g2")), handler)
    assert seen == ["a", "b", "c"]
    assert result == {"batchItemFailures": [{"itemIdentifier": "b"}]}


def test_a_fifo_queue_stops_at_the_first_failure_or_skips_only_its_group() -> None:
    event = _event(("a", "g1"), ("b", "g1"), ("c", "g2"), ("d", "g1"))
    seen, handler = _failing("b")
    assert process(event, handler, fifo=True)["batchItemFailures"] == [
        {"itemIdentifier": m} for m in ("b", "c", "d")
    ]
    assert seen == ["a", "b"]
    seen, handler = _failing("b")
    result = process(event, handler, fifo=True, skip_group_on_error=True)
    assert seen == ["a", "b", "c"] and [f["itemIdentifier"] for f in result["batchItemFailures"]] == [
        "b",
        "d",
    ]


def test_an_all_failed_batch_raises_unless_asked_to_report_it() -> None:
    _, handler = _failing("a", "b")
    with pytest.raises(BatchFailed) as caught:
        process(_event(("a", "g"), ("b", "g")), handler)
    assert len(caught.value.errors) == 2
    result = process(_event(("a", "g"), ("b", "g")), handler, raise_on_entire_batch_failure=False)
    assert len(result["batchItemFailures"]) == 2
    assert process({"Records": []}, handler) == {"batchItemFailures": []}


def test_record_fields() -> None:
    record = SqsRecord(_event(("m1", "grp"))["Records"][0])
    assert (record.message_id, record.body, record.receive_count, record.group_id) == ("m1", "m1", 2, "grp")
    assert SqsRecord({"attributes": {"ApproximateReceiveCount": "x"}}).receive_count == 1


class _Job(BaseModel):
    job_id: str
    attempt_limit: int = 3


def _bodies(*bodies: str) -> dict[str, Any]:
    return {"Records": [{"messageId": f"m{i}", "body": body} for i, body in enumerate(bodies)]}


def test_bodies_reach_the_handler_as_the_consumers_model() -> None:
    seen: list[tuple[str, str]] = []
    response = process_models(
        _bodies('{"job_id": "a"}', '{"job_id": "b", "attempt_limit": 5}'),
        _Job,
        lambda job, record: seen.append((job.job_id, record.message_id)),
    )
    assert response == {"batchItemFailures": []} and seen == [("a", "m0"), ("b", "m1")]


def test_an_invalid_body_fails_its_record_or_is_dropped_when_no_retry_can_fix_it() -> None:
    event = _bodies('{"job_id": "a"}', '{"no": "id"}', "not json")
    handled: list[str] = []
    failed = process_models(event, _Job, lambda job, record: handled.append(job.job_id))
    assert failed == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    dropped = process_models(event, _Job, lambda job, record: handled.append(job.job_id), on_invalid="drop")
    assert dropped == {"batchItemFailures": []} and handled == ["a", "a"]
