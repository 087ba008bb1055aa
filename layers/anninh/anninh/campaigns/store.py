"""Data access for campaigns over the single table (keys in `anninh.keys`).

Items (all in the campaign's partition, PK=CAMPAIGN#<id>):
- SK=CAMPAIGN: the campaign, its counters (ADD), the planner's checkpoint;
  GSI1PK=CAMPAIGNS GSI1SK=<created_iso>#<id> (list, newest first);
  GSI2PK=CAMPAIGNS#SCHEDULED GSI2SK=<send_at_iso>#<id> while it waits for its time (due sweep).
- SK=DELIVERY#<oa_id>#<user_hash>: one per recipient (keyed by the keyed hash of the Zalo id, the
  id itself sealed to the record), created by a conditional put (the claim), then finalised to
  sent / failed / skipped. Its existence is what makes a second send impossible.
  These live in one partition per OA, PK=CAMPAIGN#<id>#OA#<oa_id> (`keys.campaign_delivery`), so a
  city-wide campaign does not put every send on one partition.
- SK=PARKED#<batch_id>: a batch held back while the campaign is paused or in quiet hours.
Per-follower caps: PK=FCAP#<oa_id>#<user_hash> SK=DAY#<yyyy-mm-dd> | MONTH#<yyyy-mm> with a count.
Follower records (audience pages) carry the Zalo id sealed: the pages open it (`crypto.open_field`).
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from anninh import aws, crypto, keys
from anninh.campaigns import deliveries
from anninh.campaigns.audience import PAGE_SIZE, AudienceFilter, AudiencePage, members_of
from anninh.campaigns.deliveries import CLAIMED, Claim, Delivery
from anninh.campaigns.eligibility import CAP_PER_DAY, CAP_PER_MONTH
from anninh.campaigns.model import STATUS_LABELS, Campaign
from anninh.clock import VN_TZ, iso, parse_iso
from anninh.dynamo import condition_failed, error_code, plain, put_new, query_items, update_if
from anninh.sending.ledger import LEASE_FIELD, LEGACY_LEASE_FIELD, judge, lease_end
from anninh.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

SCHEDULED_GSI = "CAMPAIGNS#SCHEDULED"
LIST_GSI = "CAMPAIGNS"
COUNTER_FIELDS = ("total", "sent", "failed", "skipped")
SENDER_SKIPS = frozenset({"skip_follower_cap"})  # skips decided by senders (the rest by the planner)


class CampaignNotFound(Exception):
    pass


class StatusConflict(Exception):
    """The campaign is not in a state that allows the change."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(f"campaign is {status}")


def to_campaign(item: dict[str, Any], now: datetime | None = None) -> Campaign:
    data = plain(item)
    skipped = {k[5:]: v for k, v in data.items() if k.startswith("skip_") and v}
    failed = {k[5:]: v for k, v in data.items() if k.startswith("fail_") and v}
    campaign = Campaign(
        id=data["id"],
        name=data["name"],
        kind=data["kind"],
        message_type=data["message_type"],
        status=data["status"],
        status_label=STATUS_LABELS.get(data["status"], data["status"]),
        oa_ids=data.get("oa_ids", []),
        unit_ids=data.get("unit_ids", []),
        tags=data.get("tags", []),
        interacted_within_days=data.get("interacted_within_days"),
        message=data.get("message", {}),
        spec=data.get("spec", {}),
        unit_id=data.get("unit_id", ""),
        created_by=data.get("created_by", ""),
        created_at=data["created_at"],
        send_at=data.get("send_at"),
        started_at=data.get("started_at"),
        finished_at=data.get("finished_at"),
        planning_done=bool(data.get("planning_done")),
        total=data.get("total", 0),
        sent=data.get("sent", 0),
        failed=data.get("failed", 0),
        skipped=data.get("skipped", 0),
        skipped_reasons=skipped,
        failed_reasons=failed,
        deferred_until=data.get("deferred_until"),
        article_ids=data.get("article_ids", {}),
    )
    _progress(campaign, now)
    return campaign


def _progress(c: Campaign, now: datetime | None) -> None:
    if not c.started_at:
        return
    end = parse_iso(c.finished_at) if c.finished_at else (now or datetime.now(parse_iso(c.started_at).tzinfo))
    minutes = (end - parse_iso(c.started_at)).total_seconds() / 60.0
    done = c.sent + c.failed
    if minutes > 0 and done:
        c.rate = round(done / minutes, 1)
    if c.status == "running" and c.rate and c.planning_done:
        left = max(0, c.total - c.processed)
        c.eta = iso(end + timedelta(minutes=left / c.rate))


class CampaignStore:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.calls = 0

    # ------------------------------------------------------------------ campaign item
    def create(self, item: dict[str, Any]) -> None:
        self.calls += 1
        key = keys.campaign(item["id"])
        full = {**key, **item, "GSI1PK": LIST_GSI, "GSI1SK": f"{item['created_at']}#{item['id']}"}
        if item["status"] == "scheduled" and item.get("send_at"):
            full["GSI2PK"] = SCHEDULED_GSI
            full["GSI2SK"] = f"{item['send_at']}#{item['id']}"
        for name in COUNTER_FIELDS:
            full.setdefault(name, 0)
        self.table.put_item(Item=full, ConditionExpression="attribute_not_exists(PK)")

    def get_item(self, campaign_id: str, consistent: bool = True) -> dict[str, Any]:
        self.calls += 1
        item = self.table.get_item(Key=keys.campaign(campaign_id), ConsistentRead=consistent).get("Item")
        if not item:
            raise CampaignNotFound(campaign_id)
        return item

    def get(self, campaign_id: str, now: datetime | None = None) -> Campaign:
        return to_campaign(self.get_item(campaign_id), now)

    def list(
        self, limit: int = 50, cursor: str | None = None
    ) -> tuple[builtins.list[dict[str, Any]], str | None]:
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq(LIST_GSI),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = json.loads(cursor)
        page = self.table.query(**kwargs)
        last = page.get("LastEvaluatedKey")
        return page.get("Items", []), json.dumps(last) if last else None

    def due(self, now: datetime) -> builtins.list[str]:
        """Ids of scheduled campaigns whose send time has come (the due sweep)."""
        self.calls += 1
        items = query_items(
            self.table,
            IndexName="GSI2",
            KeyConditionExpression=Key("GSI2PK").eq(SCHEDULED_GSI) & Key("GSI2SK").lte(f"{iso(now)}#~"),
        )
        return [str(i["id"]) for i in items]

    def start(self, campaign_id: str, now: datetime, from_status: tuple[str, ...] = ("scheduled",)) -> bool:
        """scheduled -> running (once: the due sweep and the queue may both try)."""
        self.calls += 1
        started = update_if(
            self.table,
            Key=keys.campaign(campaign_id),
            UpdateExpression="SET #s = :running, started_at = if_not_exists(started_at, :now) "
            "REMOVE GSI2PK, GSI2SK, deferred_until",
            ConditionExpression=Attr("status").is_in(list(from_status)),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":running": "running", ":now": iso(now)},
        )
        return started is not None

    def defer(self, campaign_id: str, until: datetime, reason: str) -> None:
        """Back to scheduled until `until` (e.g. promotion kinds in quiet hours)."""
        self.calls += 1
        self.table.update_item(
            Key=keys.campaign(campaign_id),
            UpdateExpression="SET #s = :scheduled, GSI2PK = :g, GSI2SK = :sk, deferred_until = :u, "
            "deferred_reason = :r",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":scheduled": "scheduled",
                ":g": SCHEDULED_GSI,
                ":sk": f"{iso(until)}#{campaign_id}",
                ":u": iso(until),
                ":r": reason,
            },
        )

    def set_status(
        self, campaign_id: str, new: str, allowed_from: tuple[str, ...], now: datetime
    ) -> dict[str, Any]:
        self.calls += 1
        extra = ", finished_at = :now" if new in ("cancelled", "done") else ""
        remove = " REMOVE GSI2PK, GSI2SK" if new in ("cancelled", "done", "paused") else ""
        try:
            out = self.table.update_item(
                Key=keys.campaign(campaign_id),
                UpdateExpression=f"SET #s = :new, updated_at = :now{extra}{remove}",
                ConditionExpression=Attr("PK").exists() & Attr("status").is_in(list(allowed_from)),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":new": new, ":now": iso(now)},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if condition_failed(exc):
                old: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                if not old:
                    raise CampaignNotFound(campaign_id) from exc
                raise StatusConflict(str(old.get("status", {}).get("S", "?"))) from exc
            raise
        return dict(out["Attributes"])

    def add_counts(self, campaign_id: str, counts: dict[str, int], now: datetime) -> dict[str, Any]:
        """ADD counter deltas (sent, failed, skipped, skip_<reason>, fail_<reason>); marks the campaign
        done when every planned recipient is accounted for. Returns the updated item."""
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return {}
        self.calls += 1
        names = {f"#c{i}": k for i, k in enumerate(counts)}
        values: dict[str, Any] = {f":c{i}": v for i, v in enumerate(counts.values())}
        values[":now"] = iso(now)
        item = self.table.update_item(
            Key=keys.campaign(campaign_id),
            UpdateExpression="SET progress_at = :now ADD "
            + ", ".join(f"#c{i} :c{i}" for i in range(len(counts))),
            ConditionExpression=Attr("PK").exists(),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )["Attributes"]
        self.finish_if_complete(item, now)
        return dict(item)

    # ------------------------------------------------------------------ repair
    def stalled(self, now: datetime, quiet_minutes: int = 15) -> builtins.list[str]:
        """Running, fully planned campaigns short of their total with no progress for a while and
        nothing parked: a sender died outright and its batch's increments were lost."""
        items, _ = self.list(limit=100)
        out = []
        for item in items:
            processed = sum(int(item.get(k, 0)) for k in ("sent", "failed", "skipped"))
            last = str(item.get("progress_at") or item.get("started_at") or "")
            if (
                item.get("status") == "running"
                and item.get("planning_done")
                and not item.get("has_parked")
                and processed < int(item.get("total", 0))
                and last
                and parse_iso(last) < now - timedelta(minutes=quiet_minutes)
            ):
                out.append(str(item["id"]))
        return out

    def recount(self, campaign_id: str, now: datetime) -> dict[str, Any]:
        """Recompute the senders' counters from the delivery records (the planner's skips stay)."""
        counts: dict[str, int] = {"sent": 0, "failed": 0}
        sender_skips: dict[str, int] = {}
        item = self.get_item(campaign_id)
        partitions = [keys.campaign_delivery_pk(campaign_id, str(o)) for o in item.get("oa_ids") or []]
        partitions.append(keys.campaign_delivery_legacy_pk(campaign_id))  # started before the split
        for partition in partitions:
            self.calls += 1
            records = query_items(
                self.table,
                KeyConditionExpression=Key("PK").eq(partition) & Key("SK").begins_with("DELIVERY#"),
                ProjectionExpression="#s, reason",
                ExpressionAttributeNames={"#s": "status"},
            )
            for record in records:
                status, reason = record.get("status"), str(record.get("reason"))
                if status == "sent":
                    counts["sent"] += 1
                elif status == "failed":
                    counts["failed"] += 1
                    counts[f"fail_{reason}"] = counts.get(f"fail_{reason}", 0) + 1
                elif status == "skipped":
                    sender_skips[f"skip_{reason}"] = sender_skips.get(f"skip_{reason}", 0) + 1
        planner_skips = {
            k: int(v) for k, v in item.items() if k.startswith("skip_") and k not in SENDER_SKIPS
        }
        counts.update(sender_skips)
        counts["skipped"] = sum(planner_skips.values()) + sum(sender_skips.values())
        self.set_fields(campaign_id, **counts)
        fresh = self.get_item(campaign_id)
        self.finish_if_complete(fresh, now)
        return counts

    def finish_if_complete(self, item: dict[str, Any], now: datetime) -> bool:
        processed = sum(int(item.get(k, 0)) for k in ("sent", "failed", "skipped"))
        if item.get("status") != "running" or not item.get("planning_done"):
            return False
        if processed < int(item.get("total", 0)):
            return False
        self.calls += 1
        finished = update_if(
            self.table,
            Key=keys.campaign(str(item["id"])),
            UpdateExpression="SET #s = :done, finished_at = :now",
            # Counters only grow and total is fixed once planning is done, so the totals read
            # from ALL_NEW above stay true; the condition makes the switch happen once.
            ConditionExpression="#s = :running AND planning_done = :t",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":done": "done", ":running": "running", ":now": iso(now), ":t": True},
        )
        return finished is not None

    def set_fields(self, campaign_id: str, **fields: Any) -> None:
        self.calls += 1
        names = {f"#f{i}": k for i, k in enumerate(fields)}
        values = {f":f{i}": v for i, v in enumerate(fields.values())}
        self.table.update_item(
            Key=keys.campaign(campaign_id),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    # ------------------------------------------------------------------ planner checkpoint
    def checkpoint(
        self,
        campaign_id: str,
        previous: dict[str, Any] | None,
        cursor: dict[str, Any],
        *,
        counts: dict[str, int],
        planning_done: bool,
        now: datetime,
    ) -> bool:
        """Move the planner's cursor from `previous` to `cursor` and ADD what that page planned, in one
        conditional update: a retried planner that lost the race adds nothing twice."""
        self.calls += 1
        counts = {k: v for k, v in counts.items() if v}
        names: dict[str, str] = {"#cur": "cursor"}
        values: dict[str, Any] = {":cur": json.dumps(cursor, sort_keys=True), ":pd": planning_done}
        sets = "SET #cur = :cur, planning_done = :pd"
        if previous is None:
            condition = "attribute_not_exists(#cur)"
        else:
            condition = "#cur = :prev"
            values[":prev"] = json.dumps(previous, sort_keys=True)
        adds = []
        for i, (k, v) in enumerate(counts.items()):
            names[f"#a{i}"] = k
            values[f":a{i}"] = v
            adds.append(f"#a{i} :a{i}")
        expr = sets + (" ADD " + ", ".join(adds) if adds else "")
        try:
            item = self.table.update_item(
                Key=keys.campaign(campaign_id),
                UpdateExpression=expr,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        if planning_done:
            self.finish_if_complete(item, now)
        return True

    # ------------------------------------------------------------------ parked batches
    def park(self, campaign_id: str, batch: dict[str, Any], resume_at: str | None = None) -> None:
        self.calls += 1
        item = {**keys.campaign_parked(campaign_id, str(batch["batch_id"])), "batch": json.dumps(batch)}
        if resume_at:
            item["resume_at"] = resume_at
        self.table.put_item(Item=item)

    def parked(self, campaign_id: str) -> Iterator[tuple[str, dict[str, Any], str | None]]:
        self.calls += 1
        items = query_items(
            self.table,
            KeyConditionExpression=Key("PK").eq(keys.campaign(campaign_id)["PK"])
            & Key("SK").begins_with("PARKED#"),
        )
        for item in items:
            resume_at = item.get("resume_at")
            yield str(item["SK"]), json.loads(str(item["batch"])), str(resume_at) if resume_at else None

    def unpark(self, campaign_id: str, sk: str) -> None:
        self.calls += 1
        self.table.delete_item(Key={"PK": keys.campaign(campaign_id)["PK"], "SK": sk})

    def running_with_parked(self, now: datetime) -> builtins.list[str]:
        """Running campaigns (listed newest first, bounded) that may hold parked batches."""
        items, _ = self.list(limit=100)
        return [str(i["id"]) for i in items if i.get("status") == "running" and i.get("has_parked")]


class DynamoAudience:
    """Followers of an OA from the main table's GSI1 (GSI1PK=OA#<oa_id>#FOLLOWERS, GSI1SK=<last
    interaction>), one Query per page with a resumable cursor (`anninh.campaigns.audience`)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def page(
        self,
        oa_id: str,
        flt: AudienceFilter,
        now: datetime,
        cursor: dict[str, Any] | None,
        limit: int = PAGE_SIZE,
    ) -> AudiencePage:
        condition: Any = Key("GSI1PK").eq(keys.followers_by_interaction_gsi(oa_id))
        since = flt.since(now)
        if since is not None:
            condition = condition & Key("GSI1SK").gte(iso(since))
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": condition,
            "Limit": limit,
            "ProjectionExpression": "PK, SK, GSI1PK, GSI1SK, user_id, following, withdrawn, "
            "last_interaction_at, tags",
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        result = self.table.query(**kwargs)
        return AudiencePage(
            members=members_of(_opened(result.get("Items", [])), flt), cursor=result.get("LastEvaluatedKey")
        )


def _opened(items: builtins.list[dict[str, Any]]) -> builtins.list[dict[str, Any]]:
    """Records with their sealed user_id opened; one that does not open here is left out."""
    out = []
    for item in items:
        user_id = crypto.open_field(item, "user_id")
        if user_id:
            out.append({**item, "user_id": user_id})
    return out


def default_audience() -> DynamoAudience:
    return DynamoAudience(aws.table())


def default_campaign_store() -> CampaignStore:
    return CampaignStore(aws.table())


# ---------------------------------------------------------------------- delivery records and caps
def _cap_keys(oa_id: str, user_id: str, now: datetime) -> tuple[dict[str, str], dict[str, str]]:
    local = now.astimezone(VN_TZ)
    return (
        keys.follower_cap(oa_id, user_id, f"DAY#{local:%Y-%m-%d}"),
        keys.follower_cap(oa_id, user_id, f"MONTH#{local:%Y-%m}"),
    )


def _from_low_level(item: dict[str, Any]) -> dict[str, Any]:
    """A low-level (typed) item as plain values."""
    out: dict[str, Any] = {}
    for k, v in item.items():
        if isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("S", "N", "BOOL"):
            tag, raw = next(iter(v.items()))
            out[k] = int(raw) if tag == "N" else raw
        else:
            out[k] = v
    return out


class DeliveryStore:
    """The campaign side of the send ledger (`anninh.campaigns.deliveries`) and the per-follower caps."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.client: Any = table.meta.client  # the resource's client: plain values, like the table
        self.calls = 0

    def claim(self, campaign_id: str, oa_id: str, user_id: str, now: datetime, capped: bool = False) -> Claim:
        """Create the recipient's record (status claimed). With `capped`, also count the message
        against the follower's daily and monthly caps in the same transaction."""
        claim_id = uuid.uuid4().hex
        key = keys.campaign_delivery(campaign_id, oa_id, user_id)
        item: dict[str, Any] = {
            **key,
            "status": CLAIMED,
            "claim_id": claim_id,
            "oa_id": oa_id,
            "user_id": crypto.seal_field(key, "user_id", user_id),
            "claimed_at": iso(now),
            LEASE_FIELD: lease_end(now, deliveries.LEASE_SECONDS),
        }
        if capped:
            return self._claim_capped(item, user_id, claim_id, now)
        self.calls += 1
        try:
            self.table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            existing: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
            return judge(_from_low_level(existing) if existing else self._read(key), now, CLAIMED)
        return Claim("mine", claim_id)

    def _claim_capped(self, item: dict[str, Any], user_id: str, claim_id: str, now: datetime) -> Claim:
        table = get_settings().table_name
        day, month = _cap_keys(item["oa_id"], user_id, now)
        expires = {"N": str(int(now.timestamp()) + deliveries.CAP_TTL_SECONDS)}

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

        serialize = TypeSerializer().serialize
        put_item = {k: serialize(v) for k, v in item.items()}
        self.calls += 1
        try:
            self._low_level().transact_write_items(
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
            if error_code(exc) != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            codes = [r.get("Code") for r in reasons]
            key = {"PK": item["PK"], "SK": item["SK"]}
            if codes and codes[0] == "ConditionalCheckFailed":
                return judge(self._read(key), now, CLAIMED)
            if "ConditionalCheckFailed" in codes:
                return Claim("capped")
            raise
        return Claim("mine", claim_id)

    @staticmethod
    def _low_level() -> Any:
        """The plain DynamoDB client (typed attribute values, unlike the table resource's)."""
        return aws.client("dynamodb")

    def uncount_cap(self, oa_id: str, user_id: str, now: datetime) -> None:
        """A capped message that Zalo did not take: give the follower's allowance back."""
        for key in _cap_keys(oa_id, user_id, now):
            self.calls += 1
            self.table.update_item(
                Key=key, UpdateExpression="ADD n :minus", ExpressionAttributeValues={":minus": -1}
            )

    def capped(self, members: builtins.list[tuple[str, str]], at: datetime) -> int:
        """How many of these (oa_id, user_id) followers already reached their daily or monthly cap."""
        local = at.astimezone(VN_TZ)
        day, month = f"DAY#{local:%Y-%m-%d}", f"MONTH#{local:%Y-%m}"
        capped: set[str] = set()
        table_name = get_settings().table_name
        for start in range(0, len(members), 50):
            chunk = members[start : start + 50]
            request_keys = [keys.follower_cap(o, u, sk) for o, u in chunk for sk in (day, month)]
            pending: dict[str, Any] = {table_name: {"Keys": request_keys}}
            while pending:
                out = self.client.batch_get_item(RequestItems=pending)
                for item in out.get("Responses", {}).get(table_name, []):
                    limit = CAP_PER_DAY if str(item["SK"]).startswith("DAY#") else CAP_PER_MONTH
                    if int(item.get("n", 0)) >= limit:
                        capped.add(str(item["PK"]))
                pending = out.get("UnprocessedKeys") or {}
        return len(capped)

    def _read(self, key: dict[str, str]) -> dict[str, Any] | None:
        self.calls += 1
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        return dict(item) if item else None

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
        values: dict[str, Any] = {":s": status, ":now": iso(now), ":claimed": CLAIMED, ":cid": claim_id}
        if reason:
            sets.append("reason = :r")
            values[":r"] = reason
        if message_id:
            sets.append("message_id = :m")
            values[":m"] = message_id
        self.calls += 1
        finished = update_if(
            self.table,
            Key=keys.campaign_delivery(campaign_id, oa_id, user_id),
            UpdateExpression="SET " + ", ".join(sets) + f" REMOVE {LEASE_FIELD}, {LEGACY_LEASE_FIELD}",
            ConditionExpression="#s = :claimed AND claim_id = :cid",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=values,
        )
        return finished is not None

    def record(
        self, campaign_id: str, oa_id: str, user_id: str, *, status: str, reason: str, now: datetime
    ) -> bool:
        """A recipient decided without sending (e.g. capped): a final record; False if one existed."""
        self.calls += 1
        key = keys.campaign_delivery(campaign_id, oa_id, user_id)
        item = {
            **key,
            "status": status,
            "reason": reason,
            "oa_id": oa_id,
            "user_id": crypto.seal_field(key, "user_id", user_id),
            "finished_at": iso(now),
        }
        return put_new(self.table, item)

    def release(self, campaign_id: str, oa_id: str, user_id: str, claim_id: str) -> None:
        """Zalo certainly did not take the message: drop our claim so the recipient is tried again."""
        self.calls += 1
        try:
            self.table.delete_item(
                Key=keys.campaign_delivery(campaign_id, oa_id, user_id),
                ConditionExpression="claim_id = :cid AND #s = :claimed",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":cid": claim_id, ":claimed": CLAIMED},
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise

    def get(self, campaign_id: str, oa_id: str, user_id: str) -> Delivery | None:
        item = self._read(keys.campaign_delivery(campaign_id, oa_id, user_id))
        return Delivery.from_item({**item, "user_id": user_id}, campaign_id) if item else None

    def page(
        self,
        campaign_id: str,
        oa_id: str,
        *,
        status: str | None = None,
        cursor: dict[str, str] | None = None,
        limit: int = 50,
    ) -> tuple[builtins.list[Delivery], dict[str, str] | None]:
        """One page of an OA's delivery records of the campaign, and the cursor of the next."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(keys.campaign_delivery_pk(campaign_id, oa_id))
            & Key("SK").begins_with("DELIVERY#"),
            "Limit": limit,
        }
        if status:
            kwargs["FilterExpression"] = Attr("status").eq(status)
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        page = self.table.query(**kwargs)
        last = page.get("LastEvaluatedKey")
        records = [
            Delivery.from_item({**item, "user_id": crypto.open_field(item, "user_id") or ""}, campaign_id)
            for item in page.get("Items", [])
        ]
        return records, ({"PK": str(last["PK"]), "SK": str(last["SK"])} if last else None)


def default_deliveries() -> DeliveryStore:
    return DeliveryStore(aws.table())
