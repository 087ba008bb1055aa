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
    from anninh.aws import reset_clients
    from anninh.crypto import reset_crypto_caches
    from anninh.registry_store import forget_cached_registry
    from anninh.settings import reset_settings

    reset_settings()
    reset_clients()
    forget_cached_registry()
    reset_crypto_caches()


@pytest.fixture
def aws_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh emulated account with the template's resources and the demo registry seeded.

    Yields the localcloud Deployment (physical ids, queue URLs, environment).
    """
    from moto import mock_aws

    from anninh.registry import Registry
    from anninh.registry_store import save_registry
    from localcloud.resources import deploy

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
        monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
        # Fixtures carry fixed event dates (events/, T0 = 2026-11-18), so the webhook's freshness window
        # is opened wide here; the 3 h production window is tested in tests/unit/test_webhook_hostile.py
        # and tests/integration/test_trust_inputs.py, the local stack's 45 days in the attack run.
        monkeypatch.setenv("WEBHOOK_MAX_EVENT_AGE_SECONDS", str(100 * 365 * 24 * 3600))
        _reset_process_caches()
        save_registry(Registry.load(DEMO_REGISTRY))
        yield deployment
        _reset_process_caches()
        from localcloud import iam

        iam.deactivate()


@pytest.fixture
def registry() -> Any:
    from anninh.registry import Registry

    return Registry.load(DEMO_REGISTRY)
