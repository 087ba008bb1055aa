"""Urgent alerts that reach a person: the on-call roster, SMS, acknowledgement, escalation.

`service` (the rules and what callers use; described there), `store` (the only module that builds
DynamoDB requests for alert items). Callers import from here.
"""

from __future__ import annotations

from anninh.alerts.service import (
    CLASS_SMS_VI,
    Notified,
    Publish,
    acknowledge,
    due,
    escalate_after,
    escalate_due,
    get,
    list_for_units,
    mark_notified,
    notify,
    on_call,
    parse_time,
    raise_alert,
    reachable,
    sms_text,
    sns_publish,
    subscribe_roster,
    view,
)
from anninh.alerts.store import OPEN_GSI, AlertStore, DynamoAlertStore, default_store

__all__ = [
    "CLASS_SMS_VI",
    "OPEN_GSI",
    "AlertStore",
    "DynamoAlertStore",
    "Notified",
    "Publish",
    "acknowledge",
    "default_store",
    "due",
    "escalate_after",
    "escalate_due",
    "get",
    "list_for_units",
    "mark_notified",
    "notify",
    "on_call",
    "parse_time",
    "raise_alert",
    "reachable",
    "sms_text",
    "sns_publish",
    "subscribe_roster",
    "view",
]
