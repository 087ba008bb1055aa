"""Intake's reads of the main table outside the webhook's acknowledgement path."""

from __future__ import annotations

from anninh import aws, keys


def receipt_body(dedupe_key: str) -> str:
    """The raw body stored with the event receipt (`keys.event_receipt`): what an envelope that was
    too large for a queue message refers to."""
    item = aws.table().get_item(Key=keys.event_receipt(dedupe_key), ConsistentRead=True).get("Item") or {}
    return str(item.get("raw") or "")
