"""The stats and export endpoints through ApiFunction: access, bad input, CSV for Excel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from anninh.clock import utcnow, vn_day
from tests.integration.test_api_support import call, claims_for, open_case


def test_bad_periods_and_unknown_units_get_clear_errors(aws_stack: Any, registry: Any) -> None:
    commander = claims_for(registry, "tanphu.chihuy")
    for query, status in (
        ({"from": "2026-13-01"}, 422),
        ({"from": "2026-05-10", "to": "2026-05-01"}, 422),
        ({"from": "2020-01-01", "to": "2026-01-01"}, 422),
        ({"unit_id": "p-khong-co"}, 404),
    ):
        code, body = call("GET", "/api/v1/stats", commander, query=query)
        assert code == status, (query, body)
        assert body["error"]["message"]
    code, body = call("POST", "/api/v1/reports", commander, body={"from": "2026-05-01"})
    assert code == 422
    code, _ = call("GET", "/api/v1/reports/khong-co", commander)
    assert code == 404
    code, _ = call("GET", "/api/v1/stats", None)
    assert code == 401


def test_exports_are_csv_for_excel_and_respect_unit_access(aws_stack: Any, registry: Any) -> None:
    from anninh.stats.counters import count

    now = utcnow()
    today = vn_day(now)
    count("e1", "2200000000000000001", "p-hiep-tan", now, follows=3, tips=1)
    count("e2", "2200000000000000003", "p-phu-thanh", now, follows=5)
    mine = open_case(registry, "p-hiep-tan", text="Báo tin có người lạ trèo tường vào nhà dân")
    other = open_case(
        registry,
        "p-phu-thanh",
        text="Báo tin có cờ bạc ở quán nước",
        created_at=datetime.now(UTC) - timedelta(minutes=3),
    )

    # Figures: a ward officer sees the ward's, the district commander the sum of all units.
    code, ward = call("GET", "/api/v1/stats", claims_for(registry, "hieptan.canbo"))
    assert code == 200 and ward["follows"] == 3 and ward["unit_id"] == "p-hiep-tan"
    code, district = call(
        "GET", "/api/v1/stats", claims_for(registry, "tanphu.chihuy"), query={"from": today, "to": today}
    )
    assert code == 200 and district["follows"] == 8 and district["followers"] == 8

    from localcloud.lambdas import invoke
    from tests.integration.test_api_support import api_event

    response = invoke(
        "ApiFunction", api_event("GET", "/api/v1/stats/export.csv", claims_for(registry, "tanphu.chihuy"))
    )
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/csv")
    assert "attachment" in response["headers"]["Content-Disposition"]
    assert response["body"].startswith("\ufeffNgày,Người quan tâm (cuối kỳ)")
    assert f"{today},8,8," in response["body"]

    response = invoke(
        "ApiFunction", api_event("GET", "/api/v1/tips/export.csv", claims_for(registry, "hieptan.canbo"))
    )
    assert response["statusCode"] == 200
    body = response["body"]
    assert mine.code in body and other.code not in body  # another ward's case never leaks
    assert mine.user_id not in body and "Công an phường Hiệp Tân" in body
    response = invoke(
        "ApiFunction",
        api_event(
            "GET",
            "/api/v1/tips/export.csv",
            claims_for(registry, "hieptan.canbo"),
            query={"unit_id": "p-phu-thanh"},
        ),
    )
    assert response["statusCode"] == 404
    response = invoke(
        "ApiFunction",
        api_event(
            "GET", "/api/v1/tips/export.csv", claims_for(registry, "tanphu.chihuy"), query={"status": "new"}
        ),
    )
    assert mine.code in response["body"] and other.code in response["body"]


def test_the_tip_export_for_one_day_holds_exactly_that_days_tips(aws_stack: Any, registry: Any) -> None:
    """The stats page sends its period as from/to (issue 17: the export ignored it)."""
    from localcloud.lambdas import invoke
    from tests.integration.test_api_support import api_event

    vn = timedelta(hours=7)
    day = datetime.fromisoformat(vn_day(utcnow())).replace(tzinfo=UTC) - timedelta(days=3) - vn  # 00:00 VN
    at = {
        "before": day - timedelta(minutes=5),
        "first": day + timedelta(minutes=5),
        "last": day + timedelta(hours=23, minutes=55),
        "after": day + timedelta(days=1, minutes=5),
    }
    cases = {name: open_case(registry, "p-tan-quy", created_at=when) for name, when in at.items()}
    wanted = (day + vn).date().isoformat()
    for query in ({"from": wanted, "to": wanted}, {"since": wanted, "until": wanted}):
        response = invoke(
            "ApiFunction",
            api_event("GET", "/api/v1/tips/export.csv", claims_for(registry, "tanquy.canbo"), query=query),
        )
        assert response["statusCode"] == 200, response["body"]
        body = response["body"]
        assert {name for name, case in cases.items() if case.code in body} == {"first", "last"}, query
        assert len(body.strip().splitlines()) == 3  # header + the day's two tips
        assert f"tin-bao-{wanted}-{wanted}.csv" in response["headers"]["Content-Disposition"]


def test_a_forwarded_and_resolved_tip_counts_for_the_team_that_resolved_it(
    aws_stack: Any, registry: Any
) -> None:
    from anninh.stats.counters import count

    commander = claims_for(registry, "tanphu.chihuy")
    today = vn_day(utcnow())

    def rows() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        code, stats = call("GET", "/api/v1/stats", commander, query={"from": today, "to": today})
        assert code == 200
        return stats, {u["unit_id"]: u for u in stats["units"]}

    _, before = rows()
    case = open_case(registry, "p-son-ky")
    count(f"intake:{case.case_id}", case.oa_id, "p-son-ky", tips=1)  # as intake counts a new tip
    ward, team = claims_for(registry, "sonky.canbo"), claims_for(registry, "doihinhsu.canbo")
    status, _ = call(
        "POST", f"/api/v1/tips/{case.case_id}/forward", ward, {"unit_id": "doi-hinh-su", "note": "Hình sự"}
    )
    assert status == 200
    assert call("PATCH", f"/api/v1/tips/{case.case_id}", team, {"status": "in_review"})[0] == 200
    assert call("PATCH", f"/api/v1/tips/{case.case_id}", team, {"status": "resolved"})[0] == 200

    stats, after = rows()
    delta = {
        unit: {k: after[unit][k] - before[unit][k] for k in ("tips", "tips_handled", "tips_resolved")}
        for unit in ("p-son-ky", "doi-hinh-su")
    }
    assert delta["doi-hinh-su"] == {"tips": 0, "tips_handled": 1, "tips_resolved": 1}
    assert delta["p-son-ky"] == {"tips": 1, "tips_handled": 0, "tips_resolved": 0}  # "received by"
    for name in ("tips", "tips_handled", "tips_resolved", "follows"):
        assert sum(u[name] for u in stats["units"]) == stats[name], name


def test_a_report_that_keeps_failing_is_shown_failed_not_queued_forever(
    aws_stack: Any, registry: Any, monkeypatch: Any
) -> None:
    import json

    from anninh.reports import pdf
    from localcloud.lambdas import invoke

    commander = claims_for(registry, "tanphu.chihuy")
    today = vn_day(utcnow())
    code, queued = call("POST", "/api/v1/reports", commander, body={"from": today[:8] + "01", "to": today})
    assert code == 202 and queued["status"] == "queued"

    def broken(_: Any) -> bytes:
        raise RuntimeError("font missing")

    monkeypatch.setattr(pdf, "render_pdf", broken)

    def deliver(attempt: int) -> Any:
        record = {
            "messageId": f"m{attempt}",
            "body": json.dumps({"report_id": queued["report_id"]}),
            "attributes": {"ApproximateReceiveCount": str(attempt)},
        }
        return invoke("ReportFunction", {"Records": [record]})

    with pytest.raises(Exception, match="font missing"):  # a lone failed record: SQS retries the batch
        deliver(1)
    code, waiting = call("GET", f"/api/v1/reports/{queued['report_id']}", commander)
    assert code == 200 and waiting["status"] == "queued"
    assert deliver(3) == {"batchItemFailures": []}  # given up: recorded, not retried
    code, failed = call("GET", f"/api/v1/reports/{queued['report_id']}", commander)
    assert code == 200 and failed["status"] == "failed" and "font missing" in failed["error"]
    assert "pdf_url" not in failed
