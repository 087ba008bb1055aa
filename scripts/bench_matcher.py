"""Matcher latency and accuracy on the evaluation set (the `matcher` section of `make bench`).

Run alone: `python -m scripts.bench_matcher [path/to/faq_eval.jsonl]`.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from anninh.kb.entries import file_entries
from anninh.kb.matcher import Matcher

DEFAULT_EVAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "faq_eval.jsonl"


def bench_matcher(eval_path: Path | None = None, rounds: int = 5) -> dict[str, Any]:
    rows = [
        json.loads(line)
        for line in (eval_path or DEFAULT_EVAL).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    start = time.perf_counter()
    matcher = Matcher(file_entries())
    build_ms = (time.perf_counter() - start) * 1000
    timings: list[float] = []
    for _ in range(rounds):
        for row in rows:
            t0 = time.perf_counter()
            matcher.match(row["q"])
            timings.append((time.perf_counter() - t0) * 1000)
    result: dict[str, Any] = {
        "questions": len(rows),
        "index_build_ms": round(build_ms, 2),
        "ms_per_question_mean": round(statistics.fmean(timings), 3),
        "ms_per_question_p95": round(statistics.quantiles(timings, n=20)[18], 3),
        "threshold": matcher.threshold,
    }
    for split in ("dev", "heldout"):
        part = [r for r in rows if r["split"] == split]
        on = [r for r in part if r["expected"]]
        off = [r for r in part if r["expected"] is None]
        right = sum((matcher.best(r["q"]) or (None,))[0] == r["expected"] for r in on)
        handed = sum(matcher.best(r["q"]) is None for r in off)
        result[f"{split}_top1_accuracy"] = round(right / len(on), 3) if on else None
        result[f"{split}_offtopic_handoff"] = round(handed / len(off), 3) if off else None
    return result


if __name__ == "__main__":
    print(json.dumps(bench_matcher(Path(sys.argv[1]) if len(sys.argv) > 1 else None), indent=2))
