"""The local Lambda runtime gives each function what Lambda gives it: its own memory setting."""

from __future__ import annotations

from pathlib import Path

from localcloud.lambdas import forget_handlers, invoke_spec
from localcloud.template import functions, load_template

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
