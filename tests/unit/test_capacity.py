"""The capacity simulation at CI scale (`make capacity SIZE=city` runs it larger): the real planner,
senders and limiter on a virtual clock, for the seed district and for a city of 5 M followers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.capacity import SIZES, calls_from_bench, monthly_cost, plan_apps, run_size
from scripts.capacity_sim import simulate

pytestmark = pytest.mark.slow


def test_the_seed_district_broadcast_runs_at_the_limit_and_reaches_everyone_once() -> None:
    size = SIZES["seed"]
    figures = run_size(size, scale=40, inbound=None, before=False)
    broadcast = figures["broadcast"]
    assert broadcast["status"] == "done" and broadcast["sent_fraction"] == 1.0
    assert broadcast["duplicates"] == 0 and broadcast["rate_limited_by_us"] == 0
    assert broadcast["max_in_any_minute_per_app"] <= 4000
    # one app at 98 % of 4,000/min: 157,200 followers in ~40 minutes, plus the start
    assert 38 <= broadcast["broadcast_minutes"] <= 46
    assert figures["cost"]["total_usd_per_month"] > 0


def test_a_city_broadcast_on_thirteen_interleaved_apps_ends_in_time_and_one_app_would_not() -> None:
    size = SIZES["city"]
    apps = plan_apps(size)
    assert apps["apps"] == 13 and apps["minutes"] < 120
    after = simulate(apps["followers"], apps["spread"].app_of, scale=250, senders=150).figures
    assert after["status"] == "done" and after["duplicates"] == 0 and after["rate_limited_by_us"] == 0
    assert after["broadcast_minutes"] < 150  # 19:30 + 2.5 h: before quiet hours at 22:00
    keys = {row["kind"]: row["wcu_per_s"] for row in after["hottest_keys"]}
    # one partition for all deliveries would pass DynamoDB's 1,000 WCU; one per OA stays under it
    assert keys["deliveries in one partition (before)"] > 1000
    assert keys["campaign deliveries of one OA"] < 1000
    one_app = dict.fromkeys(apps["followers"], "app000")
    before = simulate(apps["followers"], one_app, scale=250, senders=12, hours=2.5).figures
    assert before["status"] != "done" and before["sent_fraction"] < 0.2


def test_the_monthly_cost_follows_the_calls_per_message_the_bench_measured(tmp_path: Path) -> None:
    size = SIZES["city"]
    broadcast = {"dynamodb_calls_per_message": 3.0, "wcu_per_message": 8.0}
    cheap, dear = tmp_path / "cheap.json", tmp_path / "dear.json"
    cheap.write_text(
        json.dumps({"webhook": {"x": {"aws_calls_per_event": 2}}, "sending": {"aws_calls_per_message": 5}})
    )
    dear.write_text(json.dumps({"inbound": {"aws_calls_per_message_end_to_end": 40}}))
    low = monthly_cost(size, broadcast, calls_from_bench(cheap))
    high = monthly_cost(size, broadcast, calls_from_bench(dear))
    assert low["aws_calls_per_inbound_message"] == 7 and high["aws_calls_per_inbound_message"] == 40
    assert high["usd_per_month"]["dynamodb_inbound"] > low["usd_per_month"]["dynamodb_inbound"] * 5
    assert calls_from_bench(tmp_path / "missing.json")["source"].startswith("docs/benchmarks.md")
