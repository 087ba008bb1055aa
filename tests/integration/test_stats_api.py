"""The stats and export endpoints through ApiFunction: access, bad input, CSV for Excel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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
