"""The on-call roster: who is on duty by the hour (Vietnam time), and what the registry accepts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from anninh.alerts import on_call, reachable
from anninh.registry import OnCall, Registry


def _registry() -> Registry:
    return Registry.model_validate(
        {
            "units": [
                {
                    "unit_id": "d",
                    "name": "Công an quận",
                    "kind": "district",
                    "oncall": [
                        {"name": "Ca ngày", "phone": "+84000000001", "hours": "07:00-19:00"},
                        {"name": "Ca đêm", "phone": "+84 000 000 002", "hours": "19:00-07:00"},
                    ],
                },
                {"unit_id": "w", "name": "Công an phường", "kind": "ward", "parent": "d", "oncall": []},
            ]
        }
    )


def test_shifts_follow_vietnam_time_across_midnight() -> None:
    registry = _registry()
    noon_vn = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)  # 12:00 in Vietnam
    night_vn = datetime(2026, 11, 29, 20, 30, tzinfo=UTC)  # 03:30 the next day in Vietnam
    assert [o.name for o in on_call(registry, "d", noon_vn)] == ["Ca ngày"]
    assert [o.phone for o in on_call(registry, "d", night_vn)] == ["+84000000002"]  # spaces dropped
    # The ward has nobody: the district's shift is reached instead.
    unit, officers = reachable(registry, "w", night_vn)
    assert unit == "d" and [o.name for o in officers] == ["Ca đêm"]
    assert reachable(registry, "unknown", noon_vn) == ("", [])


@pytest.mark.parametrize(
    ("phone", "hours"), [("0912345678", ""), ("+84000000001", "7h-19h"), ("+84000000001", "25:00-07:00")]
)
def test_roster_entries_are_validated(phone: str, hours: str) -> None:
    with pytest.raises(ValidationError):
        OnCall(name="x", phone=phone, hours=hours)


def test_demo_registry_roster_is_fake_and_complete() -> None:
    registry = Registry.load("demo/registry.json")
    phones = [o.phone for u in registry.units for o in u.oncall]
    assert phones and all(p.startswith("+84000000") for p in phones)  # reaches no one
    noon = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
    night = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    assert all(
        on_call(registry, u.unit_id, noon) and on_call(registry, u.unit_id, night) for u in registry.units
    )
