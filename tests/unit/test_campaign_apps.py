"""Spreading OAs over Zalo apps so a broadcast to every follower ends in time (docs/capacity.md)."""

from __future__ import annotations

import pytest

from anninh.campaigns.apps import app_for_new_oa, apps_needed, sends_per_minute, spread_oas


def test_a_city_of_five_million_needs_thirteen_apps_for_a_two_hour_broadcast() -> None:
    assert apps_needed(5_000_000, 120) == 13  # 12 would need 106 of the 120 minutes: too tight
    assert apps_needed(157_200, 120) == 1  # the seed district fits one app
    assert apps_needed(60_000_000, 120) == 151


def test_oas_are_spread_so_every_app_carries_about_the_same_followers() -> None:
    followers = {"city": 400_000} | {f"ward{i:03d}": 20_000 + 40 * i for i in range(199)}
    apps = [f"app{i}" for i in range(12)]
    spread = spread_oas(followers, apps, minutes=120)
    loads = spread.followers_per_app
    assert set(spread.app_of) == set(followers) and set(spread.app_of.values()) == set(apps)
    assert sum(loads.values()) == sum(followers.values())
    assert max(loads.values()) - min(loads.values()) <= 25_000  # about one ward OA
    assert spread.minutes() < 120 and spread.too_big == []


def test_an_oa_bigger_than_one_app_can_send_in_time_is_reported() -> None:
    one_app_in_two_hours = sends_per_minute() * 120
    spread = spread_oas({"huge": int(one_app_in_two_hours) + 1, "small": 10}, ["a", "b"], minutes=120)
    assert spread.too_big == ["huge"]
    assert spread.minutes() > 120


def test_a_new_oa_goes_to_the_least_loaded_app() -> None:
    assert app_for_new_oa({"a": 300, "b": 100, "c": 200}) == "b"
    with pytest.raises(ValueError):
        app_for_new_oa({})
