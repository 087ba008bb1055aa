"""A scripted month fed through the real handlers (in-process, moto): the figures equal what was fed,
per unit and in total; the consistency check finds no difference; the report's numbers match the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from anninh.clock import utcnow, vn_day

pytestmark = pytest.mark.slow

FIGURES = ("follows", "unfollows", "followers", "messages_in", "inquiries", "tips", "tips_urgent", "tips_valuable")


@pytest.fixture(autouse=True)
def _registry_floats(monkeypatch: pytest.MonkeyPatch) -> None:
    # TEMP: the shared fixture stores unit centroids as floats, which boto3 refuses (lead to fix).
    from anninh import registry_store

    original = registry_store.put_unit
    monkeypatch.setattr(registry_store, "put_unit", lambda unit: original(unit.model_copy(update={"centroid": None})))


def test_a_fed_month_gives_the_fed_figures_per_unit_and_no_check_difference(aws_stack: Any, registry: Any) -> None:
    from anninh.stats.check import compare, scan_records
    from anninh.stats.store import DynamoStatsStore
    from localcloud.lambdas import invoke
    from scripts.feed_month import InProcessChannel, expected, feed, script_month

    today = date.fromisoformat(vn_day(utcnow()))
    script = script_month(registry, today, days=30)
    channel = InProcessChannel(registry)
    result = feed(channel, registry, script)
    want = expected(registry, script)
    first, last = script.period

    # Yesterday and before come from the nightly roll-up, today from the live counters.
    days = [(script.first + timedelta(days=i)).isoformat() for i in range(30)]
    invoke("StatsRollupFunction", {"job": "stats-rollup", "days": days})

    for unit_id in ("tan-phu", "p-hiep-tan", "p-phu-thanh", "doi-hinh-su"):
        status, stats = channel.api("tanphu.chihuy", "GET", "/stats", query={"from": first, "to": last, "unit_id": unit_id})
        assert status == 200, stats
        got = {name: stats[name] for name in FIGURES}
        assert got == {name: want["units"][unit_id].get(name, 0) for name in FIGURES}, unit_id
    status, district = channel.api("tanphu.chihuy", "GET", "/stats", query={"from": first, "to": last})
    assert district["source"] == {"rolled_up_days": 30, "live_days": 1}
    assert district["bot_answered"] + district["handed_off"] == district["inquiries"]
    for day in district["series"][:-1]:
        fed = want["days"].get(day["day"], {})
        assert (day["follows"], day["tips"], day["messages_in"]) == (
            fed.get("follows", 0), fed.get("tips", 0), fed.get("messages_in", 0)), day["day"]
    assert district["series"][-1]["tips_valuable"] == len(result.valuable_marked) > 0

    assert compare(DynamoStatsStore(), scan_records(), first, last) == []

    # A ward officer sees their ward's figures, not the district's.
    status, _ = channel.api("hieptan.canbo", "GET", "/stats", query={"from": first, "to": last, "unit_id": "tan-phu"})
    assert status == 404
    status, ward = channel.api("hieptan.canbo", "GET", "/stats", query={"from": first, "to": last})
    assert status == 200 and ward["unit_id"] == "p-hiep-tan"

    # The review-meeting report for the month says what the API says.
    status, report = channel.api("tanphu.chihuy", "POST", "/reports", {"from": first, "to": last, "unit_id": "tan-phu"})
    assert status == 201, report
    for name in ("follows", "followers", "inquiries", "tips", "tips_valuable", "tips_urgent"):
        assert report["figures"][name] == district[name], name
    assert "Tin báo ANTT theo đơn vị" in report["charts"]
    s3 = __import__("anninh.aws", fromlist=["client"]).client("s3")
    from anninh.settings import get_settings

    html = s3.get_object(Bucket=get_settings().reports_bucket, Key=report["html_key"])["Body"].read().decode()
    assert "BÁO CÁO SƠ KẾT" in html and html.count("<svg") >= 4
    pdf = s3.get_object(Bucket=get_settings().reports_bucket, Key=report["pdf_key"])["Body"].read()
    assert pdf.startswith(b"%PDF")
