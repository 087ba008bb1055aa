"""Report requests on an in-memory record store: queued at once, handed to the report queue, failed
once given up, and never shown for an id that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from anninh.registry import Registry
from anninh.reports.service import (
    ReportJob,
    ReportNotFound,
    ReportPorts,
    load_report,
    mark_failed,
    request_report,
)

NOW = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)


class _Records:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put(self, record: dict[str, Any]) -> None:
        self.items[record["report_id"]] = dict(record)

    def get(self, report_id: str) -> dict[str, Any] | None:
        found = self.items.get(report_id)
        return dict(found) if found else None


class _Sqs:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:
        self.sent.append((QueueUrl, MessageBody))


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReportPorts]:
    from anninh.settings import reset_settings
    from tests.conftest import DEMO_REGISTRY

    monkeypatch.setenv("REPORT_QUEUE_URL", "http://sqs/reports")
    reset_settings()
    yield ReportPorts(Registry.load(DEMO_REGISTRY), store=None, records=_Records(), sqs=_Sqs())  # type: ignore[arg-type]
    monkeypatch.undo()
    reset_settings()


def test_a_request_is_queued_and_handed_to_the_report_function(ports: ReportPorts) -> None:
    record = request_report(
        ports, "tan-phu", date(2026, 4, 1), date(2026, 4, 30), created_by="tanphu.chihuy", now=NOW
    )
    assert record["status"] == "queued" and record["unit_name"] == "Công an quận Tân Phú"
    assert record["report_id"].startswith("20260401-20260430-")
    [(url, body)] = ports.sqs.sent
    assert (
        url == "http://sqs/reports" and ReportJob.model_validate_json(body).report_id == record["report_id"]
    )
    assert load_report(ports, record["report_id"])["status"] == "queued"
    with pytest.raises(ReportNotFound):
        request_report(ports, "no-such-unit", date(2026, 4, 1), date(2026, 4, 30), created_by="x", now=NOW)


def test_a_report_given_up_shows_failed_with_its_reason_and_unknown_ids_are_not_found(
    ports: ReportPorts,
) -> None:
    record = request_report(
        ports, "tan-phu", date(2026, 4, 1), date(2026, 4, 30), created_by="tanphu.chihuy", now=NOW
    )
    mark_failed(ports, record["report_id"], "RuntimeError: font missing", now=NOW)
    failed = load_report(ports, record["report_id"])
    assert failed["status"] == "failed" and failed["error"] == "RuntimeError: font missing"
    mark_failed(ports, "nothing-here", "x", now=NOW)  # nothing to mark: no record appears
    assert "nothing-here" not in ports.records.items  # type: ignore[attr-defined]
    for unknown in ("nothing-here", "", "x" * 81):
        with pytest.raises(ReportNotFound):
            load_report(ports, unknown)
