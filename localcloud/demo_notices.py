"""Clearly fictional wanted/missing-person notices that the local stack seeds for the demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEMO_FILE = Path(__file__).resolve().parent / "data" / "notices_demo.json"


def seed(table: Any | None = None) -> int:
    """Put the demo notices (idempotent); returns how many were written."""
    from anninh import notices

    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    for raw in data["notices"]:
        notices.put(notices.Notice.model_validate({**raw, "created_by": "demo"}), table)
    return len(data["notices"])
