"""Hotlines per unit, with the national emergency numbers (113 police, 114 fire, 115 ambulance).

Sources, first found wins per unit: admins' list in the table (`PK=UNIT#<id> SK=HOTLINE#LIST`), the
shipped data file, then the registry's `hotline` field. A unit without a number of its own shows the
nearest unit above it that has one (a ward OA shows the district's duty desk).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from anninh import aws
from anninh.registry import Registry

DATA_FILE = Path(__file__).resolve().parent / "kb" / "data" / "hotlines.json"
_PHONE = re.compile(r"^\+?[0-9]{3,15}$")


class Hotline(BaseModel):
    label: str = Field(min_length=2, max_length=60)
    phone: str

    @field_validator("phone")
    @classmethod
    def _digits(cls, value: str) -> str:
        cleaned = re.sub(r"[\s.()-]", "", value)
        if not _PHONE.match(cleaned):
            raise ValueError("phone: 3-15 digits, optional leading +")
        return cleaned


def hotline_key(unit_id: str) -> dict[str, str]:
    return {"PK": f"UNIT#{unit_id}", "SK": "HOTLINE#LIST"}


@cache
def _data() -> dict[str, Any]:
    return dict(json.loads(DATA_FILE.read_text(encoding="utf-8")))


def emergency() -> list[Hotline]:
    return [Hotline.model_validate(h) for h in _data()["emergency"]]


def _own(unit_id: str, registry: Registry, table: Any) -> list[Hotline]:
    item = table.get_item(Key=hotline_key(unit_id)).get("Item")
    if item and item.get("hotlines"):
        return [Hotline.model_validate(h) for h in item["hotlines"]]
    listed = _data()["units"].get(unit_id)
    if listed:
        return [Hotline.model_validate(h) for h in listed]
    unit = registry.unit(unit_id)
    if unit and unit.hotline:
        return [Hotline(label=f"Trực ban {unit.name}"[:60], phone=unit.hotline)]
    return []


def for_unit(unit_id: str, registry: Registry, table: Any | None = None) -> tuple[str, list[Hotline]]:
    """(name of the unit whose numbers are shown, its numbers); empty when no unit above has one."""
    table = table or aws.table()
    current: str | None = unit_id
    seen: set[str] = set()
    while current and current not in seen:
        seen.add(current)
        own = _own(current, registry, table)
        unit = registry.unit(current)
        if own:
            return (unit.name if unit else current), own
        current = unit.parent if unit else None
    return "", []


def save(unit_id: str, hotlines: list[Hotline], editor: str, at_iso: str, table: Any | None = None) -> None:
    table = table or aws.table()
    table.put_item(
        Item={
            **hotline_key(unit_id),
            "type": "hotlines",
            "unit_id": unit_id,
            "hotlines": [h.model_dump() for h in hotlines],
            "updated_by": editor,
            "updated_at": at_iso,
        }
    )
