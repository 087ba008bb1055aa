"""The Vietnamese labels the console shows for statuses and reasons, in one place: the server's.

Served with `GET /me` (`labels`), so the console never keeps a copy of its own that drifts (issue 14).
Each map comes from the module that owns the values; this module only gathers them.
"""

from __future__ import annotations

from anninh.campaigns.model import REASONS
from anninh.campaigns.model import STATUS_LABELS as CAMPAIGN_STATUS_LABELS
from anninh.cases.model import OUTCOME_LABELS_VI, STATUS_LABELS_VI
from anninh.registry import ROLE_LABELS_VI
from anninh.sending.records import CAUSE_SHORT_LABELS
from anninh.stats.figures import LABELS_VI as STATS_LABELS_VI


def console_labels() -> dict[str, dict[str, str]]:
    """Every label map the console uses, by name (keys are the API's values)."""
    return {
        "case_status": dict(STATUS_LABELS_VI),
        "case_outcome": dict(OUTCOME_LABELS_VI),
        "campaign_status": dict(CAMPAIGN_STATUS_LABELS),
        "campaign_reason": dict(REASONS),
        "role": {str(role): text for role, text in ROLE_LABELS_VI.items()},
        "undelivered_cause": dict(CAUSE_SHORT_LABELS),
        "stats": dict(STATS_LABELS_VI),
    }
