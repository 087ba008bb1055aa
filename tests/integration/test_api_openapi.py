"""The OpenAPI document: served at GET /api/v1/openapi.json, valid, and checked into docs/openapi.json."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_api_support import call

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_document_equals_the_served_one():
    status, served = call("GET", "/api/v1/openapi.json", None)
    assert status == 200
    checked_in = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert served == checked_in, "docs/openapi.json is stale: run `python -m scripts.export_openapi`"


def test_document_is_valid_openapi_with_bearer_auth_and_the_fixed_points():
    from openapi_spec_validator import validate

    _, served = call("GET", "/api/v1/openapi.json", None)
    validate(served)
    assert served["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert served["security"] == [{"bearerAuth": []}]
    paths = served["paths"]
    assert {"get", "patch"} <= set(paths["/api/v1/tips/{tip_id}"])
    assert "post" in paths["/api/v1/tips/{tip_id}/replies"]
    tip_query = {p["name"] for p in paths["/api/v1/tips"]["get"]["parameters"]}
    assert {"status", "unit_id", "since", "q", "cursor", "limit"} <= tip_query
    patch_body = paths["/api/v1/tips/{tip_id}"]["patch"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    ref = patch_body["$ref"].rsplit("/", 1)[-1]
    assert {"status", "valuable", "unit_id", "note"} <= set(
        served["components"]["schemas"][ref]["properties"]
    )
