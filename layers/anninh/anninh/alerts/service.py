"""Urgent alerts that reach a person: the on-call roster, SMS through SNS, acknowledgement, escalation.

An urgent case has one alert item (PK=CASE#<case_id> SK=ALERT, written by the tip desk). At once, the
on-call officers of the case's unit (the registry's `oncall` roster, by their hours in Vietnam time)
are sent an SMS: one publish per officer to the OnCallTopic, with the message attribute `phone`; each
roster phone is an SMS subscription of the topic filtered on its own number (`subscribe_roster`, run
by `make register` and the local stack). A unit with nobody on call now passes the alert to the nearest
unit above it that has someone.

While an alert is unacknowledged it sits in the open-alert index (GSI2PK=ALERTS#OPEN, GSI2SK=<when it
escalates>). The escalation job (RemindersFunction, every minute) takes the due ones: the on-call of the
parent unit of the last unit alerted are sent an SMS, `escalated_to` grows, and the next escalation is
due one delay later; at the top of the hierarchy the alert leaves the index. Acknowledging removes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from anninh import aws, crypto, keys
from anninh.alerts.store import AlertStore, default_store
from anninh.clock import VN_TZ, iso, parse_iso
from anninh.observability import logger, metrics
from anninh.registry import OnCall, Registry
from anninh.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

# What an officer's SMS says: short, no citizen data (an SMS is not a place for a tipster's words).
CLASS_SMS_VI = {
    "violence": "bạo lực/tội phạm (113)",
    "fire": "cháy nổ (114)",
    "medical": "cấp cứu (115)",
    "rescue": "cứu nạn (112)",
}

Publish = Callable[[str, str, dict[str, str]], None]  # (phone, text, attributes)


@dataclass
class Notified:
    unit_id: str  # the unit whose on-call officers were reached ("" when nobody anywhere)
    phones: list[str]


def on_call(registry: Registry, unit_id: str, at: datetime) -> list[OnCall]:
    unit = registry.unit(unit_id)
    if unit is None:
        return []
    local = at.astimezone(VN_TZ)
    minute = local.hour * 60 + local.minute
    return [o for o in unit.oncall if o.on_duty(minute)]


def reachable(registry: Registry, unit_id: str, at: datetime) -> tuple[str, list[OnCall]]:
    """The unit itself or the nearest unit above it with someone on call now, and who."""
    current: str | None = unit_id
    seen: set[str] = set()
    while current and current not in seen:
        seen.add(current)
        officers = on_call(registry, current, at)
        if officers:
            return current, officers
        unit = registry.unit(current)
        current = unit.parent if unit else None
    return "", []


def sms_text(code: str, unit_name: str, cls: str, escalated_from: str | None = None) -> str:
    what = CLASS_SMS_VI.get(cls, "khẩn")
    if escalated_from:
        return (
            f"[An Ninh OA] CHUYỂN CẤP: tin báo khẩn {code} ({what}) của {escalated_from} chưa được xác nhận. "
            "Đề nghị chỉ đạo xử lý ngay, xác nhận trên trang cán bộ."
        )
    return f"[An Ninh OA] Tin báo khẩn {code} ({what}) - {unit_name}. Xử lý ngay, xác nhận trên trang cán bộ."


def sns_publish(phone: str, text: str, attributes: dict[str, str]) -> None:
    """One SMS to one on-call officer through the on-call topic (the subscription filters on `phone`)."""
    topic = get_settings().oncall_topic_arn
    if not topic:
        raise RuntimeError("ONCALL_TOPIC_ARN is not set")
    aws.client("sns").publish(
        TopicArn=topic,
        Message=text,
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
        },
    )


def notify(
    registry: Registry,
    unit_id: str,
    text: str,
    at: datetime,
    *,
    alert_id: str,
    kind: str,
    publish: Publish | None = None,
) -> Notified:
    """SMS the on-call officers of the unit (or the nearest unit above with someone on call)."""
    publish = publish or sns_publish
    target, officers = reachable(registry, unit_id, at)
    phones: list[str] = []
    for officer in officers:
        try:
            publish(
                officer.phone,
                text,
                {"phone": officer.phone, "unit_id": target, "alert_id": alert_id, "kind": kind},
            )
        except Exception:  # one unreachable officer must not keep the others from being told
            logger.exception("on-call SMS failed", extra={"unit_id": target, "alert_id": alert_id})
            continue
        phones.append(officer.phone)
    metrics.add_metric(name="OnCallNotified", unit="Count", value=len(phones))
    if not phones:
        logger.error(
            "urgent alert reached no on-call officer", extra={"unit_id": unit_id, "alert_id": alert_id}
        )
    return Notified(target if phones else "", phones)


# --- the alert item -----------------------------------------------------------------------------


def escalate_after() -> timedelta:
    return timedelta(minutes=get_settings().alert_escalate_minutes)


def raise_alert(
    case_id: str,
    *,
    code: str,
    unit_id: str,
    oa_id: str,
    terms: list[str],
    text: str,
    at: datetime,
    cls: str = "violence",
    store: AlertStore | None = None,
    kms: KMSClient | None = None,
) -> bool:
    """The unit's alert for an urgent case (one per case, newest first in the unit's feed); False when
    the case has one already (the event was processed before: its officers were told then)."""
    key = keys.case_alert(case_id)
    item = {
        "class": cls,
        **key,
        "type": "alert",
        "case_id": case_id,
        "code": code,
        "unit_id": unit_id,
        "oa_id": oa_id,
        "terms": terms,
        # The citizen's words are sealed to this alert (as the case's own texts are); `view` opens them.
        "text": crypto.seal_field(key, "text", text, kms),
        "created_at": iso(at),
        "acknowledged": False,
        "GSI1PK": keys.unit_alerts_gsi(unit_id),
        "GSI1SK": iso(at),
    }
    return (store or default_store()).add(item)


def mark_notified(case_id: str, notified: Notified, at: datetime, store: AlertStore | None = None) -> None:
    """Record who was reached and put the alert in the open index, due to escalate one delay later."""
    (store or default_store()).mark_notified(
        case_id, notified.unit_id, notified.phones, iso(at + escalate_after())
    )


def get(alert_id: str, store: AlertStore | None = None) -> dict[str, Any] | None:
    return (store or default_store()).get(alert_id)


def view(item: dict[str, Any], kms: KMSClient | None = None) -> dict[str, Any]:
    """What the API shows of an alert (SPEC fields first)."""
    return {
        "id": item["case_id"],
        "case_id": item["case_id"],
        "code": item.get("code"),
        "unit_id": item.get("unit_id"),
        "class": item.get("class", "violence"),
        "created_at": item.get("created_at"),
        "acknowledged_at": item.get("acknowledged_at"),
        "acknowledged_by": item.get("acknowledged_by"),
        "escalated_to": list(item.get("escalated_to") or []),
        "escalate_at": item.get("escalate_at") if not item.get("acknowledged_at") else None,
        "notified_units": list(item.get("notified_units") or []),
        "notified_count": len(item.get("notified_phones") or []),
        "terms": list(item.get("terms") or []),
        "text": crypto.open_field(item, "text", kms),
    }


def list_for_units(
    unit_ids: list[str], open_only: bool, limit: int = 100, store: AlertStore | None = None
) -> list[dict[str, Any]]:
    """Alerts of the units' own feeds, newest first."""
    store = store or default_store()
    seen: dict[str, dict[str, Any]] = {}
    for unit_id in unit_ids:
        for item in store.unit_feed(unit_id, limit):
            seen[str(item["case_id"])] = item
    rows = [i for i in seen.values() if not (open_only and i.get("acknowledged_at"))]
    rows.sort(key=lambda i: str(i.get("created_at") or ""), reverse=True)
    return rows[:limit]


def acknowledge(
    alert_id: str, officer: str, at: datetime, store: AlertStore | None = None
) -> dict[str, Any] | None:
    """Acknowledge once; returns the updated item, or None if it was acknowledged already."""
    return (store or default_store()).acknowledge(alert_id, officer, iso(at))


def due(now: datetime, limit: int = 100, store: AlertStore | None = None) -> list[dict[str, Any]]:
    return (store or default_store()).due(iso(now), limit)


def escalate_due(
    registry: Registry, now: datetime, publish: Publish | None = None, store: AlertStore | None = None
) -> list[dict[str, Any]]:
    """Escalate every unacknowledged alert whose time has come; what was done, one entry per alert."""
    store = store or default_store()
    done: list[dict[str, Any]] = []
    for item in store.due(iso(now), 100):
        case_id = str(item["case_id"])
        level = str(item.get("level_unit") or item.get("unit_id") or "")
        if registry.unit(level) is None:  # the unit was merged away (reorganisation): its successor
            level = str(item.get("unit_id") or "")
        unit = registry.unit(level)
        parent = unit.parent if unit else None
        # Claim this escalation step first (a concurrent run or a retry must not send it twice).
        step_due = str(item.get("GSI2SK"))
        next_due = iso(now + escalate_after())
        if not store.claim_escalation(case_id, step_due, parent, next_due, iso(now)):
            continue  # acknowledged or escalated meanwhile
        if not parent:
            done.append({"alert_id": case_id, "escalated_to": None})
            continue
        from_unit = registry.unit(level)
        to_unit = registry.unit(parent)
        text = sms_text(
            str(item.get("code")),
            to_unit.name if to_unit else parent,
            str(item.get("class", "violence")),
            escalated_from=from_unit.name if from_unit else level,
        )
        notified = notify(registry, parent, text, now, alert_id=case_id, kind="escalation", publish=publish)
        if notified.phones:
            store.add_notified(case_id, notified.unit_id, notified.phones)
        metrics.add_metric(name="AlertsEscalated", unit="Count", value=1)
        logger.warning(
            "urgent alert escalated",
            extra={
                "alert_id": case_id,
                "from_unit": level,
                "to_unit": parent,
                "reached": len(notified.phones),
            },
        )
        done.append({"alert_id": case_id, "escalated_to": parent, "notified": len(notified.phones)})
    return done


# --- the roster as SNS subscriptions --------------------------------------------------------------


def subscribe_roster(registry: Registry, topic_arn: str, sns: Any | None = None) -> int:
    """One SMS subscription per roster phone, filtered on its own number; returns how many were added."""
    sns = sns or aws.client("sns")
    existing: set[str] = set()
    kwargs: dict[str, Any] = {"TopicArn": topic_arn}
    while True:
        page = sns.list_subscriptions_by_topic(**kwargs)
        existing.update(s["Endpoint"] for s in page.get("Subscriptions", []) if s.get("Protocol") == "sms")
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    added = 0
    phones = sorted({o.phone for unit in registry.units for o in unit.oncall})
    for phone in phones:
        if phone in existing:
            continue
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sms",
            Endpoint=phone,
            Attributes={"FilterPolicy": json.dumps({"phone": [phone]})},
        )
        added += 1
    return added


def parse_time(value: str | None, default: datetime) -> datetime:
    """The scheduled time an EventBridge Scheduler event carries, else `default`."""
    if not value or value.startswith("<"):
        return default
    try:
        return parse_iso(value)
    except ValueError:
        return default
