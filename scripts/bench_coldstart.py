"""Cold start and package size of every function (`make bench`, section "coldstart").

Imports: each function's app.py is imported the way the Lambda runtime would (layer code on the path,
a fresh process, environment from the template), and the process's CPU time (user + system, less
that of an interpreter that imports nothing) is its cold import. In the same run, alternating with
the functions, the same is measured for the floor every function pays (boto3 + Powertools'
Logger/Metrics + pydantic), so the figure that counts is the ratio to the floor: CPU time and a ratio
hold on a busy or a quiet machine, where wall-clock import times do not. The budget (issue 13) is
0.6 s for ApiFunction and 0.5 s for the others against a floor of ~0.29 s, i.e. ratios of 2.07 and
1.72. Median of `--coldstart-runs` runs (default 3); `-X importtime` names the heaviest imports.

Sizes: what `sam build` left in .aws-sam/build (run `make template` first): each layer and each
function's own code in bytes unzipped, and each function's total with its layers (Lambda allows
250 MB unzipped).
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".aws-sam" / "build"
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")

FLOOR_SECONDS = 0.29
BUDGET_SECONDS = {"ApiFunction": 0.6}
DEFAULT_BUDGET_SECONDS = 0.5
FLOOR_CODE = "import boto3, pydantic\nfrom aws_lambda_powertools import Logger, Metrics\n"
LAMBDA_UNZIPPED_LIMIT = 250 * 1000 * 1000

_IMPORT = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
"""


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _importtime(code: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    wall = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    total_us = 0
    top: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        self_us, cumulative_us, indent, name = int(match[1]), int(match[2]), match[3], match[4]
        total_us += self_us
        if len(indent) <= 1:  # top-level imports: their cumulative time is what they cost
            top.append((cumulative_us, name))
    top.sort(reverse=True)
    return {
        "ok": proc.returncode == 0,
        "cpu_ms": cpu * 1000,
        "importtime_ms": total_us / 1000,
        "process_wall_ms": wall * 1000,
        "heaviest": [f"{name} {us / 1000:.0f} ms" for us, name in top[:4]],
        **({"error": proc.stderr.strip().splitlines()[-1]} if proc.returncode else {}),
    }


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}
    env.update(
        {
            "PYTHONPATH": str(ROOT / "layers" / "anninh"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_DEFAULT_REGION": "ap-southeast-1",
            "AWS_REGION": "ap-southeast-1",
            "POWERTOOLS_SERVICE_NAME": "anninh",
            "POWERTOOLS_METRICS_NAMESPACE": "AnNinhOA",
        }
    )
    return env


def cold_imports(runs: int = 3) -> dict[str, Any]:
    """Each function's cold import and its ratio to the floor measured alongside it."""
    from localcloud.template import functions, load_template

    env = _env()
    # Warm the OS file cache once so every process is measured alike.
    subprocess.run([sys.executable, "-c", FLOOR_CODE], env=env, check=False, capture_output=True)
    specs = functions(load_template())
    floors: list[float] = []
    empties: list[float] = []
    samples: dict[str, list[dict[str, Any]]] = {spec.logical_id: [] for spec in specs}
    for _ in range(max(1, runs)):
        for spec in specs:  # empty, floor, function, ...: drift hits all alike
            empties.append(_importtime("pass", [], env)["cpu_ms"])
            floors.append(_importtime(FLOOR_CODE, [], env)["cpu_ms"])
            module = spec.handler.rpartition(".")[0].replace(".", "/") + ".py"
            samples[spec.logical_id].append(_importtime(_IMPORT, [str(ROOT / spec.code_uri / module)], env))
    empty_ms = statistics.median(empties)
    floor_ms = statistics.median(floors) - empty_ms
    results: dict[str, Any] = {"floor_ms": round(floor_ms, 1), "interpreter_ms": round(empty_ms, 1)}
    for logical_id, runs_of in samples.items():
        import_ms = statistics.median(s["cpu_ms"] for s in runs_of) - empty_ms
        ratio = import_ms / floor_ms if floor_ms else 0.0
        budget = BUDGET_SECONDS.get(logical_id, DEFAULT_BUDGET_SECONDS) / FLOOR_SECONDS
        results[logical_id] = {
            "import_ms": round(import_ms, 1),
            "x_floor": round(ratio, 2),
            "budget_x_floor": round(budget, 2),
            "within_budget": ratio <= budget and all(s["ok"] for s in runs_of),
            "at_floor_0_29_s": f"{FLOOR_SECONDS * ratio:.2f} s",
            "heaviest": runs_of[-1]["heaviest"],
            **({"error": runs_of[-1]["error"]} if "error" in runs_of[-1] else {}),
        }
    results["note"] = (
        "import_ms = median CPU time of a fresh process importing the handler, less an empty "
        "interpreter's (bytecode cached); x_floor = that over the floor (boto3 + Powertools "
        "Logger/Metrics + pydantic) measured alternately in the same run"
    )
    return results


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def artifact_sizes(build: Path = BUILD) -> dict[str, Any]:
    """Bytes unzipped of every artifact `sam build` made, and each function with its layers."""
    from localcloud.template import load_template

    if not (build / "template.yaml").is_file():
        return {"error": "no .aws-sam/build: run `make template` first"}
    template = load_template(build / "template.yaml")
    resources = template["Resources"]
    global_layers = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    layers = {
        name: tree_bytes(build / name)
        for name, res in resources.items()
        if res["Type"] == "AWS::Serverless::LayerVersion" and (build / name).is_dir()
    }
    out: dict[str, Any] = {"layers_bytes": layers, "functions": {}}
    for name, res in resources.items():
        if res["Type"] != "AWS::Serverless::Function" or not (build / name).is_dir():
            continue
        refs = [*global_layers, *res["Properties"].get("Layers", [])]
        attached = [_ref(r) for r in refs]
        own = tree_bytes(build / name)
        total = own + sum(layers.get(layer, 0) for layer in attached)
        out["functions"][name] = {
            "code_bytes": own,
            "layers": attached,
            "total_mb": round(total / 1e6, 1),
            "within_lambda_limit": total <= LAMBDA_UNZIPPED_LIMIT,
        }
    return out


def _ref(value: Any) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return str(value)


def bench_coldstart(args: Any = None) -> dict[str, Any]:
    runs = int(getattr(args, "coldstart_runs", 3) or 3)
    return {"imports": cold_imports(runs), "sizes": artifact_sizes()}


if __name__ == "__main__":
    import json

    print(json.dumps(bench_coldstart(), indent=2, ensure_ascii=False))
