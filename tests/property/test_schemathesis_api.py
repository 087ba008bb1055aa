"""Property-based run of the officer API against its own OpenAPI document: never a 5xx.

Schemathesis generates requests for every operation in docs/openapi.json (valid and invalid bodies,
query strings and path parameters); each is turned into an API Gateway v2 event with the claims of a
demo officer, commander, editor or admin and handed to the Lambda handler in-process against moto.
Path parameters are sometimes replaced by a real case id so the deeper code paths run too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet

from tests.conftest import DEMO_REGISTRY, _reset_process_caches
from tests.integration.test_api_support import api_event, claims_for, open_case

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = schemathesis.openapi.from_dict(json.loads((ROOT / "docs" / "openapi.json").read_text("utf-8")))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
ACTORS = ("hieptan.canbo", "tanphu.chihuy", "tanphu.bientap", "tanphu.quantri", "hoathanh.chihuy")


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, Any]]:
    """One emulated account for the whole run (resources from template.yaml, demo registry)."""
    from moto import mock_aws

    from anninh.registry import Registry
    from anninh.registry import store as registry_store
    from localcloud.resources import deploy

    monkeypatch = pytest.MonkeyPatch()

    with mock_aws():
        deployment = deploy(
            parameters={
                "Stage": "dev",
                "ZaloApiBase": "http://zalo.test/openapi",
                "ZaloOAuthBase": "http://zalo.test/oauth",
                "ZnsApiBase": "http://zalo.test/zns",
            }
        )
        for key, value in deployment.environment().items():
            monkeypatch.setenv(key, value)
        _reset_process_caches()
        registry = Registry.load(DEMO_REGISTRY)
        registry_store.save_registry(registry)
        cases = [open_case(registry, unit).case_id for unit in ("p-hiep-tan", "p-hoa-thanh", "tan-phu")]
        yield {"registry": registry, "cases": cases}
        _reset_process_caches()
    monkeypatch.undo()


def _event(case: Any, claims: dict[str, Any]) -> dict[str, Any]:
    query = case.query if isinstance(case.query, dict) else {}
    flat = {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in query.items()}
    body = None if isinstance(case.body, NotSet) else case.body
    event = api_event(
        case.method.upper(),
        case.formatted_path,
        claims,
        body=json.dumps(body) if body is not None else None,
        query=flat,
    )
    event["rawQueryString"] = urlencode(query, doseq=True)
    return event


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
@given(data=st.data())
def test_no_operation_answers_5xx(stack: dict[str, Any], data: st.DataObject) -> None:
    from localcloud.lambdas import invoke

    operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
    case = data.draw(operation.as_strategy(), label="case")
    if case.path_parameters and data.draw(st.booleans(), label="real id"):
        for name in case.path_parameters:
            if name in ("tip_id", "case_id", "into"):
                case.path_parameters[name] = data.draw(st.sampled_from(stack["cases"]))
    actor = data.draw(st.sampled_from(ACTORS), label="actor")
    response = invoke("ApiFunction", _event(case, claims_for(stack["registry"], actor)))
    status = int(response["statusCode"])
    event(f"{status // 100}xx")
    assert status < 500, f"{case.method} {case.formatted_path} as {actor} -> {status}: {response.get('body')}"
    if status >= 400:
        body = json.loads(response["body"])
        assert set(body["error"]) == {"code", "message", "details"}, body
