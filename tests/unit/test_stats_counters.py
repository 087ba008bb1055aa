"""Counting rules without AWS: names, the Vietnam day, once per event, outcomes and samples."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anninh.stats.counters import MARKER_TTL_SECONDS, Counters
from tests.fakes.stats import InMemoryCounterStore

OA, UNIT = "1001", "2200000000000000001"


def test_an_event_counts_once_on_its_vietnam_day() -> None:
    store = InMemoryCounterStore()
    counters = Counters(store)
    late_utc = datetime(2026, 5, 9, 18, 30, tzinfo=UTC)  # 01:30 on 10 May in Vietnam
    assert counters.count("msg:1", OA, UNIT, late_utc, messages_in=1, inquiries=1)
    assert not counters.count("msg:1", OA, UNIT, late_utc, messages_in=1, inquiries=1)  # redelivered
    assert store.days[("2026-05-10", OA, UNIT)] == {"messages_in": 1, "inquiries": 1}
    assert store.markers["msg:1"] == int(late_utc.timestamp()) + MARKER_TTL_SECONDS


def test_unknown_names_are_refused_and_zero_counts_write_nothing() -> None:
    store = InMemoryCounterStore()
    counters = Counters(store)
    with pytest.raises(ValueError, match="tipz"):
        counters.count("e:1", OA, UNIT, tipz=1)
    assert not counters.count("e:2", OA, UNIT, tips=0)
    assert store.markers == {}


def test_follows_move_the_followers_gauge() -> None:
    store = InMemoryCounterStore()
    counters = Counters(store)
    counters.count("f:1", OA, UNIT, follows=1)
    counters.count("f:2", OA, UNIT, follows=1)
    counters.count("u:1", OA, UNIT, unfollows=1)
    assert store.followers[OA] == 1


def test_a_changed_outcome_takes_back_the_previous_one() -> None:
    store = InMemoryCounterStore()
    counters = Counters(store)
    at = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    counters.record_outcome("c1:o1", OA, UNIT, "arrest", at=at)
    counters.record_outcome("c1:o2", OA, UNIT, "prevented", previous="arrest", at=at)
    assert store.days[("2026-05-10", OA, UNIT)] == {"outcome_arrest": 0, "outcome_prevented": 1}


def test_durations_are_samples_kept_once_per_metric() -> None:
    store = InMemoryCounterStore()
    counters = Counters(store)
    at = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    assert counters.record_duration("c1", OA, UNIT, at, metric="first_response", seconds=90.12345)
    assert not counters.record_duration("c1", OA, UNIT, at, metric="first_response", seconds=5)
    assert counters.record_duration("c1", OA, UNIT, at, metric="resolution", seconds=3600)
    assert store.days[("2026-05-10", OA, UNIT)] == {
        "samples_first_response": [90.123],
        "samples_resolution": [3600.0],
    }
    with pytest.raises(ValueError):
        counters.record_duration("c2", OA, UNIT, at, seconds=-1)
