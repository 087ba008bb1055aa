"""Hotlines per unit, with the national emergency numbers (113 police, 114 fire, 115 ambulance).

Sources, first found wins per unit: admins' list in the table, the shipped data file, then the
registry's `hotline` field. A unit without a number of its own shows the nearest unit above it that
has one (a ward OA shows the district's duty desk). Pure: the admins' lists come in as a function.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from anninh.registry import Registry

DATA_FILE = Path(__file__).resolve().parent.parent / "kb" / "data" / "hotlines.json"
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


@cache
def _data() -> dict[str, Any]:
    return dict(json.loads(DATA_FILE.read_text(encoding="utf-8")))


def emergency() -> list[Hotline]:
    return [Hotline.model_validate(h) for h in _data()["emergency"]]


def own_numbers(unit_id: str, registry: Registry, saved: list[dict[str, str]]) -> list[Hotline]:
    """A unit's own numbers: the admins' list, else the data file, else the registry's hotline."""
    if saved:
        return [Hotline.model_validate(h) for h in saved]
    listed = _data()["units"].get(unit_id)
    if listed:
        return [Hotline.model_validate(h) for h in listed]
    unit = registry.unit(unit_id)
    if unit and unit.hotline:
        return [Hotline(label=f"Trực ban {unit.name}"[:60], phone=unit.hotline)]
    return []


def shown_for(
    unit_id: str, registry: Registry, saved: Callable[[str], list[dict[str, str]]]
) -> tuple[str, list[Hotline]]:
    """(name of the unit whose numbers are shown, its numbers): the unit's own, else the nearest unit
    above it with numbers; empty when none has any."""
    current: str | None = unit_id
    seen: set[str] = set()
    while current and current not in seen:
        seen.add(current)
        own = own_numbers(current, registry, saved(current))
        unit = registry.unit(current)
        if own:
            return (unit.name if unit else current), own
        current = unit.parent if unit else None
    return "", []
