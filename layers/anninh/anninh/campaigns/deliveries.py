"""Per-recipient delivery records of a campaign: the campaign side of the one send ledger
(`anninh.sending.ledger`), stored by `anninh.campaigns.store.DeliveryStore` (`keys.campaign_delivery`).

Exactly-once reasoning. Zalo's send API takes no idempotency key, so "never twice" has to come from
us: a recipient is sent to only by the sender that created its delivery record with a conditional
put (the claim). Any later sender - a redelivered SQS batch, a duplicate message, a retried planner -
finds the record and does not send. The record then moves claimed -> sent | failed | skipped.

A claim carries a lease (`claim_until`, epoch ms, longer than the sender function's timeout). A
claimed record found by another sender means (`anninh.sending.ledger.judge`):
- lease still running (`busy`): its owner is alive and will finish it; the finder leaves it alone
  and asks SQS to redeliver the batch later, so the campaign still gets its final count;
- lease expired (`abandoned`): its owner died between claiming and recording the answer - during the
  one HTTP call to Zalo. The sender asks Zalo's conversation API whether the message arrived
  (docs/zalo.md): it did, the record becomes sent with Zalo's id; it did not, it is sent now; Zalo
  cannot tell (ZNS, no text, lookup failed), we choose "never twice": the record becomes failed /
  outcome_unknown and is not resent (at most one recipient per killed sender). A lost answer (read
  timeout) is handled alike.
Errors that prove Zalo did not take the message (-32, connection refused, quiet hours) release the
claim (a conditional delete by the claim id) so that the recipient is tried again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from anninh.sending.ledger import Claim, ClaimState, lease_of

__all__ = ["CAP_TTL_SECONDS", "LEASE_SECONDS", "Claim", "ClaimState", "Delivery", "DeliveryStatus"]

LEASE_SECONDS = 180  # > the sender's 90 s timeout; < the broadcast queue's 540 s visibility timeout
CAP_TTL_SECONDS = 40 * 24 * 3600
CLAIMED = "claimed"  # the status while being sent

DeliveryStatus = Literal["claimed", "sent", "failed", "skipped"]


@dataclass(frozen=True)
class Delivery:
    """One recipient's delivery record."""

    campaign_id: str
    oa_id: str
    user_id: str
    status: str
    reason: str | None = None
    message_id: str | None = None
    finished_at: str | None = None
    claim_id: str = ""
    claim_until: int = 0  # epoch ms while claimed

    @classmethod
    def from_item(cls, item: Mapping[str, Any], campaign_id: str = "") -> Delivery:
        return cls(
            campaign_id=campaign_id,
            oa_id=str(item.get("oa_id") or ""),
            user_id=str(item.get("user_id") or ""),  # opened by the store (sealed at rest)
            status=str(item.get("status", "")),
            reason=str(item["reason"]) if item.get("reason") else None,
            message_id=str(item["message_id"]) if item.get("message_id") else None,
            finished_at=str(item["finished_at"]) if item.get("finished_at") else None,
            claim_id=str(item.get("claim_id") or ""),
            claim_until=lease_of(item),
        )
