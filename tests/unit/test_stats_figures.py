"""Figures without AWS: counter names, percentiles, roll-up, period figures, exports, the check."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from anninh.clock import VN_TZ
from anninh.registry import Registry
from tests.unit.test_stats_support import MemoryStatsStore

HIEP_TAN, PHU_THANH, DISTRICT = "2200000000000000001", "2200000000000000003", "2200000000000000000"
NOW = datetime(2026, 5, 10, 9, 0, tzinfo=VN_TZ)


@pytest.fixture
def registry() -> Registry:
    from tests.conftest import DEMO_REGISTRY

    return Registry.load(DEMO_REGISTRY)


def test_counter_names_include_outcomes_and_faq_entries_but_nothing_else() -> None:
    from anninh.stats.counters import faq_counter, is_counter

    assert is_counter("follows") and is_counter("outcome_arrest") and is_counter(faq_counter("ho-chieu"))
    assert not is_counter("outcome_lottery") and not is_counter("faq_Bad Id") and not is_counter("tipz")


def test_percentiles_and_vietnamese_formats() -> None:
    from anninh.stats.figures import human_duration, percentile, vn_number

    assert percentile([], 50) is None
    assert percentile([60, 120, 180, 240], 50) == 150.0
    assert percentile([float(s) for s in range(1, 11)], 90) == 9.1
    assert vn_number(157200) == "157.200" and vn_number(2.5) == "2,5"
    assert (
        human_duration(None) == "—" and human_duration(5400) == "1,5 giờ" and human_duration(600) == "10 phút"
    )


def _month(store: MemoryStatsStore) -> None:
    store.add("2026-05-08", HIEP_TAN, "p-hiep-tan", follows=3, tips=1)
    store.add("2026-05-08", PHU_THANH, "p-phu-thanh", follows=2, unfollows=1, samples_first_response=[600.0])
    store.add(
        "2026-05-09", DISTRICT, "tan-phu", follows=4, inquiries=5, bot_answered=4, **{"faq_ho-chieu": 3}
    )
    store.add("2026-05-09", DISTRICT, "p-hiep-tan", tips_valuable=1, outcome_arrest=1)  # routed to the ward
    store.add("2026-05-10", HIEP_TAN, "p-hiep-tan", follows=1, messages_in=2)


def test_period_figures_include_units_below_and_followers_walk_back_from_the_gauge(
    registry: Registry,
) -> None:
    from anninh.stats.queries import period_stats

    store = MemoryStatsStore()
    _month(store)
    stats = period_stats(registry, store, "tan-phu", date(2026, 5, 8), date(2026, 5, 9), today="2026-05-10")
    assert (stats["follows"], stats["unfollows"], stats["tips"], stats["tips_valuable"]) == (9, 1, 1, 1)
    assert (stats["followers_start"], stats["followers"], stats["followers_change"]) == (0, 8, 8)
    assert [d["followers"] for d in stats["series"]] == [4, 8]
    assert stats["bot_answer_rate"] == 0.8 and stats["outcomes"] == {"arrest": 1}
    assert stats["top_questions"] == [{"entry_id": "ho-chieu", "count": 3}]
    bars = {u["unit_id"]: u for u in stats["units"]}
    assert bars["p-hiep-tan"]["tips_valuable"] == 1 and bars["p-hiep-tan"]["followers"] == 3
    ward = period_stats(
        registry, store, "p-hiep-tan", date(2026, 5, 8), date(2026, 5, 31), today="2026-05-10"
    )
    assert (ward["follows"], ward["messages_in"], ward["followers"], len(ward["series"])) == (4, 2, 4, 3)


def test_rollup_is_idempotent_and_read_instead_of_live_counters(registry: Registry) -> None:
    from anninh.stats.queries import period_stats
    from anninh.stats.rollup import roll_up_days

    store = MemoryStatsStore()
    _month(store)
    roll_up_days(registry, store, ["2026-05-08", "2026-05-09"], NOW)
    first = dict(store.rolled)
    roll_up_days(registry, store, ["2026-05-09", "2026-05-08"], NOW)
    assert store.rolled == first
    assert store.rolled[("2026-05-08", "tan-phu")][1] == 4
    assert store.rolled[("2026-05-09", "p-hiep-tan")] == ({"tips_valuable": 1, "outcome_arrest": 1}, 3)
    store.days["2026-05-08"].clear()  # the live counters are no longer read for rolled-up days
    stats = period_stats(registry, store, "tan-phu", date(2026, 5, 8), date(2026, 5, 10), today="2026-05-10")
    assert stats["follows"] == 10 and stats["source"] == {"rolled_up_days": 2, "live_days": 1}
    with pytest.raises(ValueError):
        roll_up_days(registry, store, ["2026-05-11"], NOW)


def test_bad_periods_are_refused() -> None:
    from anninh.stats.queries import PeriodError, parse_period

    assert parse_period(None, None, "2026-05-10") == (date(2026, 5, 10), date(2026, 5, 10))
    for first, last in (("2026-05-10", "2026-05-01"), ("10/05/2026", None), ("2020-01-01", "2026-01-01")):
        with pytest.raises(PeriodError):
            parse_period(first, last, "2026-05-10")


def test_csv_exports_are_excel_friendly_and_show_pseudonyms_only(registry: Registry) -> None:
    from anninh.stats.exports import figures_csv, tips_csv
    from anninh.stats.queries import period_stats

    store = MemoryStatsStore()
    _month(store)
    stats = period_stats(registry, store, "tan-phu", date(2026, 5, 8), date(2026, 5, 9), today="2026-05-10")
    text = figures_csv(stats)
    lines = text.splitlines()
    assert text.startswith("\ufeffNgày,Người quan tâm (cuối kỳ),Lượt quan tâm mới")
    assert lines[1].startswith("2026-05-08,4,5,1") and lines[-1].startswith("Tổng cộng,8,9,1")
    row = {
        "code": "HT-2605-0001",
        "created_at": "2026-05-08T01:00:00.000Z",
        "unit_id": "p-hiep-tan",
        "status": "verified",
        "urgent": True,
        "valuable": True,
        "outcome": "arrest",
        "pseudonym": "Công dân 7F3A",
        "summary": '=HYPERLINK("x")',
        "address": None,
        "media_count": 2,
        "user_id": "8400000000000000001",
    }
    tips = tips_csv([row], {"p-hiep-tan": "Công an phường Hiệp Tân"})
    assert "08/05/2026 08:00" in tips and "Đã xác minh" in tips and "Bắt giữ đối tượng" in tips
    assert "Công dân 7F3A" in tips and "8400000000000000001" not in tips and "'=HYPERLINK" in tips


def test_consistency_check_finds_counters_that_disagree_with_records() -> None:
    from scripts.stats_check import compare

    store = MemoryStatsStore()
    store.add("2026-05-08", HIEP_TAN, "p-hiep-tan", follows=1, messages_in=2, tips=1)
    items: list[dict[str, Any]] = [
        {
            "PK": f"OA#{HIEP_TAN}",
            "SK": "FOLLOWER#u1",
            "following": True,
            "followed_at": "2026-05-08T02:00:00.000Z",
        },
        {
            "PK": f"CONV#{HIEP_TAN}#u1",
            "SK": "MSG#a",
            "direction": "in",
            "oa_id": HIEP_TAN,
            "at": "2026-05-08T02:00:00.000Z",
        },
        {
            "PK": f"CONV#{HIEP_TAN}#u1",
            "SK": "MSG#b",
            "direction": "in",
            "oa_id": HIEP_TAN,
            "at": "2026-05-07T17:30:00.000Z",
        },  # 00:30 on the 8th in Vietnam
        {
            "PK": f"CONV#{HIEP_TAN}#u1",
            "SK": "MSG#c",
            "direction": "out",
            "oa_id": HIEP_TAN,
            "at": "2026-05-08T02:00:01.000Z",
        },
        {"PK": "CASE#c1", "SK": "CASE", "oa_id": HIEP_TAN, "created_at": "2026-05-08T03:00:00.000Z"},
    ]
    assert compare(store, items, "2026-05-01", "2026-05-10") == []
    items.append(
        {
            "PK": "CASE#c2",
            "SK": "CASE",
            "oa_id": HIEP_TAN,
            "created_at": "2026-05-08T04:00:00.000Z",
            "urgent": True,
            "valuable": True,
        }
    )
    diffs = compare(store, items, "2026-05-01", "2026-05-10")
    assert {(d.figure, d.day, d.counted, d.recomputed) for d in diffs} == {
        ("tips", "2026-05-08", 1, 2),
        ("tips_urgent", "2026-05-08", 0, 1),
        ("tips_valuable", "2026-05-01..2026-05-10", 0, 1),
    }


def test_per_unit_rows_include_the_units_own_row_and_add_up_to_its_total(registry: Registry) -> None:
    from anninh.stats.figures import HEADLINE
    from anninh.stats.queries import period_stats

    store = MemoryStatsStore()
    _month(store)
    store.add("2026-05-09", DISTRICT, "tan-phu", tips=5, tips_urgent=1)  # tips the district holds itself
    stats = period_stats(registry, store, "tan-phu", date(2026, 5, 8), date(2026, 5, 10), today="2026-05-10")
    rows = stats["units"]
    own = [r for r in rows if r["own"]]
    assert len(own) == 1 and own[0]["unit_id"] == "tan-phu" and own[0]["name"].endswith("(trực tiếp)")
    assert (own[0]["tips"], own[0]["follows"], own[0]["inquiries"]) == (5, 4, 5)
    for name in ("followers", *HEADLINE):
        assert sum(r[name] for r in rows) == stats[name], name
    # A ward has no units below it: no breakdown, no own row.
    ward = period_stats(
        registry, store, "p-hiep-tan", date(2026, 5, 8), date(2026, 5, 10), today="2026-05-10"
    )
    assert ward["units"] == []


def test_a_forwarded_and_resolved_tip_is_credited_to_the_unit_that_resolved_it(registry: Registry) -> None:
    from anninh.stats.queries import period_stats

    store = MemoryStatsStore()
    # Received by the district OA, forwarded to the criminal police team, resolved there.
    store.add("2026-05-08", DISTRICT, "tan-phu", tips=1)
    store.add("2026-05-09", DISTRICT, "tan-phu", tips_moved_out=1)
    store.add("2026-05-09", DISTRICT, "doi-hinh-su", tips_moved_in=1, tips_resolved=1)
    stats = period_stats(registry, store, "tan-phu", date(2026, 5, 8), date(2026, 5, 10), today="2026-05-10")
    rows = {r["unit_id"]: r for r in stats["units"]}
    team, own = rows["doi-hinh-su"], rows["tan-phu"]
    assert (team["tips_handled"], team["tips_resolved"], team["tips"]) == (1, 1, 0)
    assert (own["tips_handled"], own["tips"]) == (0, 1)  # the "received by" view keeps the district
    assert stats["tips"] == stats["tips_handled"] == 1
