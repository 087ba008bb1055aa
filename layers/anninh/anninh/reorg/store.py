"""Reading the world for a reorganisation and writing its moves: a Protocol and its DynamoDB form."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from anninh import aws, keys
from anninh.audit import AuditTrail, DynamoAuditStore
from anninh.dynamo import condition_failed, plain, query_all
from anninh.hotlines import DynamoHotlineStore, Hotline, Hotlines
from anninh.queueing import DynamoQueueStore, Queue
from anninh.registry import OA, Registry, Unit
from anninh.registry.directory import NoDirectory, OfficerDirectory
from anninh.reorg.plan import Handoff, OpenCase, Placed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

OPEN_STATUSES = ("new", "in_review", "verified", "forwarded")
RECORDS_GSI = "REORGS"


class ReorgStore(Protocol):
    def open_cases(self, unit_id: str) -> list[OpenCase]: ...
    def handoffs(self, unit_id: str) -> list[Handoff]: ...
    def followers(self) -> dict[str, int]: ...
    def places(self) -> list[Placed]: ...
    def canned(self) -> list[Placed]: ...
    def hotlines(self, unit_id: str) -> list[dict[str, str]]: ...
    def net_follows_since(self, unit_id: str, day: str) -> int: ...
    def put_unit(self, unit: Unit) -> None: ...
    def put_oa(self, oa: OA) -> None: ...
    def move_officer(self, registry: Registry, username: str, unit_id: str) -> None: ...
    def move_case(self, case: OpenCase, unit_id: str, reorg_id: str, at: str) -> None: ...
    def move_handoff(self, handoff: Handoff, unit_id: str) -> None: ...
    def move_place(self, place_id: str, unit_id: str) -> None: ...
    def move_canned(self, reply_id: str, unit_id: str) -> None: ...
    def put_hotlines(self, unit_id: str, lines: list[dict[str, str]], by: str, at: str) -> None: ...
    def drop_rollups(self, unit_id: str, first_day: str) -> int: ...
    def put_record(self, record: dict[str, Any]) -> None: ...
    def audit(self, record: dict[str, Any], actor_unit: str, request_id: str) -> None: ...
    def get_record(self, reorg_id: str) -> dict[str, Any] | None: ...


def _data(model: Any) -> dict[str, Any]:
    return dict(json.loads(model.model_dump_json(), parse_float=Decimal))


class DynamoReorgStore:
    def __init__(self, table: Table, directory: OfficerDirectory | None = None) -> None:
        self.table = table
        self._directory = directory or NoDirectory()

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        return query_all(self.table, **kwargs)

    # --- reading ---------------------------------------------------------------------------------

    def open_cases(self, unit_id: str) -> list[OpenCase]:
        items = self._query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(keys.unit_cases_gsi(unit_id)),
            FilterExpression=Attr("status").is_in(list(OPEN_STATUSES)),
        )
        out = []
        for item in items:
            if item.get("SK") != "CASE":
                continue
            loc = item.get("location") or None
            point = None
            if isinstance(loc, dict) and "latitude" in loc and "longitude" in loc:
                point = (float(loc["latitude"]), float(loc["longitude"]))
            out.append(OpenCase(str(item["case_id"]), str(item.get("code", "")), unit_id, point))
        return out

    def handoffs(self, unit_id: str) -> list[Handoff]:
        items = self._query(
            IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(keys.unit_handoffs_gsi(unit_id))
        )
        return [Handoff(str(i["PK"]), str(i["SK"]), unit_id) for i in items]

    def followers(self) -> dict[str, int]:
        items = self._query(KeyConditionExpression=Key("PK").eq(keys.STATS_FOLLOWERS_PK))
        return {str(i["oa_id"]): int(i.get("followers", 0)) for i in items if "oa_id" in i}

    def places(self) -> list[Placed]:
        return [
            Placed(p.place_id, p.unit_id) for p in Queue(DynamoQueueStore(self.table)).list_places().values()
        ]

    def canned(self) -> list[Placed]:
        items = self._query(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("CANNED"))
        return [
            Placed(str(i["reply_id"]), str(i["unit_id"]))
            for i in items
            if i.get("unit_id") and "reply_id" in i
        ]

    def hotlines(self, unit_id: str) -> list[dict[str, str]]:
        return DynamoHotlineStore(self.table).get(unit_id)

    def net_follows_since(self, unit_id: str, day: str) -> int:
        """Follows less unfollows counted for the unit on or after `day` (one GSI query)."""
        items = self._query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(keys.stats_unit_gsi(unit_id)) & Key("GSI1SK").gte(day),
        )
        return sum(int(i.get("follows", 0)) - int(i.get("unfollows", 0)) for i in items)

    # --- writing ---------------------------------------------------------------------------------

    def put_unit(self, unit: Unit) -> None:
        from anninh.registry import store as registry_store

        registry_store.put_unit(unit)

    def put_oa(self, oa: OA) -> None:
        from anninh.registry import store as registry_store

        registry_store.put_oa(oa)

    def move_officer(self, registry: Registry, username: str, unit_id: str) -> None:
        from anninh.registry import store as registry_store

        officer = next((o for o in registry.officers if o.username == username), None)
        if officer is None:
            return
        registry_store.put_officer(officer.model_copy(update={"unit_id": unit_id}))
        # A registry officer without a sign-in account yet has nothing to update.
        self._directory.set_unit(username, unit_id, missing_ok=True)

    def move_case(self, case: OpenCase, unit_id: str, reorg_id: str, at: str) -> None:
        """The case changes unit; its id, code, evidence and history stay where they are."""
        self.table.update_item(
            Key={"PK": keys.case_pk(case.case_id), "SK": "CASE"},
            UpdateExpression="SET unit_id = :u, GSI1PK = :g, reorganized_from = :f, "
            "reorganization_id = :r, updated_at = :at",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={
                ":u": unit_id,
                ":g": keys.unit_cases_gsi(unit_id),
                ":f": case.unit_id,
                ":r": reorg_id,
                ":at": at,
            },
        )
        try:  # its urgent alert (if any) follows it: listed and escalated by the new unit
            self.table.update_item(
                Key=keys.case_alert(case.case_id),
                UpdateExpression="SET unit_id = :u, GSI1PK = :g",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":u": unit_id, ":g": keys.unit_alerts_gsi(unit_id)},
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise

    def move_handoff(self, handoff: Handoff, unit_id: str) -> None:
        self.table.update_item(
            Key={"PK": handoff.pk, "SK": handoff.sk},
            UpdateExpression="SET unit_id = :u, GSI1PK = :g",
            ConditionExpression="attribute_exists(GSI1PK)",
            ExpressionAttributeValues={":u": unit_id, ":g": keys.unit_handoffs_gsi(unit_id)},
        )

    def move_place(self, place_id: str, unit_id: str) -> None:
        place = Queue(DynamoQueueStore(self.table)).list_places().get(place_id)
        if place is not None:
            Queue(DynamoQueueStore(self.table)).save_place(place.model_copy(update={"unit_id": unit_id}))

    def move_canned(self, reply_id: str, unit_id: str) -> None:
        self.table.update_item(
            Key=keys.canned_reply(reply_id),
            UpdateExpression="SET unit_id = :u",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":u": unit_id},
        )

    def put_hotlines(self, unit_id: str, lines: list[dict[str, str]], by: str, at: str) -> None:
        Hotlines(DynamoHotlineStore(self.table)).save(
            unit_id, [Hotline.model_validate(h) for h in lines], by, at
        )

    def drop_rollups(self, unit_id: str, first_day: str) -> int:
        items = self._query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(keys.stats_rollup_gsi(unit_id))
            & Key("GSI1SK").gte(first_day),
        )
        with self.table.batch_writer() as batch:
            for item in items:
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
        return len(items)

    def put_record(self, record: dict[str, Any]) -> None:
        self.table.put_item(
            Item={
                **keys.reorganization(record["id"]),
                "GSI1PK": RECORDS_GSI,
                "GSI1SK": f"{record['applied_at']}#{record['id']}",
                "type": "reorganization",
                **json.loads(json.dumps(record), parse_float=Decimal),
            },
            ConditionExpression="attribute_not_exists(PK)",
        )

    def audit(self, record: dict[str, Any], actor_unit: str, request_id: str) -> None:
        """The operation's one audit entry, with its details."""
        AuditTrail(DynamoAuditStore(self.table)).record(
            record["applied_by"],
            "reorganization.apply",
            "reorganization",
            record["id"],
            actor_unit=actor_unit,
            request_id=request_id,
            after={"effective_date": record["effective_date"], "counts": record["counts"]},
            details=record["details"],
        )

    def get_record(self, reorg_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key=keys.reorganization(reorg_id)).get("Item")
        return dict(plain(item)) if item else None


def default_store() -> DynamoReorgStore:
    """The store over the main table; moved officers are moved in the user pool too."""
    from anninh.registry.directory import default_directory

    return DynamoReorgStore(aws.table(), default_directory())
