"""The registry of Zalo apps, OAs, units and officers.

The unit hierarchy is data, never code: the same system serves the 2021 district structure and the
post-2025 merged wards. The registry is read from the JSON file named by ANNINH_REGISTRY (local stack,
operator seeding) and stored in the main table (units, OAs) and Secrets Manager (app secrets).
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

Role = Literal["officer", "commander", "editor", "admin"]
# Since 01/07/2025: province or centrally-run city, and commune, ward or special zone (đặc khu) below it;
# district and team stay for the structures before the reform (and for specialist teams).
UnitKind = Literal["province", "city", "district", "commune", "ward", "special_zone", "team"]
ROLES: tuple[Role, ...] = ("officer", "commander", "editor", "admin")
ROLE_LABELS_VI: dict[Role, str] = {
    "officer": "Cán bộ",
    "commander": "Chỉ huy",
    "editor": "Biên tập viên",
    "admin": "Quản trị",
}


class App(BaseModel):
    app_id: str
    name: str = ""
    app_secret: str = ""  # empty in the stored registry: secrets are read from Secrets Manager only
    oa_secret_key: str = ""


class OnCall(BaseModel):
    """An officer on the unit's urgent-alert roster: reached by SMS when an urgent tip arrives.

    `hours` is "" (always) or "HH:MM-HH:MM" in Vietnam time; a range may cross midnight ("19:00-07:00").
    """

    name: str
    phone: str  # E.164, e.g. +84912345678 (what SNS SMS takes)
    hours: str = ""
    username: str = ""  # the officer's console account, when they have one

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str) -> str:
        cleaned = re.sub(r"[\s.()-]", "", value)
        if not re.fullmatch(r"\+[1-9][0-9]{7,14}", cleaned):
            raise ValueError("phone: E.164, e.g. +84912345678")
        return cleaned

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]", value):
            raise ValueError('hours: "" or "HH:MM-HH:MM" (Vietnam time)')
        return value

    def on_duty(self, vn_minute_of_day: int) -> bool:
        if not self.hours:
            return True
        start, end = (int(t[:2]) * 60 + int(t[3:]) for t in self.hours.split("-"))
        if start <= end:
            return start <= vn_minute_of_day < end
        return vn_minute_of_day >= start or vn_minute_of_day < end


class Unit(BaseModel):
    unit_id: str
    name: str
    kind: UnitKind
    parent: str | None = None
    code: str = ""  # prefix of human case codes, e.g. TP in TP-2605-0042
    hotline: str = ""
    address: str = ""
    centroid: tuple[float, float] | None = None  # (lat, lon) for routing a location to a ward
    aliases: list[str] = Field(default_factory=list)  # how addresses name it ("phường Hiệp Tân")
    oncall: list[OnCall] = Field(default_factory=list)  # urgent-alert roster (anninh.alerts)
    closed_days: list[str] = Field(default_factory=list)  # YYYY-MM-DD beyond public holidays (calendars.py)
    # Set by a reorganisation (anninh.reorg): the first day the unit no longer exists, the units that
    # took over its work, and its followers on its last day (its history stays under it).
    ended_on: str | None = None
    successors: list[str] = Field(default_factory=list)
    final_followers: int = 0
    sources: list[str] = Field(default_factory=list)  # where the unit's data comes from (registry files)

    def active_on(self, day: str) -> bool:
        return self.ended_on is None or day < self.ended_on

    @property
    def case_prefix(self) -> str:
        return (self.code or self.unit_id[:4]).upper()


class OA(BaseModel):
    oa_id: str
    app_id: str
    name: str
    unit_id: str
    # Set when a reorganisation moved the OA: the unit that ran it before, and from when (citizens who
    # write to it are told once which unit now serves them).
    former_unit_name: str = ""
    moved_on: str = ""


class Officer(BaseModel):
    username: str
    password: str = ""  # local demo accounts only; never stored in the table
    unit_id: str
    roles: list[Role]
    display_name: str = ""
    # role -> ISO instant it was granted through the API (seeded roles have none: held from the start)
    roles_since: dict[str, str] = Field(default_factory=dict)


class Registry(BaseModel):
    apps: list[App] = Field(default_factory=list)
    units: list[Unit] = Field(default_factory=list)
    oas: list[OA] = Field(default_factory=list)
    officers: list[Officer] = Field(default_factory=list)

    model_config = {"extra": "ignore"}

    @classmethod
    def load(cls, path: str | Path) -> Registry:
        return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))

    @cached_property
    def units_by_id(self) -> dict[str, Unit]:
        return {u.unit_id: u for u in self.units}

    @cached_property
    def oas_by_id(self) -> dict[str, OA]:
        return {o.oa_id: o for o in self.oas}

    @cached_property
    def apps_by_id(self) -> dict[str, App]:
        return {a.app_id: a for a in self.apps}

    def unit(self, unit_id: str) -> Unit | None:
        return self.units_by_id.get(unit_id)

    def oa(self, oa_id: str) -> OA | None:
        return self.oas_by_id.get(oa_id)

    def owner_on(self, counted_for: str, day: str, oa_unit: str) -> str:
        """Whose figures a counter of `day` is: the unit it was counted for while that unit existed,
        else (a late event, or a reorganisation applied after its date) the OA's unit now."""
        unit = self.units_by_id.get(counted_for)
        if unit is not None and unit.active_on(day):
            return counted_for
        return oa_unit

    def children(self, unit_id: str) -> list[Unit]:
        return [u for u in self.units if u.parent == unit_id]

    def subtree(self, unit_id: str) -> list[str]:
        """The unit and every unit under it (a unit sees its own work and that of units below)."""
        out: list[str] = []
        stack = [unit_id]
        seen: set[str] = set()
        while stack:
            current = stack.pop()
            if current in seen or current not in self.units_by_id:
                continue
            seen.add(current)
            out.append(current)
            stack.extend(u.unit_id for u in self.children(current))
        return out

    def is_within(self, unit_id: str, ancestor_id: str) -> bool:
        """True when unit_id is ancestor_id or lies under it."""
        seen: set[str] = set()
        current: str | None = unit_id
        while current and current not in seen:
            if current == ancestor_id:
                return True
            seen.add(current)
            parent = self.units_by_id.get(current)
            current = parent.parent if parent else None
        return False
