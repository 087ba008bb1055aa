"""The send ledger every sender shares: one record per send, claimed before Zalo is called.

A send is an outbox message (`anninh.sending.records`, one record per message key) or a campaign
recipient (`anninh.campaigns.deliveries`, one record per campaign, OA and follower). Zalo's send API
takes no idempotency key, so "never twice" comes from the record: a sender sends only after its
conditional write created or took the record (the claim), and records Zalo's answer on it with one
small write right after.

A claim carries a lease, `claim_until`, in epoch milliseconds for both kinds of send (campaign
records written before this rule carry `lease_until` in epoch seconds, read alike). What another
sender finds (`judge`):
- `done`: the record is final (sent, failed, skipped, kept for the officers): never send again;
- `busy`: another sender holds a live lease: come back later, it will finish;
- `abandoned`: the lease ran out while the record was still being sent: the holder died during its
  one call to Zalo; the message may have arrived (each sender says what it does then);
- `mine`: the caller holds the claim (a new record, or one given back after a visible failure);
- `capped`: (campaigns) the follower's allowance is used up, nothing was claimed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ClaimState = Literal["mine", "done", "busy", "abandoned", "capped"]
LEASE_FIELD = "claim_until"  # epoch ms
LEGACY_LEASE_FIELD = "lease_until"  # epoch seconds (campaign records before the one ledger)


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def lease_end(now: datetime, seconds: float) -> int:
    """`claim_until` of a claim taken at `now` for `seconds`."""
    return epoch_ms(now) + int(seconds * 1000)


def lease_of(record: Mapping[str, Any]) -> int:
    """The record's lease end in epoch ms (0 when it has none)."""
    if record.get(LEASE_FIELD) is not None:
        return int(record[LEASE_FIELD])
    if record.get(LEGACY_LEASE_FIELD) is not None:
        return int(record[LEGACY_LEASE_FIELD]) * 1000
    return 0


@dataclass
class Claim:
    """What a sender got when it tried to claim a send."""

    state: ClaimState
    claim_id: str = ""  # the holder's id (campaign records; the outbox claims by the condition alone)
    record: dict[str, Any] = field(default_factory=dict)  # as it was before (taken) or as it is (not)

    @property
    def claimed(self) -> bool:
        """The caller may send (for `abandoned`: after making sure the dead holder did not)."""
        return self.state in ("mine", "abandoned")

    @property
    def took_over_stale(self) -> bool:
        return self.state == "abandoned"

    @property
    def status(self) -> str:
        return str(self.record.get("status", ""))


def judge(record: Mapping[str, Any] | None, now: datetime, sending_status: str) -> Claim:
    """The claim another sender's record leaves us (`sending_status`: the status while being sent)."""
    if record is None:  # vanished between the write and the read (a released claim): try later
        return Claim("busy")
    found = dict(record)
    if found.get("status") != sending_status:
        return Claim("done", record=found)
    if lease_of(found) > epoch_ms(now):
        return Claim("busy", record=found)
    return Claim("abandoned", str(found.get("claim_id", "")), found)
