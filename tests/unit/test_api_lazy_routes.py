"""The officer API loads a router only when a request can reach it; the table behind that is complete."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_router_module_is_in_the_table_with_the_segments_it_serves() -> None:
    import anninh.api.routes as routes_package
    from anninh.api.app import ROUTERS

    table = dict(ROUTERS)
    modules = {m.name for m in pkgutil.iter_modules(routes_package.__path__)}
    assert modules == set(table), "add the new router module to ROUTERS in anninh/api/app.py"
    for name in modules:
        router = importlib.import_module(f"anninh.api.routes.{name}").router
        served = {rule[0].split("/")[1] for rule in router._routes}
        assert served == table[name], (name, served)


def test_a_request_imports_only_the_routers_of_its_path_and_keeps_route_precedence() -> None:
    probe = """
import json
from anninh.api import app
event = {"version": "2.0", "rawPath": "/api/v1/tips/abc", "requestContext": {"http": {"method": "GET",
    "path": "/api/v1/tips/abc"}}, "headers": {}, "isBase64Encoded": False}
app.load_routers(app._segment(event))
tips_only = sorted(app._loaded)
lazy = [(r.method, r.rule.pattern) for r in app.app._static_routes + app.app._dynamic_routes]
app.load_routers()
print(json.dumps({"tips": tips_only, "lazy": lazy,
    "all": [(r.method, r.rule.pattern) for r in app.app._static_routes + app.app._dynamic_routes]}))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "layers" / "anninh"), "AWS_DEFAULT_REGION": "ap-southeast-1"},
    ).stdout
    import json

    seen = json.loads(out.strip().splitlines()[-1])
    from anninh.api.app import ROUTERS

    assert seen["tips"] == sorted(name for name, segments in ROUTERS if "tips" in segments)
    assert len(seen["tips"]) < len(ROUTERS) - 3
    # Loading the rest later puts every route where an eager start-up would have: tips' routes keep
    # their relative order and the others fall in around them.
    assert [r for r in seen["all"] if r in seen["lazy"]] == seen["lazy"]
    eager = _eager_order()
    assert [tuple(r) for r in seen["all"]] == eager


def _eager_order() -> list[tuple[str, str]]:
    probe = """
import json
from anninh.api import app
app.load_routers()
print(json.dumps([(r.method, r.rule.pattern) for r in app.app._static_routes + app.app._dynamic_routes]))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "layers" / "anninh"), "AWS_DEFAULT_REGION": "ap-southeast-1"},
    ).stdout
    import json

    return [tuple(r) for r in json.loads(out.strip().splitlines()[-1])]
