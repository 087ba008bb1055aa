"""The local Lambda runtime gives each function what Lambda gives it: its own environment variables,
its own memory setting (enforced), its own timeout (enforced), in an environment of its own."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud import workers
from localcloud.lambdas import LambdaTimeout, forget_handlers, invoke_spec
from localcloud.template import FunctionSpec, functions, load_template
from localcloud.workers import FunctionError, WorkerPool

CONTEXT = """
def handler(event, context):
    return {"memory": context.memory_limit_in_mb, "timeout_ms": context.get_remaining_time_in_millis()}
"""


def test_every_function_gets_its_templates_memory_size() -> None:
    template = load_template()
    default = template["Globals"]["Function"].get("MemorySize", 128)
    for spec in functions(template):
        declared = template["Resources"][spec.logical_id]["Properties"].get("MemorySize", default)
        assert spec.memory_size == declared, spec.logical_id
    sizes = {spec.memory_size for spec in functions(template)}
    assert len(sizes) > 1  # the template sets more than one size: a fixed default would not pass


def test_the_context_reports_the_functions_memory_size(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(CONTEXT, encoding="utf-8")
    spec = next(s for s in functions(load_template()) if s.logical_id == "WebhookFunction")
    probe = type(spec)("ProbeFunction", str(tmp_path), "app.handler", spec.timeout, {}, spec.memory_size)
    try:
        result = invoke_spec(probe, {})
    finally:
        forget_handlers()
    assert result["memory"] == spec.memory_size != 512  # the webhook's own size, not a default
    assert 0 < result["timeout_ms"] <= spec.timeout * 1000


# ---------------------------------------------------------------------------- functions in processes
PROBE = """
import os

HELD = []

def handler(event, context):
    if event.get("hold_mb"):
        HELD.append(bytearray(int(event["hold_mb"]) * 1024 * 1024))
    if event.get("sleep"):
        import time
        time.sleep(float(event["sleep"]))
    if event.get("raise"):
        raise ValueError(event["raise"])
    if event.get("unserialisable"):
        return {"when": object()}
    return {
        "env": {k: v for k, v in os.environ.items() if k.startswith(("ONLY_", "LEAK_", "AWS_LAMBDA_"))},
        "memory": context.memory_limit_in_mb,
        "pid": os.getpid(),
    }
"""


@pytest.fixture
def probes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[WorkerPool, FunctionSpec, FunctionSpec]]:
    (tmp_path / "app.py").write_text(PROBE, encoding="utf-8")
    monkeypatch.setenv("LEAK_FROM_THE_LOCAL_CLOUD", "no function may see this")
    one = FunctionSpec("ProbeOne", str(tmp_path), "app.handler", 2, {"ONLY_ONE": "1"}, memory_size=256)
    two = FunctionSpec("ProbeTwo", str(tmp_path), "app.handler", 2, {"ONLY_TWO": "2"}, memory_size=1024)

    def environment(spec: FunctionSpec) -> dict[str, str]:
        return workers.lambda_environment(
            spec, {k: str(v) for k, v in spec.environment.items()}, spec.logical_id, {}, {}
        )

    pool = WorkerPool(
        environment, lambda spec: workers.worker_setup(spec, None, {}, spec.logical_id), per_function=2
    )
    try:
        yield pool, one, two
    finally:
        pool.close()


def test_each_function_sees_only_its_own_environment_and_memory_size(
    probes: tuple[WorkerPool, FunctionSpec, FunctionSpec],
) -> None:
    pool, one, two = probes
    first, second = pool.invoke(one, {}), pool.invoke(two, {})
    assert first["env"] == {
        "ONLY_ONE": "1",
        "AWS_LAMBDA_FUNCTION_NAME": "ProbeOne",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/ProbeOne",
    }
    assert second["env"]["ONLY_TWO"] == "2" and "ONLY_ONE" not in second["env"]
    assert (first["memory"], second["memory"]) == (256, 1024)
    assert first["pid"] != second["pid"] != os.getpid()
    assert pool.invoke(one, {})["pid"] == first["pid"]  # kept warm, as Lambda keeps a container


def test_a_function_over_its_memory_size_is_killed(
    probes: tuple[WorkerPool, FunctionSpec, FunctionSpec],
) -> None:
    pool, one, two = probes
    before = pool.invoke(one, {})["pid"]
    with pytest.raises(FunctionError) as caught:
        pool.invoke(one, {"hold_mb": 300})  # over ProbeOne's 256 MB
    assert caught.value.error_type == "Runtime.OutOfMemory"
    assert pool.invoke(one, {})["pid"] != before  # a fresh environment afterwards
    assert pool.invoke(two, {"hold_mb": 300})["memory"] == 1024  # within ProbeTwo's 1024 MB


def test_a_function_past_its_timeout_is_stopped_and_errors_keep_their_type(
    probes: tuple[WorkerPool, FunctionSpec, FunctionSpec],
) -> None:
    pool, one, _two = probes
    began = time.monotonic()
    with pytest.raises(LambdaTimeout):
        pool.invoke(one, {"sleep": 30})
    assert time.monotonic() - began < 15  # its 2 s timeout (stretched on a loaded machine), not 30 s
    with pytest.raises(FunctionError) as caught:
        pool.invoke(one, {"raise": "boom"})
    assert (caught.value.error_type, caught.value.error_message) == ("ValueError", "boom")
    with pytest.raises(FunctionError) as marshal:
        pool.invoke(one, {"unserialisable": True})
    assert marshal.value.error_type == "Runtime.MarshalError"
    assert pool.invoke(one, {})["memory"] == 256


def test_recycled_workers_are_replaced_by_fresh_ones(
    probes: tuple[WorkerPool, FunctionSpec, FunctionSpec],
) -> None:
    pool, one, _two = probes
    before = pool.invoke(one, {})["pid"]
    pool.retire_all()  # what the local cloud does when operator seeding changes the registry
    after = pool.invoke(one, {})["pid"]
    assert after != before
    assert pool.invoke(one, {})["pid"] == after
