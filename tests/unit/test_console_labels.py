"""The console's status and reason labels come from the server (GET /me `labels`), complete and once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from anninh.campaigns.model import Status as CampaignStatus
from anninh.cases.model import CaseStatus, Outcome
from anninh.labels import console_labels
from anninh.registry import ROLES
from anninh.sending.records import CAUSE_LABELS, Cause

CONSOLE_JS = Path(__file__).resolve().parents[2] / "console" / "js"
VIETNAMESE = re.compile(r"[ạảãàáâậầấẩẫăặằắẳẵđẹẻẽèéêệềếểễịỉĩìíọỏõòóôộồốổỗơợờớởỡụủũùúưựừứửữỵỷỹỳý]", re.I)


def test_every_value_the_api_returns_has_a_label() -> None:
    labels = console_labels()
    assert set(labels["case_status"]) == set(get_args(CaseStatus))
    assert set(labels["case_outcome"]) == set(get_args(Outcome))
    assert set(labels["campaign_status"]) == set(get_args(CampaignStatus))
    assert set(labels["role"]) == set(ROLES)
    assert set(labels["undelivered_cause"]) == set(get_args(Cause)) == set(CAUSE_LABELS)
    assert labels["case_status"]["in_review"] == "Đang xác minh"


def test_the_console_keeps_no_label_map_of_its_own() -> None:
    source = (CONSOLE_JS / "labels.js").read_text(encoding="utf-8")
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("//"))
    assert not VIETNAMESE.search(code), "labels.js must take its labels from the API"
