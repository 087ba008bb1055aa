"""Cold-start import cost of every function: `python -X importtime` on a fresh interpreter.

Each function's app.py is imported the way the Lambda runtime would (layer on the path, a fresh
process, environment from the template), and the self-reported import times are summed. The top
modules show where a cold start goes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")

_IMPORT = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
"""


def measure(code_file: Path, env: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _IMPORT, str(code_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    wall = time.perf_counter() - started
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
        "import_ms": round(total_us / 1000, 1),
        "process_wall_ms": round(wall * 1000, 1),
        "heaviest": [f"{name} {us / 1000:.0f} ms" for us, name in top[:4]],
        **({"error": proc.stderr.strip().splitlines()[-1]} if proc.returncode else {}),
    }


def bench_coldstart(_args: Any = None) -> dict[str, Any]:
    from localcloud.template import functions, load_template

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}
    env.update(
        {
            "PYTHONPATH": str(ROOT / "layers" / "anninh"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_DEFAULT_REGION": "ap-southeast-1",
            "AWS_REGION": "ap-southeast-1",
            "POWERTOOLS_SERVICE_NAME": "anninh",
            "POWERTOOLS_METRICS_NAMESPACE": "AnNinhOA",
            "POWERTOOLS_TRACE_DISABLED": "1",
        }
    )
    # Warm the OS file cache once so every function is measured alike.
    subprocess.run(
        [sys.executable, "-c", "import boto3, pydantic, aws_lambda_powertools"],
        env=env,
        check=False,
        capture_output=True,
    )
    results: dict[str, Any] = {}
    for spec in functions(load_template()):
        module = spec.handler.rpartition(".")[0].replace(".", "/") + ".py"
        results[spec.logical_id] = measure(ROOT / spec.code_uri / module, env)
    results["note"] = (
        "import_ms = sum of -X importtime self times (bytecode cached); process_wall_ms "
        "includes interpreter start-up"
    )
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(bench_coldstart(), indent=2, ensure_ascii=False))
