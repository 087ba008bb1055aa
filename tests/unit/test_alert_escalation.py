"""Urgent alerts on the in-memory alert store: one alert per case, escalation one unit up at a time
while nobody acknowledges, nothing twice, nothing after an acknowledgement (no AWS, no SMS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from anninh import alerts
from anninh.registry import Registry
from tests.fakes.alerts import MemoryAlertStore
from tests.fakes.kms import FakeKms

T0 = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)  # 12:00 in Vietnam
KMS = FakeKms()


def _registry() -> Registry:
    day = "07:00-19:00"
    return Registry.model_validate(
        {
            "units": [
                {
                    "unit_id": "d",
                    "name": "Công an quận",
                    "kind": "district",
                    "oncall": [{"name": "Trực quận", "phone": "+84000000001", "hours": day}],
                },
                {
                    "unit_id": "w",
                    "name": "Công an phường",
                    "kind": "ward",
                    "parent": "d",
                    "oncall": [{"name": "Trực phường", "phone": "+84000000002", "hours": day}],
                },
            ]
        }
    )


def _raise(store: MemoryAlertStore) -> bool:
    return alerts.raise_alert(
        "c1",
        code="HT-2611-0001",
        unit_id="w",
        oa_id="oa1",
        terms=["dao"],
        text="Tin báo khẩn",
        at=T0,
        store=store,
        kms=KMS,
    )


def test_an_urgent_case_has_one_alert_and_its_officers_are_told_once():
    store, sent = MemoryAlertStore(), []
    assert _raise(store) and not _raise(store)
    notified = alerts.notify(
        _registry(), "w", "SMS", T0, alert_id="c1", kind="urgent", publish=lambda *a: sent.append(a)
    )
    alerts.mark_notified("c1", notified, T0, store)
    assert [s[0] for s in sent] == ["+84000000002"]
    assert alerts.view(store.get("c1") or {}, KMS)["notified_units"] == ["w"]
    assert [i["case_id"] for i in alerts.list_for_units(["w"], open_only=True, store=store)] == ["c1"]


def test_escalation_goes_one_unit_up_when_due_never_twice_and_stops_at_the_top():
    store, sent = MemoryAlertStore(), []
    registry = _registry()
    _raise(store)
    alerts.mark_notified("c1", alerts.Notified("w", ["+84000000002"]), T0, store)
    publish = lambda *a: sent.append(a)  # noqa: E731
    delay = alerts.escalate_after()
    assert alerts.escalate_due(registry, T0 + delay - timedelta(seconds=1), publish, store) == []
    done = alerts.escalate_due(registry, T0 + delay, publish, store)
    assert done == [{"alert_id": "c1", "escalated_to": "d", "notified": 1}]
    assert "CHUYỂN CẤP" in sent[0][1] and sent[0][0] == "+84000000001"
    assert alerts.escalate_due(registry, T0 + delay, publish, store) == []  # the same step, again
    top = alerts.escalate_due(registry, T0 + 2 * delay, publish, store)
    assert top == [{"alert_id": "c1", "escalated_to": None}] and len(sent) == 1
    assert alerts.escalate_due(registry, T0 + 10 * delay, publish, store) == []


def test_an_acknowledged_alert_is_not_escalated_and_is_acknowledged_once():
    store, sent = MemoryAlertStore(), []
    _raise(store)
    alerts.mark_notified("c1", alerts.Notified("w", ["+84000000002"]), T0, store)
    acked = alerts.acknowledge("c1", "hieptan.canbo", T0 + timedelta(minutes=1), store)
    assert acked is not None and acked["acknowledged_by"] == "hieptan.canbo"
    assert alerts.acknowledge("c1", "tanphu.chihuy", T0 + timedelta(minutes=2), store) is None
    later = T0 + 5 * alerts.escalate_after()
    assert alerts.escalate_due(_registry(), later, lambda *a: sent.append(a), store) == [] and sent == []
    assert alerts.list_for_units(["w"], open_only=True, store=store) == []


def test_the_citizens_words_in_an_alert_are_sealed_to_that_alert():
    store = MemoryAlertStore()
    assert _raise(store)
    item = store.get("c1") or {}
    assert "Tin báo khẩn" not in str(item)  # a table reader sees no citizen text
    assert alerts.view(item, KMS)["text"] == "Tin báo khẩn"
    moved = {**item, "PK": "CASE#c2"}  # the same ciphertext on another alert does not open
    assert alerts.view(moved, KMS)["text"] is None
