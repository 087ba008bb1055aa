"""Reorganisation: the pure plan, the service over an in-memory store, and figures across the date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from anninh.cases.routing import route
from anninh.registry import OA, Officer, Registry, Unit
from anninh.reorg import service
from anninh.reorg.plan import Handoff, OpenCase, Placed, PlanError, ReorgRequest, World, make_plan
from anninh.stats.queries import period_stats
from tests.conftest import DEMO_REGISTRY
from tests.unit.test_stats_support import MemoryStatsStore

NOW = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)
HIEP_TAN_OA, PHU_THANH_OA, SON_KY_OA = "2200000000000000001", "2200000000000000003", "2200000000000000006"


def registry_2022() -> Registry:
    """The seed registry with the city above the district (as it always was)."""
    registry = Registry.load(DEMO_REGISTRY)
    units = [Unit(unit_id="hcm", name="Công an Thành phố Hồ Chí Minh", kind="city", code="HCM")]
    units += [u.model_copy(update={"parent": "hcm"}) if u.unit_id == "tan-phu" else u for u in registry.units]
    officers = [*registry.officers, Officer(username="hcm.quantri", unit_id="hcm", roles=["admin"])]
    return registry.model_copy(update={"units": units, "officers": officers})


def new_ward(unit_id: str, name: str, centroid: tuple[float, float]) -> dict[str, Any]:
    return {"unit_id": unit_id, "name": name, "kind": "ward", "parent": "hcm", "centroid": centroid}


MERGE = {
    "effective_date": "2025-07-01",
    "create": [
        new_ward("w-phu-thanh", "Công an phường Phú Thạnh", (10.776, 106.627)),
        new_ward("w-tay-thanh", "Công an phường Tây Thạnh", (10.811, 106.623)),
        new_ward("w-tan-son-nhi", "Công an phường Tân Sơn Nhì", (10.798, 106.632)),
    ],
    "merges": [
        {"from": ["p-hiep-tan", "p-phu-thanh"], "into": "w-phu-thanh"},
        {"from": ["p-tay-thanh"], "into": "w-tay-thanh"},
        {"from": ["p-tan-son-nhi"], "into": "w-tan-son-nhi"},
    ],
    "splits": [
        {
            "unit_id": "p-son-ky",
            "into": ["w-tay-thanh", "w-tan-son-nhi"],
            "default": "w-tan-son-nhi",
            "assign": {"sonky.chihuy": "w-tay-thanh"},
        }
    ],
}


class MemoryReorgStore:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.cases: dict[str, OpenCase] = {}
        self.handoff_list: list[Handoff] = []
        self.gauges: dict[str, int] = {}
        self.place_list: list[Placed] = [Placed("cccd-hiep-tan", "p-hiep-tan")]
        self.canned_list: list[Placed] = [Placed("r1", "p-son-ky")]
        self.hotline_lists: dict[str, list[dict[str, str]]] = {
            "p-hiep-tan": [{"label": "Trực ban", "phone": "0283111"}]
        }
        self.follows_after: dict[str, int] = {}
        self.writes: list[tuple[str, Any]] = []
        self.records: dict[str, dict[str, Any]] = {}
        self.audits: list[dict[str, Any]] = []

    def open_cases(self, unit_id: str) -> list[OpenCase]:
        return [c for c in self.cases.values() if c.unit_id == unit_id]

    def handoffs(self, unit_id: str) -> list[Handoff]:
        return [h for h in self.handoff_list if h.unit_id == unit_id]

    def followers(self) -> dict[str, int]:
        return dict(self.gauges)

    def places(self) -> list[Placed]:
        return list(self.place_list)

    def canned(self) -> list[Placed]:
        return list(self.canned_list)

    def hotlines(self, unit_id: str) -> list[dict[str, str]]:
        return list(self.hotline_lists.get(unit_id, []))

    def net_follows_since(self, unit_id: str, day: str) -> int:
        return self.follows_after.get(unit_id, 0)

    def put_unit(self, unit: Unit) -> None:
        self.writes.append(("unit", unit))

    def put_oa(self, oa: OA) -> None:
        self.writes.append(("oa", oa))

    def move_officer(self, registry: Registry, username: str, unit_id: str) -> None:
        self.writes.append(("officer", (username, unit_id)))

    def move_case(self, case: OpenCase, unit_id: str, reorg_id: str, at: str) -> None:
        self.cases[case.case_id] = OpenCase(case.case_id, case.code, unit_id, case.location)

    def move_handoff(self, handoff: Handoff, unit_id: str) -> None:
        self.writes.append(("handoff", (handoff.pk, unit_id)))

    def move_place(self, place_id: str, unit_id: str) -> None:
        self.writes.append(("place", (place_id, unit_id)))

    def move_canned(self, reply_id: str, unit_id: str) -> None:
        self.writes.append(("canned", (reply_id, unit_id)))

    def put_hotlines(self, unit_id: str, lines: list[dict[str, str]], by: str, at: str) -> None:
        self.hotline_lists[unit_id] = lines

    def drop_rollups(self, unit_id: str, first_day: str) -> int:
        self.writes.append(("drop", (unit_id, first_day)))
        return 0

    def put_record(self, record: dict[str, Any]) -> None:
        self.records[record["id"]] = record

    def audit(self, record: dict[str, Any], actor_unit: str, request_id: str) -> None:
        self.audits.append(record)

    def get_record(self, reorg_id: str) -> dict[str, Any] | None:
        return self.records.get(reorg_id)


def applied(registry: Registry, store: MemoryReorgStore, body: dict[str, Any]) -> Registry:
    """Apply through the service, then read the registry back as the store wrote it."""
    request = ReorgRequest.model_validate(body)
    plan = service.plan_for(registry, store, request)
    service.apply(
        registry, store, request, plan, actor="hcm.quantri", actor_unit="hcm", request_id="r", now=NOW
    )
    units = {u.unit_id: u for u in registry.units}
    units.update({u.unit_id: u for kind, u in store.writes if kind == "unit"})
    oas = {o.oa_id: o for o in registry.oas}
    oas.update({o.oa_id: o for kind, o in store.writes if kind == "oa"})
    moved = dict(w for kind, w in store.writes if kind == "officer")
    officers = [o.model_copy(update={"unit_id": moved.get(o.username, o.unit_id)}) for o in registry.officers]
    return Registry(units=list(units.values()), oas=list(oas.values()), officers=officers)


def test_dry_run_and_apply_give_the_same_counts_and_apply_is_one_audited_record() -> None:
    registry = registry_2022()
    store = MemoryReorgStore(registry)
    store.cases = {
        "c1": OpenCase("c1", "HT-2506-0001", "p-hiep-tan"),
        "c2": OpenCase("c2", "SK-2506-0003", "p-son-ky", (10.811, 106.622)),
    }
    store.gauges = {HIEP_TAN_OA: 40, PHU_THANH_OA: 25, SON_KY_OA: 10}
    store.handoff_list = [Handoff("CONV#x#y", "STATE", "p-hiep-tan")]
    request = ReorgRequest.model_validate(MERGE)
    counts = service.plan_for(registry, store, request).counts()
    assert store.writes == []  # planning moves nothing
    assert counts["units_created"] == 3 and counts["units_ended"] == 5 and counts["oas"] == 5
    assert counts["followers"] == 75 and counts["open_cases"] == 2 and counts["officers"] == 10
    assert counts["queue_places"] == 1 and counts["canned_replies"] == 1 and counts["conversations"] == 1

    after = applied(registry, store, MERGE)
    (record,) = store.records.values()
    assert store.audits == [record] and record["counts"] == counts
    assert record["details"]["cases"] == {"HT-2506-0001": "w-phu-thanh", "SK-2506-0003": "w-tay-thanh"}
    # Same case ids and codes, now in the new wards (the split one by its location).
    assert store.cases["c1"].unit_id == "w-phu-thanh" and store.cases["c1"].code == "HT-2506-0001"
    assert store.cases["c2"].unit_id == "w-tay-thanh"
    hiep_tan = after.unit("p-hiep-tan")
    assert hiep_tan and hiep_tan.ended_on == "2025-07-01" and hiep_tan.successors == ["w-phu-thanh"]
    assert hiep_tan.final_followers == 40 and hiep_tan.parent == "tan-phu"  # history stays where it was
    oa = after.oa(HIEP_TAN_OA)
    assert oa and oa.unit_id == "w-phu-thanh" and oa.former_unit_name == "Công an phường Hiệp Tân"
    officers = {o.username: o.unit_id for o in after.officers}
    assert officers["hieptan.canbo"] == "w-phu-thanh" and officers["sonky.chihuy"] == "w-tay-thanh"
    assert officers["sonky.canbo"] == "w-tan-son-nhi"  # the split's default
    assert ("place", ("cccd-hiep-tan", "w-phu-thanh")) in store.writes
    assert store.hotline_lists["w-phu-thanh"] == [{"label": "Trực ban", "phone": "0283111"}]
    dropped = {u for kind, (u, _d) in [w for w in store.writes if w[0] == "drop"]}
    assert {"p-hiep-tan", "w-phu-thanh", "hcm", "tan-phu"} <= dropped


def test_old_names_route_tips_to_the_new_ward_and_ended_wards_are_no_longer_candidates() -> None:
    registry = registry_2022()
    after = applied(registry, MemoryReorgStore(registry), MERGE)
    by_name = route(after, "hcm", None, ["có đánh nhau ở hẻm 12 phường Hiệp Tân"], max_km=3)
    assert (by_name.unit_id, by_name.routing) == ("w-phu-thanh", "address")
    # Sơn Kỳ was split: by location the nearest successor wins.
    near_tay_thanh = route(after, "hcm", (10.812, 106.622), ["phường Sơn Kỳ"], max_km=3)
    assert near_tay_thanh.unit_id == "w-tay-thanh"
    assert route(after, "hcm", None, ["trộm xe ở phường Sơn Kỳ"], max_km=3).unit_id in {
        "w-tay-thanh",
        "w-tan-son-nhi",
    }


def test_figures_stay_with_the_old_ward_before_the_date_and_roll_into_the_new_one_after() -> None:
    registry = registry_2022()
    stats = MemoryStatsStore()
    for day in ("2025-06-28", "2025-06-29", "2025-06-30"):
        stats.add(day, HIEP_TAN_OA, "p-hiep-tan", follows=2, tips=1, messages_in=5)
    stats.add("2025-06-30", PHU_THANH_OA, "p-phu-thanh", follows=1)
    june = (date(2025, 6, 28), date(2025, 6, 30))
    before = period_stats(registry, stats, "p-hiep-tan", *june, today="2025-07-01")
    store = MemoryReorgStore(registry)
    store.gauges = stats.follower_gauges()
    after = applied(registry, store, MERGE)
    # A late event of 30/6 and the first days under the new ward.
    stats.add("2025-07-01", HIEP_TAN_OA, "w-phu-thanh", follows=3, tips=2)
    stats.add("2025-07-02", HIEP_TAN_OA, "p-hiep-tan", tips=1)  # counted before the registry reloaded
    old = period_stats(after, stats, "p-hiep-tan", *june, today="2025-07-03")
    assert (
        {k: old[k] for k in ("tips", "messages_in", "follows", "followers")}
        == {k: before[k] for k in ("tips", "messages_in", "follows", "followers")}
        == {"tips": 3, "messages_in": 15, "follows": 6, "followers": 6}
    )
    july = period_stats(after, stats, "w-phu-thanh", date(2025, 7, 1), date(2025, 7, 3), today="2025-07-03")
    assert july["tips"] == 3 and july["follows"] == 3 and july["followers"] == 6 + 1 + 3
    assert (
        period_stats(after, stats, "p-hiep-tan", date(2025, 7, 1), date(2025, 7, 3), today="2025-07-03")[
            "tips"
        ]
        == 0
    )
    # The city sees the whole: June under the old wards, July under the new ones.
    city = period_stats(after, stats, "hcm", date(2025, 6, 28), date(2025, 7, 3), today="2025-07-03")
    assert city["tips"] == 6 and city["followers"] == 10


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"merges": [{"from": ["p-hiep-tan"], "into": "nowhere"}]}, ["body", "merges", 0, "into"]),
        ({"merges": [{"from": ["p-hiep-tan"], "into": "p-hiep-tan"}]}, ["body", "merges", 0, "from", 0]),
        (
            {
                "merges": [
                    {"from": ["p-hiep-tan"], "into": "p-phu-thanh"},
                    {"from": ["p-hiep-tan"], "into": "p-tan-quy"},
                ]
            },
            ["body", "merges", 1, "from", 0],
        ),
        ({"reparent": [{"unit_id": "hcm", "parent": "p-hiep-tan"}]}, ["body", "reparent"]),
    ],
)
def test_plans_that_do_not_fit_the_registry_are_refused_with_where(
    body: dict[str, Any], loc: list[Any]
) -> None:
    request = ReorgRequest.model_validate({"effective_date": "2025-07-01", **body})
    with pytest.raises(PlanError) as err:
        make_plan(request, World(registry_2022()))
    assert err.value.loc == loc


def test_renaming_keeps_the_old_name_as_an_alias() -> None:
    request = ReorgRequest.model_validate(
        {
            "effective_date": "2025-07-01",
            "renames": [{"unit_id": "tan-phu", "name": "Công an khu vực Tân Phú"}],
        }
    )
    plan = make_plan(request, World(registry_2022()))
    unit = plan.units["tan-phu"]
    assert unit.name == "Công an khu vực Tân Phú" and "quận Tân Phú" in unit.aliases
    assert plan.counts()["units_renamed"] == 1


def test_request_validation() -> None:
    with pytest.raises(ValueError):
        ReorgRequest.model_validate(
            {"effective_date": "2025-02-30", "renames": [{"unit_id": "a", "name": "bb"}]}
        )
    with pytest.raises(ValueError):
        ReorgRequest.model_validate({"effective_date": "2025-07-01"})
    with pytest.raises(ValueError):
        ReorgRequest.model_validate(
            {"effective_date": "2025-07-01", "splits": [{"unit_id": "a", "into": ["b", "c"], "default": "d"}]}
        )


def test_citizens_of_a_merged_wards_oa_are_told_once_which_unit_serves_them() -> None:
    from anninh.bot import flows
    from anninh.bot.router import BotTurn, respond

    registry = registry_2022()
    after = applied(registry, MemoryReorgStore(registry), MERGE)
    ports = flows.Ports(registry=lambda: after)
    state: dict[str, Any] = {"greeted": True}

    def say(n: int) -> str:
        turn = BotTurn(HIEP_TAN_OA, "citizen", "w-phu-thanh", f"ev-{n}", "menu", NOW, state)
        return "\n".join(m.message.get("text", "") for m in respond(turn, ports).messages)

    first = say(1)
    assert "từ ngày 01/07/2025 Công an phường Hiệp Tân đã được sắp xếp lại" in first
    assert "kênh Zalo này nay do Công an phường Phú Thạnh phục vụ anh/chị" in first
    assert "sắp xếp lại" not in say(2)
    # Citizens of an OA that did not move hear nothing.
    other = BotTurn("2200000000000000002", "citizen", "p-hoa-thanh", "ev-3", "menu", NOW, {"greeted": True})
    assert all("sắp xếp lại" not in m.message.get("text", "") for m in respond(other, ports).messages)


def test_the_2026_demo_registry_and_the_merge_request_fit_the_2022_registry() -> None:
    import json

    from tests.conftest import ROOT

    after_2026 = Registry.load(ROOT / "demo" / "registry-2026.json")
    assert [u.unit_id for u in after_2026.units if u.kind == "ward"] == [
        "hcm-tay-thanh",
        "hcm-tan-son-nhi",
        "hcm-phu-tho-hoa",
        "hcm-tan-phu",
        "hcm-phu-thanh",
    ]
    assert all(u.sources for u in after_2026.units) and all(
        after_2026.unit(o.unit_id) for o in after_2026.oas
    )
    body = json.loads((ROOT / "demo" / "reorg-2025-07-01.json").read_text(encoding="utf-8"))
    request = ReorgRequest.model_validate({k: v for k, v in body.items() if not k.startswith("_")})
    registry = registry_2022()
    plan = make_plan(request, World(registry))
    counts = plan.counts()
    assert counts["units_created"] == 5 and counts["units_ended"] == 11 + 1 + 6 and counts["oas"] == 18
    assert counts["officers"] == len(registry.officers) - 1  # everyone but the city's own admin
    # Where the OAs end up is what the 2026 registry says.
    assert {o.oa_id: o.unit_id for o in plan.oas} == {o.oa_id: o.unit_id for o in after_2026.oas}
