"""Every Lambda handler has the same edge (docs/architecture.md, "Handlers"): read with ast, nothing run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FUNCTIONS = sorted((Path(__file__).resolve().parents[2] / "functions").glob("*/app.py"))
ORDER = ["logger.inject_lambda_context", "metrics.log_metrics", "event_parser"]


def _decorators(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    handler = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "handler")
    names = []
    for decorator in handler.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        names.append(ast.unparse(target))
    return names


@pytest.mark.parametrize("path", FUNCTIONS, ids=lambda p: p.parent.name)
def test_handlers_log_then_measure_then_parse(path: Path) -> None:
    names = _decorators(path)
    assert names[:2] == ORDER[:2], f"{path.parent.name}: {names}"
    assert set(names) <= set(ORDER) and names == sorted(names, key=ORDER.index)
    metrics = next(
        d
        for d in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(d, ast.Call) and ast.unparse(d.func) == "metrics.log_metrics"
    )
    assert any(k.arg == "capture_cold_start_metric" for k in metrics.keywords)


@pytest.mark.parametrize("path", FUNCTIONS, ids=lambda p: p.parent.name)
def test_handlers_build_nothing_themselves(path: Path) -> None:
    """Stores and clients come from anninh.wiring, never from the handler's module."""
    source = path.read_text(encoding="utf-8")
    for built_here in ("aws.table(", "aws.client(", "boto3.", "Dynamo"):
        assert built_here not in source, f"{path.parent.name} builds {built_here!r}: use anninh.wiring"
