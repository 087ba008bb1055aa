"""A scripted month through the real handlers (in-process, moto): the figures equal what was fed, per
unit and in total; the consistency check finds no difference; the month's report matches the API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from anninh.clock import VN_TZ, utcnow, vn_day

pytestmark = pytest.mark.slow

FIGURES = (
    "follows",
    "unfollows",
    "followers",
    "messages_in",
    "inquiries",
    "tips",
    "tips_urgent",
    "tips_valuable",
)


def test_a_fed_month_gives_the_fed_figures_per_unit_and_no_check_difference(
    aws_stack: Any, registry: Any
) -> None:
    from anninh import wiring
    from anninh.stats.queries import parse_period, period_stats
    from localcloud.lambdas import invoke
    from scripts.feed_month import InProcessChannel, expected, feed, script_month
    from scripts.stats_check import compare, scan_records

    today = vn_day(utcnow())
    script = script_month(registry, date.fromisoformat(today), days=30, sparse=True)
    channel = InProcessChannel(registry)
    result = feed(channel, registry, script)  # webhook events, then valuable marks through the API
    want = expected(registry, script)
    first, last = script.period

    # The month's days come from the nightly roll-up, today from the live counters.
    days = [(script.first + timedelta(days=i)).isoformat() for i in range(30)]
    invoke("StatsRollupFunction", {"job": "stats-rollup", "days": days})

    status, district = channel.api("tanphu.chihuy", "GET", "/stats", query={"from": first, "to": last})
    assert status == 200, district
    assert {n: district[n] for n in FIGURES} == {n: want["units"]["tan-phu"].get(n, 0) for n in FIGURES}
    assert district["tips"] == 4 and district["tips_valuable"] == len(result.valuable_marked) == 2
    assert district["source"] == {"rolled_up_days": 30, "live_days": 1}
    assert district["bot_answered"] + district["handed_off"] == district["inquiries"] == 3
    for day in district["series"][:-1]:
        fed = want["days"].get(day["day"], {})
        assert (day["follows"], day["tips"], day["messages_in"]) == (
            fed.get("follows", 0),
            fed.get("tips", 0),
            fed.get("messages_in", 0),
        ), day["day"]
    assert district["series"][-1]["tips_valuable"] == 2  # marked today
    bars = {u["unit_id"]: u for u in district["units"]}
    start, end = parse_period(first, last, today)
    for unit_id in ("p-phu-tho-hoa", "p-tan-son-nhi", "doi-hinh-su"):
        unit = period_stats(registry, wiring.stats_store(), unit_id, start, end, today=today)
        fed = want["units"][unit_id]
        assert {n: unit[n] for n in FIGURES} == {n: fed.get(n, 0) for n in FIGURES}, unit_id
        assert bars[unit_id]["follows"] == fed.get("follows", 0)

    # A ward officer sees the ward's figures and nothing of the district's.
    status, _ = channel.api(
        "hieptan.canbo", "GET", "/stats", query={"from": first, "to": last, "unit_id": "tan-phu"}
    )
    assert status == 404
    status, ward = channel.api("hieptan.canbo", "GET", "/stats", query={"from": first, "to": last})
    assert status == 200 and ward["unit_id"] == "p-hiep-tan"

    assert compare(wiring.stats_store(), scan_records(), first, last) == []


def test_the_months_report_renders_with_charts_and_says_what_the_api_says(
    aws_stack: Any, registry: Any
) -> None:
    from anninh import aws
    from anninh.settings import get_settings
    from anninh.stats.counters import count, record_duration, record_outcome
    from scripts.feed_month import InProcessChannel

    today = date.fromisoformat(vn_day(utcnow()))
    first = today - timedelta(days=30)
    wards = [oa for oa in registry.oas if oa.unit_id.startswith("p-")][:4]
    # Counters as the areas write them (this test is about the report, not intake).
    for d in range(0, 30, 3):
        at = datetime(first.year, first.month, first.day, 9, tzinfo=VN_TZ) + timedelta(days=d)
        for i, oa in enumerate(wards):
            key = f"r{d}-{i}"
            count(f"{key}-f", oa.oa_id, oa.unit_id, at, follows=2 + i)
            count(
                f"{key}-q",
                oa.oa_id,
                oa.unit_id,
                at,
                inquiries=3,
                bot_answered=2,
                handed_off=1,
                **{"faq_dang-ky-tam-tru": 2, "faq_cccd-cap-moi": 1},
            )
            if (d + i) % 4 == 0:
                count(f"{key}-t", oa.oa_id, oa.unit_id, at, tips=1, tips_valuable=1)
                record_outcome(f"{key}-o", oa.oa_id, oa.unit_id, "prevented", at=at)
                record_duration(key, oa.oa_id, oa.unit_id, at, seconds=1800 + 600 * i)
    period = {"from": first.isoformat(), "to": today.isoformat()}
    channel = InProcessChannel(registry)

    status, stats = channel.api("tanphu.chihuy", "GET", "/stats", query=period)
    assert status == 200
    status, queued = channel.api("tanphu.chihuy", "POST", "/reports", {**period, "unit_id": "tan-phu"})
    assert status == 202 and queued["status"] == "queued", queued
    status, waiting = channel.api("tanphu.chihuy", "GET", f"/reports/{queued['report_id']}")
    assert status == 200 and waiting["status"] == "queued" and "pdf_url" not in waiting
    channel.make_reports()  # the report queue, through ReportFunction
    status, report = channel.api("tanphu.chihuy", "GET", f"/reports/{queued['report_id']}")
    assert status == 200 and report["status"] == "ready", report
    for name in ("followers", "follows", "inquiries", "bot_answered", "tips", "tips_valuable"):
        assert report["figures"][name] == stats[name] > 0, name
    assert report["top_questions"][0]["entry_id"] == "dang-ky-tam-tru"
    assert report["outcomes"] == {"prevented": stats["tips"]}
    assert report["charts"] == [
        "Lượt quan tâm mới và câu hỏi thủ tục theo ngày",
        "Tin báo ANTT theo ngày",
        "Tin báo ANTT theo đơn vị",
        "Lượt quan tâm mới theo đơn vị",
        "Kết quả xử lý tin báo",
    ]

    s3 = aws.client("s3")
    bucket = get_settings().reports_bucket
    html = s3.get_object(Bucket=bucket, Key=report["html_key"])["Body"].read().decode()
    assert "BÁO CÁO SƠ KẾT" in html and "Công an quận Tân Phú" in html and html.count("<svg") == 5
    assert f"{stats['follows']:,}".replace(",", ".") in html
    pdf = s3.get_object(Bucket=bucket, Key=report["pdf_key"])["Body"].read()
    assert pdf.startswith(b"%PDF") and len(pdf) == report["pdf_bytes"]
    assert report["pdf_url"].startswith("http") and "Signature=" in report["pdf_url"]  # presigned

    status, again = channel.api("tanphu.chihuy", "GET", f"/reports/{report['report_id']}")
    assert status == 200 and again["figures"] == report["figures"]
    # The report is the commander's document: a ward officer may not make one, nor read the district's.
    status, _ = channel.api("hieptan.canbo", "POST", "/reports", {**period})
    assert status == 403
    status, _ = channel.api("hieptan.chihuy", "GET", f"/reports/{report['report_id']}")
    assert status == 404
