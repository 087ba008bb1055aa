"""Precision and recall of the emergency detector per class on the labelled set (`make bench`).

Run alone: `python -m anninh.cases.emergency_eval [tests/data/emergency_eval.jsonl]`. Each line is
`{"text", "class": violence|fire|medical|rescue|null, "split": dev|heldout, "batch"?}`; the lists in
anninh.cases.emergency are tuned on `dev`; `heldout` measures them, and its last batch (written after
the lists last changed, never looked at before measuring) is reported on its own as well.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from anninh.cases.emergency import NUMBERS, classify

DEFAULT_EVAL = Path(__file__).resolve().parents[4] / "tests" / "data" / "emergency_eval.jsonl"


def load(path: Path | None = None) -> list[dict[str, Any]]:
    text = (path or DEFAULT_EVAL).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def scores(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per class: precision, recall, support; plus emergency-or-not and the misclassified texts."""
    predicted = [(r, classify(r["text"])) for r in rows]
    out: dict[str, Any] = {"messages": len(rows)}
    for cls in NUMBERS:
        tp = sum(1 for r, p in predicted if p and p.cls == cls and r["class"] == cls)
        fp = sum(1 for r, p in predicted if p and p.cls == cls and r["class"] != cls)
        fn = sum(1 for r, p in predicted if r["class"] == cls and not (p and p.cls == cls))
        out[cls] = {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn), "support": tp + fn}
    tp = sum(1 for r, p in predicted if p and r["class"])
    fp = sum(1 for r, p in predicted if p and not r["class"])
    fn = sum(1 for r, p in predicted if not p and r["class"])
    out["any_emergency"] = {
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "support": tp + fn,
    }
    out["errors"] = [
        {"text": r["text"], "expected": r["class"], "got": p.cls if p else None}
        for r, p in predicted
        if (p.cls if p else None) != r["class"]
    ]
    return out


def bench_emergency(path: Path | None = None) -> dict[str, Any]:
    rows = load(path)
    started = time.perf_counter()
    for r in rows:
        classify(r["text"])
    per_message_ms = (time.perf_counter() - started) * 1000 / max(1, len(rows))
    result: dict[str, Any] = {"messages": len(rows), "ms_per_message": round(per_message_ms, 3)}
    for split in ("dev", "heldout"):
        result[split] = scores([r for r in rows if r["split"] == split])
    # The last batch of held-out lines, written after the lists were last changed and never tuned on.
    last = max((int(r.get("batch", 1)) for r in rows if r["split"] == "heldout"), default=1)
    result["heldout_untouched_batch"] = last
    result["heldout_untouched"] = scores(
        [r for r in rows if r["split"] == "heldout" and int(r.get("batch", 1)) == last]
    )
    return result


if __name__ == "__main__":
    print(
        json.dumps(
            bench_emergency(Path(sys.argv[1]) if len(sys.argv) > 1 else None), ensure_ascii=False, indent=2
        )
    )
