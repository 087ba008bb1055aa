"""Clearly fictional wanted/missing-person notices that the local stack seeds for the demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEMO_FILE = Path(__file__).resolve().parent / "data" / "notices_demo.json"


def seed(table: Any | None = None) -> int:
    """Put the demo notices (idempotent); returns how many were written."""
    from anninh import aws
    from anninh.notices import DynamoNoticeStore, Notice

    store = DynamoNoticeStore(table or aws.table())
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    for raw in data["notices"]:
        store.put(Notice.model_validate({**raw, "created_by": "demo"}))
    return len(data["notices"])
