"""A reorganisation planned from a snapshot of the world: pure, no I/O.

What moves from a unit that ends (merged, or split across several units): its OAs (and so their
followers), officers, open cases (same codes), handed-off conversations, queue places, canned replies
and hotlines; its names become routing aliases of the units that take over. The unit itself stays in
the registry with `ended_on` and `successors`, so its history (cases, figures) stays under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from anninh.cases.routing import distance_km
from anninh.registry import OA, Registry, Unit, UnitKind

_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"
UnitIdStr = Field(min_length=1, max_length=64, pattern=_ID)


class Merge(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: list[str] = Field(alias="from", min_length=1, max_length=200)
    into: str = Field(min_length=1, max_length=64, pattern=_ID)


class Split(BaseModel):
    """A unit divided among several: open cases by location (nearest centroid) when `by` is
    "location", everything else to `default` unless `assign` names it (an OA id, officer username,
    case code, queue place id, canned reply id -> unit id)."""

    model_config = ConfigDict(extra="forbid")
    unit_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    into: list[str] = Field(min_length=2, max_length=10)
    default: str = Field(min_length=1, max_length=64, pattern=_ID)
    by: Literal["location", "list"] = "location"
    assign: dict[str, str] = Field(default_factory=dict, max_length=5000)

    @model_validator(mode="after")
    def _default_is_a_target(self) -> Split:
        if self.default not in self.into:
            raise ValueError("default must be one of into")
        if any(v not in self.into for v in self.assign.values()):
            raise ValueError("assign: every target must be one of into")
        return self


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    name: str = Field(min_length=2, max_length=200)


class Reparent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    parent: str | None = Field(default=None, min_length=1, max_length=64, pattern=_ID)


class NewUnit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: str = Field(min_length=1, max_length=64, pattern=_ID)
    name: str = Field(min_length=2, max_length=200)
    kind: UnitKind = "ward"
    parent: str | None = Field(default=None, min_length=1, max_length=64, pattern=_ID)
    code: str = Field(default="", max_length=8, pattern=r"^[A-Za-z0-9]*$")
    hotline: str = Field(default="", max_length=30)
    address: str = Field(default="", max_length=300)
    centroid: tuple[float, float] | None = None
    aliases: list[str] = Field(default_factory=list, max_length=40)
    sources: list[str] = Field(default_factory=list, max_length=10)


class ReorgRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    dry_run: bool = False
    note: str = Field(default="", max_length=1000)
    create: list[NewUnit] = Field(default_factory=list, max_length=500)
    merges: list[Merge] = Field(default_factory=list, max_length=500)
    splits: list[Split] = Field(default_factory=list, max_length=200)
    renames: list[Rename] = Field(default_factory=list, max_length=500)
    reparent: list[Reparent] = Field(default_factory=list, max_length=500)

    @field_validator("effective_date")
    @classmethod
    def _real_date(cls, value: str) -> str:
        date.fromisoformat(value)  # ValueError for 2025-02-30
        return value

    @model_validator(mode="after")
    def _something_to_do(self) -> ReorgRequest:
        if not (self.create or self.merges or self.splits or self.renames or self.reparent):
            raise ValueError("nothing to do: give merges, splits, renames, reparent or create")
        return self


class PlanError(ValueError):
    """The request does not fit the registry (unknown unit, a unit ended twice, a cycle...)."""

    def __init__(self, message: str, loc: list[Any]) -> None:
        super().__init__(message)
        self.loc = loc


# --- the world as read before planning --------------------------------------------------------


@dataclass(frozen=True)
class OpenCase:
    case_id: str
    code: str
    unit_id: str
    location: tuple[float, float] | None = None


@dataclass(frozen=True)
class Handoff:
    pk: str
    sk: str
    unit_id: str


@dataclass(frozen=True)
class Placed:
    """Something that belongs to one unit: a queue place or a canned reply."""

    item_id: str
    unit_id: str


@dataclass
class World:
    registry: Registry
    open_cases: list[OpenCase] = field(default_factory=list)
    handoffs: list[Handoff] = field(default_factory=list)
    followers: dict[str, int] = field(default_factory=dict)  # oa_id -> followers now
    places: list[Placed] = field(default_factory=list)
    canned: list[Placed] = field(default_factory=list)
    hotlines: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # unit -> its own list
    net_follows_since: dict[str, int] = field(default_factory=dict)  # unit -> follows-unfollows on/after


# --- the plan ---------------------------------------------------------------------------------


@dataclass
class Plan:
    effective_date: str
    units: dict[str, Unit] = field(default_factory=dict)  # every unit created or changed, final form
    oas: list[OA] = field(default_factory=list)
    officers: list[tuple[str, str]] = field(default_factory=list)  # (username, new unit)
    cases: list[tuple[OpenCase, str]] = field(default_factory=list)
    handoffs: list[tuple[Handoff, str]] = field(default_factory=list)
    places: list[tuple[str, str]] = field(default_factory=list)
    canned: list[tuple[str, str]] = field(default_factory=list)
    hotlines: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # target -> merged list
    stale_rollups: set[str] = field(default_factory=set)  # units whose roll-ups from the date are stale
    created: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    reparented: list[str] = field(default_factory=list)
    followers: int = 0
    aliases: int = 0

    @property
    def involved(self) -> set[str]:
        """Every unit the operation touches (for the permission check)."""
        out = set(self.units)
        out.update(to for _o, to in self.officers)
        return out

    def counts(self) -> dict[str, int]:
        return {
            "units_created": len(self.created),
            "units_ended": len(self.ended),
            "units_renamed": len(self.renamed),
            "units_reparented": len(self.reparented),
            "oas": len(self.oas),
            "followers": self.followers,
            "officers": len(self.officers),
            "open_cases": len(self.cases),
            "conversations": len(self.handoffs),
            "queue_places": len(self.places),
            "canned_replies": len(self.canned),
            "hotlines": sum(len(v) for v in self.hotlines.values()),
            "aliases": self.aliases,
        }

    def details(self) -> dict[str, Any]:
        """What went where, for the audit entry (codes, not citizens' data)."""
        return {
            "effective_date": self.effective_date,
            "created": self.created,
            "ended": {u: self.units[u].successors for u in self.ended},
            "renamed": {u: self.units[u].name for u in self.renamed},
            "reparented": {u: self.units[u].parent for u in self.reparented},
            "oas": {oa.oa_id: oa.unit_id for oa in self.oas},
            "officers": dict(self.officers),
            "cases": {case.code or case.case_id: to for case, to in self.cases},
            "queue_places": dict(self.places),
            "canned_replies": dict(self.canned),
        }


_PREFIX = re.compile(r"^(công an|ca)\s+", re.IGNORECASE)


def place_names(unit: Unit) -> list[str]:
    """How addresses name a unit: its aliases and its name without "Công an" ("phường Sơn Kỳ")."""
    bare = _PREFIX.sub("", unit.name).strip()
    return [*unit.aliases, *([bare] if bare and bare != unit.name else [])]


def _nearest(location: tuple[float, float] | None, targets: list[Unit]) -> Unit | None:
    placed = [t for t in targets if t.centroid is not None]
    if location is None or not placed:
        return None
    return min(placed, key=lambda t: distance_km(location, t.centroid))  # type: ignore[arg-type]


def make_plan(request: ReorgRequest, world: World) -> Plan:
    """Check the request against the registry and decide where everything goes."""
    planner = _Planner(request, world)
    planner.create_units()
    # Which units end, and who takes over each part of them.
    planner.merge_units()
    planner.split_units()
    planner.check_takers_do_not_end()
    # Renames and re-parenting (validated after creation, before anything moves).
    planner.rename_units()
    planner.reparent_units()
    _check_no_cycle(planner.units)
    planner.end_units()
    # OAs (and their followers), officers, cases, conversations, places, canned replies, hotlines.
    planner.move_oas()
    planner.move_records()
    planner.move_hotlines()
    planner.mark_stale_rollups()
    return planner.plan


class _Planner:
    """make_plan's working state: the registry's units (copied, edited in place) and the plan."""

    def __init__(self, request: ReorgRequest, world: World) -> None:
        self.request = request
        self.world = world
        self.registry = world.registry
        self.plan = Plan(request.effective_date)
        self.units: dict[str, Unit] = {u.unit_id: u.model_copy(deep=True) for u in self.registry.units}
        # each unit that ends -> the units taking over, and the split rules when it is split
        self.ending: dict[str, tuple[list[Unit], Split | None]] = {}

    def known(self, unit_id: str | None, loc: list[Any]) -> Unit:
        if unit_id is None or unit_id not in self.units:
            raise PlanError(f"Không có đơn vị '{unit_id}'.", loc)
        return self.units[unit_id]

    def touch(self, unit: Unit) -> None:
        self.plan.units[unit.unit_id] = unit

    def destination(self, source_id: str, key: str, location: tuple[float, float] | None = None) -> str:
        targets, split = self.ending[source_id]
        if split is None:
            return targets[0].unit_id
        if key in split.assign:
            return split.assign[key]
        if split.by == "location":
            near = _nearest(location, targets)
            if near is not None:
                return near.unit_id
        return split.default

    def create_units(self) -> None:
        for i, new in enumerate(self.request.create):
            if new.unit_id in self.units:
                raise PlanError(f"Đơn vị '{new.unit_id}' đã có.", ["body", "create", i, "unit_id"])
            unit = Unit(**new.model_dump())
            self.units[unit.unit_id] = unit
            self.plan.created.append(unit.unit_id)
            self.touch(unit)
        for i, new in enumerate(self.request.create):
            if new.parent is not None:
                self.known(new.parent, ["body", "create", i, "parent"])

    def merge_units(self) -> None:
        for i, merge in enumerate(self.request.merges):
            target = self.known(merge.into, ["body", "merges", i, "into"])
            if target.ended_on:
                raise PlanError(f"Đơn vị '{merge.into}' đã giải thể.", ["body", "merges", i, "into"])
            for j, source_id in enumerate(merge.from_):
                loc = ["body", "merges", i, "from", j]
                source = self.known(source_id, loc)
                if source_id == merge.into or source_id in self.ending or source.ended_on:
                    raise PlanError(f"Đơn vị '{source_id}' không thể sáp nhập (trùng hoặc đã giải thể).", loc)
                self.ending[source_id] = ([target], None)

    def split_units(self) -> None:
        for i, split in enumerate(self.request.splits):
            loc = ["body", "splits", i, "unit_id"]
            source = self.known(split.unit_id, loc)
            if split.unit_id in self.ending or source.ended_on or split.unit_id in split.into:
                raise PlanError(
                    f"Đơn vị '{split.unit_id}' không thể chia tách (trùng hoặc đã giải thể).", loc
                )
            targets = [self.known(t, ["body", "splits", i, "into", k]) for k, t in enumerate(split.into)]
            self.ending[split.unit_id] = (targets, split)

    def check_takers_do_not_end(self) -> None:
        for targets, _split in self.ending.values():
            for target in targets:
                if target.unit_id in self.ending:
                    raise PlanError(f"Đơn vị '{target.unit_id}' vừa nhận vừa giải thể.", ["body"])

    def rename_units(self) -> None:
        for i, rename in enumerate(self.request.renames):
            unit = self.known(rename.unit_id, ["body", "renames", i, "unit_id"])
            if rename.name != unit.name:
                old_names = place_names(unit)
                unit.name = rename.name
                unit.aliases = list(dict.fromkeys([*unit.aliases, *old_names]))
                self.plan.renamed.append(unit.unit_id)
                self.touch(unit)

    def reparent_units(self) -> None:
        for i, move in enumerate(self.request.reparent):
            unit = self.known(move.unit_id, ["body", "reparent", i, "unit_id"])
            if move.parent is not None:
                self.known(move.parent, ["body", "reparent", i, "parent"])
            unit.parent = move.parent
            self.plan.reparented.append(unit.unit_id)
            self.touch(unit)

    def end_units(self) -> None:
        """The units that end: history stays, names become aliases of the units taking over."""
        for source_id, (targets, _split) in self.ending.items():
            source = self.units[source_id]
            names = place_names(source)
            for target in targets:
                before = len(target.aliases)
                target.aliases = list(dict.fromkeys([*target.aliases, *names]))
                self.plan.aliases += len(target.aliases) - before
                self.touch(target)
            source.ended_on = self.request.effective_date
            source.successors = [t.unit_id for t in targets]
            if source.parent is None:
                source.parent = targets[0].unit_id  # a root that ends stays reachable under its successor
            self.plan.ended.append(source_id)
            self.touch(source)

    def move_oas(self) -> None:
        """OAs of ending units (and their followers); each ending unit's followers on its last day."""
        ended_followers: dict[str, int] = {}
        for oa in self.registry.oas:
            if oa.unit_id in self.ending:
                to = self.destination(oa.unit_id, oa.oa_id)
                former = self.units[oa.unit_id].name
                self.plan.oas.append(
                    oa.model_copy(
                        update={
                            "unit_id": to,
                            "former_unit_name": former,
                            "moved_on": self.request.effective_date,
                        }
                    )
                )
                n = int(self.world.followers.get(oa.oa_id, 0))
                self.plan.followers += n
                ended_followers[oa.unit_id] = ended_followers.get(oa.unit_id, 0) + n
        for source_id in self.ending:
            # Followers on the unit's last day: now, less what was counted for it on or after the date.
            last_day = ended_followers.get(source_id, 0) - int(self.world.net_follows_since.get(source_id, 0))
            self.units[source_id].final_followers = max(0, last_day)

    def move_records(self) -> None:
        """Officers, open cases, hand-offs, queue places and canned replies of ending units."""
        world, plan, ending = self.world, self.plan, self.ending
        for officer in self.registry.officers:
            if officer.unit_id in ending:
                plan.officers.append((officer.username, self.destination(officer.unit_id, officer.username)))
        for case in world.open_cases:
            if case.unit_id in ending:
                plan.cases.append((case, self.destination(case.unit_id, case.code, case.location)))
        for handoff in world.handoffs:
            if handoff.unit_id in ending:
                plan.handoffs.append((handoff, self.destination(handoff.unit_id, handoff.pk)))
        for place in world.places:
            if place.unit_id in ending:
                plan.places.append((place.item_id, self.destination(place.unit_id, place.item_id)))
        for reply in world.canned:
            if reply.unit_id in ending:
                plan.canned.append((reply.item_id, self.destination(reply.unit_id, reply.item_id)))

    def move_hotlines(self) -> None:
        for source_id in self.ending:
            own = self.world.hotlines.get(source_id) or []
            source = self.units[source_id]
            if not own and source.hotline:
                own = [{"label": f"Trực ban {source.name}"[:60], "phone": source.hotline}]
            if not own:
                continue
            to = self.destination(source_id, f"hotline:{source_id}")
            merged = self.plan.hotlines.setdefault(to, list(self.world.hotlines.get(to) or []))
            for line in own:
                if all(line["phone"] != kept["phone"] for kept in merged):
                    merged.append(line)

    def mark_stale_rollups(self) -> None:
        """Figures from the date on are re-attributed: roll-ups of every unit on the way up are stale."""
        units, plan = self.units, self.plan
        for unit_id in [
            *self.ending,
            *(t.unit_id for targets, _s in self.ending.values() for t in targets),
            *plan.reparented,
        ]:
            current: str | None = unit_id
            seen: set[str] = set()
            while current and current not in seen:
                seen.add(current)
                plan.stale_rollups.add(current)
                current = units[current].parent if current in units else None
        for unit_id in plan.reparented:  # the old ancestors too
            old_unit = self.registry.unit(unit_id)
            current = old_unit.parent if old_unit else None
            while current and current not in plan.stale_rollups:
                plan.stale_rollups.add(current)
                current = units[current].parent if current in units else None


def _check_no_cycle(units: dict[str, Unit]) -> None:
    for unit in units.values():
        seen: set[str] = set()
        current: str | None = unit.unit_id
        while current:
            if current in seen:
                raise PlanError(f"Đơn vị '{unit.unit_id}' sẽ nằm dưới chính nó.", ["body", "reparent"])
            seen.add(current)
            parent = units.get(current)
            current = parent.parent if parent else None
