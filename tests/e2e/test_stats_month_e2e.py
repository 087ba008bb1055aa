"""A scripted month fed to the local stack over HTTP, broadcasts included: the figures move by exactly
what was fed, per unit and in total, and the counters agree with the stored records.

The test runs on a local stack of its own; figures are still compared as differences before/after
feeding, and the check looks at the month's own days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from anninh.clock import utcnow, vn_day
from anninh.registry import Registry

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EVENT_FIGURES = ("follows", "unfollows", "followers", "messages_in", "inquiries", "tips", "tips_urgent")
UNITS = ("tan-phu", "p-hiep-tan", "p-phu-tho-hoa", "p-tan-son-nhi", "doi-hinh-su")


def test_a_month_fed_over_http_moves_the_figures_by_what_was_fed(stack_factory: Any) -> None:
    from anninh.stats.store import DynamoStatsStore
    from scripts.feed_month import DISTRICT_COMMANDER, HttpChannel, expected, feed, script_month
    from scripts.stats_check import compare, scan_records
    from tests.stack import DEMO_REGISTRY

    # A stack of its own: the consistency check compares every stored record of the month with the
    # counters, so no other test may write into it meanwhile.
    local_stack = stack_factory(name="stats-month")
    registry = Registry.load(DEMO_REGISTRY)
    today = date.fromisoformat(vn_day(utcnow()))
    script = script_month(registry, today, days=30, sparse=True)
    channel = HttpChannel(local_stack.base_url)
    month = {"from": script.first.isoformat(), "to": script.last.isoformat()}
    day = {"from": today.isoformat(), "to": today.isoformat()}

    def figures(period: dict[str, str], unit_id: str) -> dict[str, Any]:
        status, stats = channel.api(DISTRICT_COMMANDER, "GET", "/stats", query={**period, "unit_id": unit_id})
        assert status == 200, stats
        return stats

    before = {unit: figures(month, unit) for unit in UNITS}
    today_before = figures(day, "tan-phu")
    result = feed(channel, registry, script, wait_campaigns=90)
    want = expected(registry, script, result.broadcast_sent)

    for unit in UNITS:
        after = figures(month, unit)
        fed = want["units"][unit]
        assert {n: after[n] - before[unit][n] for n in EVENT_FIGURES} == {
            n: fed.get(n, 0) for n in EVENT_FIGURES
        }
    today_after = figures(day, "tan-phu")
    assert today_after["tips_valuable"] - today_before["tips_valuable"] == len(result.valuable_marked) == 2
    sent = sum(c["sent"] for c in result.campaigns)
    assert sent >= 1  # the month's recent followers were reached
    assert today_after["broadcast_sent"] - today_before["broadcast_sent"] == sent
    assert [c["status"] for c in result.campaigns] == ["done", "done"]

    # The counters agree with the records for the month's days (today is shared with other tests).
    days = {(script.first + timedelta(days=i)).isoformat() for i in range(30)}
    table = local_stack.table()
    diffs = compare(DynamoStatsStore(table), scan_records(table), month["from"], month["to"])
    assert [d for d in diffs if d.day in days] == []
