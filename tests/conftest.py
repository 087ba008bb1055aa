"""Shared fixtures: AWS emulated by moto, with every resource built from template.yaml."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
DEMO_REGISTRY = ROOT / "demo" / "registry.json"

# No test may reach real AWS: fake credentials and a region before anything imports boto3 clients.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_REGION": "ap-southeast-1",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "AnNinhOA",
        "POWERTOOLS_SERVICE_NAME": "anninh",
        "POWERTOOLS_DEV": "false",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("ANNINH_REGISTRY", str(DEMO_REGISTRY))


def load_event(name: str) -> dict[str, Any]:
    """A sample event from events/ (the same files `sam local invoke -e` takes)."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def _reset_process_caches() -> None:
    from anninh import wiring
    from anninh.aws import reset_clients
    from anninh.crypto import reset_crypto_caches
    from anninh.registry.store import forget_cached_registry
    from anninh.settings import reset_settings

    reset_settings()
    reset_clients()
    forget_cached_registry()
    reset_crypto_caches()
    wiring.reset()


_STACK_PARAMETERS = {
    "Stage": "dev",
    "ZaloApiBase": "http://zalo.test/openapi",
    "ZaloOAuthBase": "http://zalo.test/oauth",
    "ZnsApiBase": "http://zalo.test/zns",
}


@pytest.fixture(scope="session")
def _deployed_stack() -> tuple[Any, bytes]:
    """The template deployed into moto once per test process, the demo registry seeded, and moto's
    backends pickled: `aws_stack` restores this snapshot for each test instead of deploying again
    (a deploy takes 2-4 s; a restore a fraction of that)."""
    from moto import mock_aws

    from anninh.registry import Registry
    from anninh.registry.store import save_registry
    from localcloud import iam
    from localcloud.resources import deploy
    from localcloud.state import snapshot_backends

    patch = pytest.MonkeyPatch()
    try:
        with mock_aws():
            deployment = deploy(parameters=_STACK_PARAMETERS)
            for key, value in deployment.environment().items():
                patch.setenv(key, value)
            _reset_process_caches()
            save_registry(Registry.load(DEMO_REGISTRY))
            iam.deactivate()
            data = snapshot_backends()
    finally:
        patch.undo()
        _reset_process_caches()
    return deployment, data


@pytest.fixture
def aws_stack(monkeypatch: pytest.MonkeyPatch, _deployed_stack: tuple[Any, bytes]) -> Iterator[Any]:
    """A fresh emulated account with the template's resources and the demo registry seeded.

    Yields the localcloud Deployment (physical ids, queue URLs, environment). Each test starts from
    the same freshly deployed state (restored from the session's snapshot), so tests stay isolated.
    """
    import copy

    from moto import mock_aws

    from localcloud import iam
    from localcloud.state import restore_backends

    deployed, data = _deployed_stack
    deployment = copy.deepcopy(deployed)
    with mock_aws():
        restore_backends(data)
        for key, value in deployment.environment().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
        # Fixtures carry fixed event dates (events/, T0 = 2026-11-18), so the webhook's freshness window
        # is opened wide here; the 3 h production window is tested in tests/unit/test_webhook_hostile.py
        # and tests/integration/test_trust_inputs.py, the local stack's 45 days in the attack run.
        monkeypatch.setenv("WEBHOOK_MAX_EVENT_AGE_SECONDS", str(100 * 365 * 24 * 3600))
        _reset_process_caches()
        iam.activate(deployment)
        yield deployment
        _reset_process_caches()
        iam.deactivate()


@pytest.fixture
def registry() -> Any:
    from anninh.registry import Registry

    return Registry.load(DEMO_REGISTRY)
