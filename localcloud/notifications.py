"""The local record of SMS/push notifications to officers: what was published to the stack's SNS topics.

moto keeps every publish on its topic (message, attributes); `GET /_local/notifications` lists them,
oldest first, each with the officer's phone (the `phone` attribute the on-call SMS carry) and whether
that phone has an SMS subscription on the topic (the roster subscribed by the stack at start-up).
"""

from __future__ import annotations

from typing import Any

from localcloud.resources import ACCOUNT_ID, REGION


def _flat(attributes: dict[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, raw in (attributes or {}).items():
        value = raw.get("Value", raw.get("StringValue")) if isinstance(raw, dict) else raw
        out[name] = str(value)
    return out


def published(filters: dict[str, str] | None = None) -> list[dict[str, Any]]:
    from moto.sns.models import sns_backends

    backend = sns_backends[ACCOUNT_ID][REGION]
    sms_endpoints: dict[str, set[str]] = {}
    for sub in list(backend.subscriptions.values()):
        if sub.protocol == "sms":
            sms_endpoints.setdefault(sub.topic.arn, set()).add(sub.endpoint)
    rows: list[dict[str, Any]] = []
    for arn, topic in list(backend.topics.items()):
        for message_id, message, subject, attributes, _group in list(topic.sent_notifications):
            attrs = _flat(attributes)
            phone = attrs.get("phone")
            rows.append(
                {
                    "topic": arn.rsplit(":", 1)[-1],
                    "message_id": message_id,
                    "channel": "sms" if phone else "topic",
                    "phone": phone,
                    "subscribed": bool(phone and phone in sms_endpoints.get(arn, set())),
                    "subject": subject,
                    "message": message,
                    "attributes": attrs,
                }
            )
    for name, wanted in (filters or {}).items():
        if wanted:
            rows = [r for r in rows if str(r.get(name) or r["attributes"].get(name) or "") == wanted]
    return rows
