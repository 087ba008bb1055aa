"""Counters, the nightly roll-up and period figures against the emulated table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from anninh.clock import VN_TZ

HIEP_TAN_OA = "2200000000000000001"
PHU_THANH_OA = "2200000000000000003"
DISTRICT_OA = "2200000000000000000"


def at(day: int, hour_vn: int = 10) -> datetime:
    return datetime(2026, 5, day, hour_vn, 0, tzinfo=VN_TZ)


def test_counting_is_idempotent_per_event_and_moves_the_followers_gauge(aws_stack: Any) -> None:
    from anninh import wiring
    from anninh.stats.counters import count

    assert count("follow:e1", HIEP_TAN_OA, "p-hiep-tan", at(5), follows=1)
    assert not count("follow:e1", HIEP_TAN_OA, "p-hiep-tan", at(5), follows=1)
    assert count("follow:e2", HIEP_TAN_OA, "p-hiep-tan", at(5), follows=1)
    assert count("unfollow:e3", HIEP_TAN_OA, "p-hiep-tan", at(6), unfollows=1)

    store = wiring.stats_store()
    assert _oa_day(store, "2026-05-05", HIEP_TAN_OA)["follows"] == 2
    assert store.follower_gauges() == {HIEP_TAN_OA: 1}


def test_unknown_counter_names_are_refused_but_outcomes_and_faq_entries_are_counters(aws_stack: Any) -> None:
    from anninh import wiring
    from anninh.stats.counters import count, record_outcome

    with pytest.raises(ValueError):
        count("x:1", HIEP_TAN_OA, "p-hiep-tan", at(5), tipz=1)
    with pytest.raises(ValueError):
        count("x:2", HIEP_TAN_OA, "p-hiep-tan", at(5), outcome_unknown=1)
    assert count("bot:1", HIEP_TAN_OA, "p-hiep-tan", at(5), **{"faq_cccd-cap-moi": 1, "bot_answered": 1})
    assert record_outcome("case:1:outcome", HIEP_TAN_OA, "p-hiep-tan", "arrest", at=at(5))
    assert record_outcome(
        "case:1:outcome2", HIEP_TAN_OA, "p-hiep-tan", "prevented", previous="arrest", at=at(5)
    )
    day = _oa_day(wiring.stats_store(), "2026-05-05", HIEP_TAN_OA)
    assert day["faq_cccd-cap-moi"] == 1
    assert day["outcome_arrest"] == 0
    assert day["outcome_prevented"] == 1


def test_durations_give_exact_median_and_p90_once_per_event(aws_stack: Any, registry: Any) -> None:
    from anninh import wiring
    from anninh.stats.counters import record_duration
    from anninh.stats.queries import period_stats

    for i, minutes in enumerate([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]):
        assert record_duration(f"case:{i}", HIEP_TAN_OA, "p-hiep-tan", at(6), seconds=minutes * 60)
    assert not record_duration("case:0", HIEP_TAN_OA, "p-hiep-tan", at(6), seconds=999)
    assert record_duration("case:0", HIEP_TAN_OA, "p-hiep-tan", at(7), metric="resolution", seconds=7200)

    stats = period_stats(
        registry, wiring.stats_store(), "tan-phu", date(2026, 5, 1), date(2026, 5, 9), today="2026-05-10"
    )
    first = stats["response_times"]["first_response"]
    assert first == {"count": 10, "median_seconds": 3300.0, "p90_seconds": 5460.0}
    assert stats["response_times"]["resolution"]["median_seconds"] == 7200.0


def test_rollup_gives_unit_figures_including_units_below_and_is_idempotent(
    aws_stack: Any, registry: Any
) -> None:
    from anninh import wiring
    from anninh.stats.counters import count
    from anninh.stats.queries import period_stats

    count("f1", HIEP_TAN_OA, "p-hiep-tan", at(8), follows=1)
    count("f2", PHU_THANH_OA, "p-phu-thanh", at(8), follows=1)
    count("f3", DISTRICT_OA, "tan-phu", at(8), follows=1)
    count("t1", HIEP_TAN_OA, "p-hiep-tan", at(9), tips=1, tips_urgent=1)
    # A district-OA tip handled by a ward counts for the ward (and so for the district too).
    count("v1", DISTRICT_OA, "p-phu-thanh", at(9), tips_valuable=1)
    count("m1", HIEP_TAN_OA, "p-hiep-tan", at(10), messages_in=1)  # today: not rolled up

    result = _rollup(aws_stack, ["2026-05-08", "2026-05-09"])
    assert [r["day"] for r in result["rolled_up"]] == ["2026-05-08", "2026-05-09"]
    first = wiring.stats_store().rollups("tan-phu", "2026-05-01", "2026-05-31")
    assert first["2026-05-08"][0]["follows"] == 3
    assert first["2026-05-08"][1] == 3  # followers at the end of the day
    assert first["2026-05-09"][0]["tips"] == 1
    _rollup(aws_stack, ["2026-05-08", "2026-05-09"])
    again = wiring.stats_store().rollups("tan-phu", "2026-05-01", "2026-05-31")
    assert again == first

    store = wiring.stats_store()
    ward = period_stats(
        registry, store, "p-hiep-tan", date(2026, 5, 1), date(2026, 5, 10), today="2026-05-10"
    )
    district = period_stats(
        registry, wiring.stats_store(), "tan-phu", date(2026, 5, 1), date(2026, 5, 10), today="2026-05-10"
    )
    assert (ward["follows"], ward["tips"], ward["messages_in"], ward["followers"]) == (1, 1, 1, 1)
    assert (district["follows"], district["tips"], district["followers"]) == (3, 1, 3)
    assert district["source"] == {"rolled_up_days": 2, "live_days": 8}
    bars = {u["unit_id"]: u for u in district["units"]}
    assert bars["p-hiep-tan"]["tips"] == 1 and bars["p-phu-thanh"]["follows"] == 1
    assert bars["p-phu-thanh"]["tips_valuable"] == 1 and district["tips_valuable"] == 1
    assert [d["followers"] for d in district["series"]][6:] == [0, 3, 3, 3]


def _oa_day(store: Any, day: str, oa_id: str) -> dict[str, Any]:
    return next(figures for oa, _unit, figures in store.oa_days(day) if oa == oa_id)


def _rollup(aws_stack: Any, days: list[str]) -> dict[str, Any]:
    from localcloud.lambdas import invoke

    # The schedule's input (template.yaml) plus the days to (re-)roll up.
    return invoke("StatsRollupFunction", {"job": "stats-rollup", "days": days})
