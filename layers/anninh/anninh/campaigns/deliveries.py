"""Per-recipient delivery records (`keys.campaign_delivery`) and per-follower caps.

Exactly-once reasoning. Zalo's send API takes no idempotency key, so "never twice" has to come from
us: a recipient is sent to only by the sender that created its delivery record with a conditional
put (the claim). Any later sender - a redelivered SQS batch, a duplicate message, a retried planner -
finds the record and does not send. The record then moves claimed -> sent | failed | skipped.

A claim carries a lease (longer than the sender function's timeout). A claimed record found by
another sender means:
- lease still running: its owner is alive and will finish it; the finder leaves it alone and asks
  SQS to redeliver the batch later, so the campaign still gets its final count;
- lease expired: its owner died between claiming and recording the answer - during the one HTTP call
  to Zalo. The sender asks Zalo's conversation API whether the message arrived (docs/zalo.md): it did,
  the record becomes sent with Zalo's id; it did not, it is sent now; Zalo cannot tell (ZNS, no text,
  lookup failed), we choose "never twice": the record becomes failed / outcome_unknown and is not
  resent (at most one recipient per killed sender). A lost answer (read timeout) is handled alike.
Errors that prove Zalo did not take the message (-32, connection refused, quiet hours) release the
claim (a conditional delete by the claim id) so that the recipient is tried again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from anninh import aws, keys
from anninh.campaigns.eligibility import CAP_PER_DAY, CAP_PER_MONTH
from anninh.clock import VN_TZ, iso
from anninh.settings import get_settings

LEASE_SECONDS = 180  # > the sender's 90 s timeout; < the broadcast queue's 540 s visibility timeout
CAP_TTL_SECONDS = 40 * 24 * 3600

ClaimState = Literal["mine", "done", "busy", "abandoned", "capped"]


@dataclass
class Claim:
    state: ClaimState
    claim_id: str = ""
    existing: dict[str, Any] | None = None


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _cap_keys(oa_id: str, user_id: str, now: datetime) -> tuple[dict[str, str], dict[str, str]]:
    local = now.astimezone(VN_TZ)
    return (
        keys.follower_cap(oa_id, user_id, f"DAY#{local:%Y-%m-%d}"),
        keys.follower_cap(oa_id, user_id, f"MONTH#{local:%Y-%m}"),
    )


class DeliveryStore:
    def __init__(self, table: Any | None = None, client: Any | None = None) -> None:
        self._table = table
        self._client = client
        self.calls = 0

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = aws.table()
        return self._table

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("dynamodb")
        return self._client

    def claim(self, campaign_id: str, oa_id: str, user_id: str, now: datetime, capped: bool = False) -> Claim:
        """Create the recipient's record (status claimed). With `capped`, also count the message
        against the follower's daily and monthly caps in the same transaction."""
        claim_id = uuid.uuid4().hex
        key = keys.campaign_delivery(campaign_id, oa_id, user_id)
        item = {
            **key,
            "status": "claimed",
            "claim_id": claim_id,
            "oa_id": oa_id,
            "user_id": user_id,
            "claimed_at": iso(now),
            "lease_until": int(now.timestamp()) + LEASE_SECONDS,
        }
        if capped:
            return self._claim_capped(item, claim_id, now)
        self.calls += 1
        try:
            self.table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise
            existing: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
            return self._judge(self._plain(existing) if existing else self._read(key), now)
        return Claim("mine", claim_id)

    def _claim_capped(self, item: dict[str, Any], claim_id: str, now: datetime) -> Claim:
        table = get_settings().table_name
        day, month = _cap_keys(item["oa_id"], item["user_id"], now)
        expires = {"N": str(int(now.timestamp()) + CAP_TTL_SECONDS)}

        def cap_update(key: dict[str, str], limit: int) -> dict[str, Any]:
            return {
                "Update": {
                    "TableName": table,
                    "Key": {k: {"S": v} for k, v in key.items()},
                    "UpdateExpression": "ADD n :one SET expires_at = :exp",
                    "ConditionExpression": "attribute_not_exists(n) OR n < :limit",
                    "ExpressionAttributeValues": {
                        ":one": {"N": "1"},
                        ":limit": {"N": str(limit)},
                        ":exp": expires,
                    },
                }
            }

        put_item = {k: ({"N": str(v)} if isinstance(v, int) else {"S": str(v)}) for k, v in item.items()}
        self.calls += 1
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": table,
                            "Item": put_item,
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    cap_update(day, CAP_PER_DAY),
                    cap_update(month, CAP_PER_MONTH),
                ]
            )
        except ClientError as exc:
            if _code(exc) != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            codes = [r.get("Code") for r in reasons]
            key = {"PK": item["PK"], "SK": item["SK"]}
            if codes and codes[0] == "ConditionalCheckFailed":
                return self._judge(self._read(key), now)
            if "ConditionalCheckFailed" in codes:
                return Claim("capped")
            raise
        return Claim("mine", claim_id)

    def uncount_cap(self, oa_id: str, user_id: str, now: datetime) -> None:
        """A capped message that Zalo did not take: give the follower's allowance back."""
        for key in _cap_keys(oa_id, user_id, now):
            self.calls += 1
            self.table.update_item(
                Key=key, UpdateExpression="ADD n :minus", ExpressionAttributeValues={":minus": -1}
            )

    def _read(self, key: dict[str, str]) -> dict[str, Any] | None:
        self.calls += 1
        return self.table.get_item(Key=key, ConsistentRead=True).get("Item")

    @staticmethod
    def _plain(item: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in item.items():
            if isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("S", "N", "BOOL"):
                tag, raw = next(iter(v.items()))
                out[k] = int(raw) if tag == "N" else raw
            else:
                out[k] = v
        return out

    def _judge(self, existing: dict[str, Any] | None, now: datetime) -> Claim:
        if existing is None:  # vanished between the put and the read (a released claim): try later
            return Claim("busy")
        if existing.get("status") != "claimed":
            return Claim("done", existing=existing)
        if int(existing.get("lease_until", 0)) > now.timestamp():
            return Claim("busy", existing=existing)
        return Claim("abandoned", str(existing.get("claim_id", "")), existing)

    def finish(
        self,
        campaign_id: str,
        oa_id: str,
        user_id: str,
        claim_id: str,
        *,
        status: str,
        now: datetime,
        reason: str | None = None,
        message_id: str | None = None,
    ) -> bool:
        """claimed (by claim_id) -> sent | failed | skipped. False when the claim is no longer ours."""
        sets = ["#s = :s", "finished_at = :now"]
        values: dict[str, Any] = {":s": status, ":now": iso(now), ":claimed": "claimed", ":cid": claim_id}
        if reason:
            sets.append("reason = :r")
            values[":r"] = reason
        if message_id:
            sets.append("message_id = :m")
            values[":m"] = message_id
        self.calls += 1
        try:
            self.table.update_item(
                Key=keys.campaign_delivery(campaign_id, oa_id, user_id),
                UpdateExpression="SET " + ", ".join(sets) + " REMOVE lease_until",
                ConditionExpression="#s = :claimed AND claim_id = :cid",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def record(
        self, campaign_id: str, oa_id: str, user_id: str, *, status: str, reason: str, now: datetime
    ) -> bool:
        """A recipient decided without sending (e.g. capped): a final record; False if one existed."""
        self.calls += 1
        try:
            self.table.put_item(
                Item={
                    **keys.campaign_delivery(campaign_id, oa_id, user_id),
                    "status": status,
                    "reason": reason,
                    "oa_id": oa_id,
                    "user_id": user_id,
                    "finished_at": iso(now),
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, campaign_id: str, oa_id: str, user_id: str, claim_id: str) -> None:
        """Zalo certainly did not take the message: drop our claim so the recipient is tried again."""
        self.calls += 1
        try:
            self.table.delete_item(
                Key=keys.campaign_delivery(campaign_id, oa_id, user_id),
                ConditionExpression="claim_id = :cid AND #s = :claimed",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":cid": claim_id, ":claimed": "claimed"},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise

    def get(self, campaign_id: str, oa_id: str, user_id: str) -> dict[str, Any] | None:
        return self._read(keys.campaign_delivery(campaign_id, oa_id, user_id))
