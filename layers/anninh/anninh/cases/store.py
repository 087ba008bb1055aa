"""Data access for tip cases over the single-table design (keys in anninh.keys).

Two faces: the tip desk's writes (module functions below: opening a case, follow-ups, media, spam
guards) and `CaseStore`, what the officer workflow and the inbox read and write (`DynamoCaseStore`
over the main table; tests use the in-memory tests/fakes/cases.py).

Case:   PK=CASE#<id> SK=CASE   GSI1 = unit inbox (UNIT#<unit>#CASES, <created>#<id>), GSI2 = human code
Children in the case's partition: SK=EVENT#<iso>#<key> (what the citizen sent, one per event),
SK=MEDIA#<seq>#<n> (each attachment and its download status), SK=ALERT (urgent alert: anninh.alerts).
Every write that an event causes is conditional on that event's own child item, so a redelivered
event changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from anninh import aws, crypto, keys
from anninh.cases.errors import StaleCase
from anninh.cases.model import Case, case_context, open_case_fields, seal_case_fields, seal_case_text
from anninh.cases.plan import CaseWrite
from anninh.clock import iso
from anninh.conversations import message_context
from anninh.dynamo import (
    put_new,
    query_all,
    query_items,
    scan_items,
    to_dynamo,
    transaction_refused,
    update_if,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class DuplicateActivity(Exception):
    """This event's effect on the case was applied already (redelivery)."""


def _ddb(value: dict[str, Any]) -> dict[str, Any]:
    """An item as DynamoDB takes it: floats as Decimal, no None attributes."""
    return {k: v for k, v in to_dynamo(value).items() if v is not None}


def case_item(case: Case) -> dict[str, Any]:
    data = seal_case_fields(case.model_dump(mode="json"))
    return _ddb(
        {
            **data,
            **keys.case(case.case_id),
            "type": "case",
            "GSI1PK": keys.unit_cases_gsi(case.unit_id),
            "GSI1SK": f"{case.created_at}#{case.case_id}",
            "GSI2PK": keys.case_code_gsi(case.code),
            "GSI2SK": "CASE",
        }
    )


def case_from_item(item: dict[str, Any]) -> Case:
    return Case.model_validate({k: v for k, v in open_case_fields(item).items() if k in Case.model_fields})


def sealed_activity(activity: dict[str, Any]) -> dict[str, Any]:
    """A case event item with its text sealed (same associated data as conversation messages)."""
    if isinstance(activity.get("text"), str) and activity["text"]:
        return {
            **activity,
            "text": crypto.encrypt_text(activity["text"], context=message_context(activity, "text")),
        }
    return activity


def activity_sk(at: datetime, event_key: str) -> str:
    return f"EVENT#{iso(at)}#{hashlib.sha256(event_key.encode()).hexdigest()[:16]}"


def media_seq(at: datetime, event_key: str) -> str:
    return f"{int(at.timestamp() * 1000):013d}-{hashlib.sha256(event_key.encode()).hexdigest()[:6]}"


# --- the officer side: workflow, case view, inbox ---------------------------------------------------

SEEN_TTL_DAYS = 60
PRESENCE_TTL_SECONDS = 720


class CaseStore(Protocol):
    """What the officer workflow, the case view and the inbox read and write."""

    def case_item(self, case_id: str) -> dict[str, Any] | None: ...
    def children(self, case_id: str) -> dict[str, list[dict[str, Any]]]: ...
    def write(self, change: CaseWrite) -> None: ...
    def put_child(self, item: dict[str, Any]) -> None: ...
    def mark_notice(self, case_id: str, kind: str, at: str) -> bool: ...
    def inbox_rows(
        self, unit_id: str, upper: str | None, lower: str | None, page_size: int
    ) -> Iterator[dict[str, Any]]: ...
    def open_case_items(self, unit_ids: Iterable[str], statuses: Iterable[str]) -> list[dict[str, Any]]: ...
    def seen(self, username: str, case_ids: Iterable[str]) -> dict[str, str]: ...
    def mark_seen(self, username: str, case_id: str, now: datetime) -> None: ...
    def note_presence(self, username: str, case_id: str, now: datetime) -> None: ...
    def presence(self, case_id: str) -> list[dict[str, Any]]: ...
    def unit_ids(self) -> list[str]: ...
    def put_digest(self, item: dict[str, Any]) -> None: ...
    def digest(self, unit_id: str, day: str) -> dict[str, Any] | None: ...
    def find_by_code(self, code: str) -> Case | None: ...
    def is_blocked(self, oa_id: str, user_id: str) -> bool: ...
    def block(self, oa_id: str, user_id: str, reason: str, by: str, at: datetime) -> None: ...
    def unblock(self, oa_id: str, user_id: str) -> None: ...


class DynamoCaseStore:
    """`CaseStore` over the main table."""

    def __init__(self, table: Table) -> None:
        self._table = table

    @property
    def _client(self) -> Any:
        """The low-level client behind the table (transactions, batch reads)."""
        return self._table.meta.client

    def case_item(self, case_id: str) -> dict[str, Any] | None:
        if not case_id or len(case_id) > 200:
            return None
        item = self._table.get_item(Key=keys.case(case_id), ConsistentRead=True).get("Item")
        if not item or item.get("SK") != "CASE":
            return None
        return dict(item)

    def children(self, case_id: str) -> dict[str, list[dict[str, Any]]]:
        """Media, notes, history events and info copies in the case's partition (oldest first)."""
        out: dict[str, list[dict[str, Any]]] = {"MEDIA": [], "NOTE": [], "EVENT": [], "INFO": []}
        for item in query_items(self._table, KeyConditionExpression=Key("PK").eq(keys.case_pk(case_id))):
            kind = str(item.get("SK", "")).split("#", 1)[0]
            if kind in out:
                out[kind].append(item)
        return out

    def write(self, change: CaseWrite) -> None:
        """The case update (conditional on the version read) and its history, copies, in one
        transaction; StaleCase when the case changed meanwhile."""
        table_name = self._table.name
        names = {f"#f{i}": k for i, k in enumerate(change.sets)}
        values: dict[str, Any] = {f":v{i}": to_dynamo(v) for i, v in enumerate(change.sets.values())}
        expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(change.sets)))
        if change.removes:
            names.update({f"#r{i}": k for i, k in enumerate(change.removes)})
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(change.removes)))
        names["#ver"] = "version"
        if change.expected_version is not None:
            condition = "#ver = :expected"
            values[":expected"] = change.expected_version
        else:
            condition = "attribute_exists(PK) AND attribute_not_exists(#ver)"
        actions: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": table_name,
                    "Key": keys.case(change.case_id),
                    "UpdateExpression": expression,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        ]
        actions += [{"Put": {"TableName": table_name, "Item": to_dynamo(item)}} for item in change.puts]
        actions += [{"Delete": {"TableName": table_name, "Key": key}} for key in change.deletes]
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if transaction_refused(exc):
                raise StaleCase(change.case_id) from exc
            raise

    def put_child(self, item: dict[str, Any]) -> None:
        """An item of the case's partition written on its own (a note, a history event)."""
        self._table.put_item(Item=to_dynamo(item))

    def mark_notice(self, case_id: str, kind: str, at: str) -> bool:
        """Note that the citizen was told `kind` about the case; False if they were before."""
        return put_new(self._table, {**keys.case_notice(case_id, kind), "type": "citizen_notice", "at": at})

    def inbox_rows(
        self, unit_id: str, upper: str | None, lower: str | None, page_size: int
    ) -> Iterator[dict[str, Any]]:
        """One unit's inbox partition, newest first, strictly below `upper` and at or above `lower`."""
        condition: Any = Key("GSI1PK").eq(keys.unit_cases_gsi(unit_id))
        if upper and lower:
            condition = condition & Key("GSI1SK").between(lower, upper)
        elif upper:
            condition = condition & Key("GSI1SK").lt(upper)
        elif lower:
            condition = condition & Key("GSI1SK").gte(lower)
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
            "Limit": page_size,
        }
        while True:
            page = self._table.query(**kwargs)
            for item in page.get("Items", []):
                if upper and str(item.get("GSI1SK", "")) >= upper:
                    continue
                yield item
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            kwargs["Limit"] = min(page_size * 2, 500)

    def open_case_items(self, unit_ids: Iterable[str], statuses: Iterable[str]) -> list[dict[str, Any]]:
        """The cases of the units in one of `statuses` (their own partitions: no info-only copies)."""
        wanted = list(statuses)
        items: list[dict[str, Any]] = []
        for unit_id in dict.fromkeys(unit_ids):
            items += query_all(
                self._table,
                IndexName="GSI1",
                KeyConditionExpression=Key("GSI1PK").eq(keys.unit_cases_gsi(unit_id)),
                FilterExpression=Attr("SK").eq("CASE") & Attr("status").is_in(wanted),
            )
        return items

    def seen(self, username: str, case_ids: Iterable[str]) -> dict[str, str]:
        """When the officer last opened each of the cases (absent: never)."""
        wanted = list(dict.fromkeys(case_ids))
        out: dict[str, str] = {}
        client, name = self._client, self._table.name
        for start in range(0, len(wanted), 100):
            request = {name: {"Keys": [keys.case_seen(username, c) for c in wanted[start : start + 100]]}}
            while request:
                page = client.batch_get_item(RequestItems=request)
                for item in page.get("Responses", {}).get(name, []):
                    out[str(item["SK"]).removeprefix("CASE#")] = str(item.get("at", ""))
                request = page.get("UnprocessedKeys") or {}
        return out

    def mark_seen(self, username: str, case_id: str, now: datetime) -> None:
        self._table.put_item(
            Item={
                **keys.case_seen(username, case_id),
                "type": "case_seen",
                "at": iso(now),
                "expires_at": int(now.timestamp()) + SEEN_TTL_DAYS * 86400,
            }
        )

    def note_presence(self, username: str, case_id: str, now: datetime) -> None:
        self._table.put_item(
            Item={
                **keys.case_view(case_id, username),
                "type": "case_view",
                "by": username,
                "at": iso(now),
                "expires_at": int(now.timestamp()) + PRESENCE_TTL_SECONDS,
            }
        )

    def presence(self, case_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._table,
            KeyConditionExpression=Key("PK").eq(keys.case_pk(case_id)) & Key("SK").begins_with("VIEW#"),
        )

    def unit_ids(self) -> list[str]:
        """Every registered unit, from the table alone (the digest needs no Zalo app secrets)."""
        items = query_all(
            self._table, IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(keys.UNITS_GSI)
        )
        return [str(i["GSI1SK"]) for i in items]

    def put_digest(self, item: dict[str, Any]) -> None:
        self._table.put_item(Item=to_dynamo(item))

    def digest(self, unit_id: str, day: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._table.get_item(Key=keys.overdue_digest(unit_id, day)).get("Item")
        return item

    def find_by_code(self, code: str) -> Case | None:
        page = self._table.query(
            IndexName="GSI2", KeyConditionExpression=Key("GSI2PK").eq(keys.case_code_gsi(code)), Limit=1
        )
        items = page.get("Items", [])
        return case_from_item(items[0]) if items else None

    def is_blocked(self, oa_id: str, user_id: str) -> bool:
        return "Item" in self._table.get_item(Key=keys.citizen_block(oa_id, user_id))

    def block(self, oa_id: str, user_id: str, reason: str, by: str, at: datetime) -> None:
        self._table.put_item(
            Item={
                **keys.citizen_block(oa_id, user_id),
                "type": "block",
                "oa_id": oa_id,
                "user_id": user_id,
                "reason": reason,
                "blocked_by": by,
                "at": iso(at),
            }
        )

    def unblock(self, oa_id: str, user_id: str) -> None:
        self._table.delete_item(Key=keys.citizen_block(oa_id, user_id))

    # --- the tip desk: opening cases, follow-ups, media, urgent alerts, spam guards ---------------

    def _transact(self, items: list[dict[str, Any]]) -> None:
        for entry in items:
            next(iter(entry.values()))["TableName"] = self._table.name
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if transaction_refused(exc):
                raise DuplicateActivity() from exc
            raise

    def next_sequence(self, prefix: str, month: str) -> int:
        result = self._table.update_item(
            Key=keys.case_sequence(prefix, month),
            UpdateExpression="ADD seq :one",
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        seq: Any = result["Attributes"]["seq"]
        return int(seq)

    def create_case(self, case: Case, activity: dict[str, Any], media: list[dict[str, Any]]) -> None:
        """The case, its opening activity and its attachments in one transaction (DuplicateActivity if the
        case exists: the opening event was processed before)."""
        items: list[dict[str, Any]] = [
            {"Put": {"Item": case_item(case), "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"Item": _ddb(sealed_activity(activity))}},
        ]
        items += [{"Put": {"Item": _ddb(m)}} for m in media]
        self._transact(items)

    def add_activity(
        self,
        case_id: str,
        activity: dict[str, Any],
        media: list[dict[str, Any]],
        at: datetime,
        *,
        text: str | None = None,
        location: dict[str, float] | None = None,
        summary: str | None = None,
    ) -> None:
        """Append a follow-up (text, media, location) to a case; DuplicateActivity on redelivery."""
        sets = ["last_activity_at = :at", "updated_at = :at"]
        values: dict[str, Any] = {":at": iso(at)}
        if text:
            sets.append("texts = list_append(if_not_exists(texts, :empty), :text)")
            values.update({":empty": [], ":text": [seal_case_text(case_id, text)]})
        if location:
            sets.append("#loc = :loc")
            values[":loc"] = _ddb(location)
        if summary:
            sets.append("summary = :summary")
            values[":summary"] = crypto.encrypt_text(summary, context=case_context(case_id, "summary"))
        expression = "SET " + ", ".join(sets)
        if media:
            expression += " ADD media_count :n"
            values[":n"] = len(media)
        update: dict[str, Any] = {
            "Key": keys.case(case_id),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
            "ConditionExpression": "attribute_exists(PK)",
        }
        if location:
            update["ExpressionAttributeNames"] = {"#loc": "location"}
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "Item": _ddb(sealed_activity(activity)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {"Update": update},
        ]
        items += [{"Put": {"Item": _ddb(m)}} for m in media]
        self._transact(items)

    def get_case(self, case_id: str) -> Case | None:
        item = self._table.get_item(Key=keys.case(case_id)).get("Item")
        return case_from_item(item) if item else None

    def case_children(self, case_id: str, prefix: str) -> list[dict[str, Any]]:
        return query_all(
            self._table,
            KeyConditionExpression=Key("PK").eq(keys.case_pk(case_id)) & Key("SK").begins_with(prefix),
        )

    def list_media(self, case_id: str) -> list[dict[str, Any]]:
        return self.case_children(case_id, "MEDIA#")

    def flag_urgent(self, case_id: str, terms: list[str], at: datetime, cls: str = "violence") -> bool:
        """Mark the case urgent; False if it already was (the alert then exists already)."""
        changed = update_if(
            self._table,
            Key=keys.case(case_id),
            UpdateExpression=(
                "SET urgent = :t, urgent_terms = :terms, emergency_class = :cls, updated_at = :at"
            ),
            ConditionExpression="attribute_exists(PK) AND urgent = :f",
            ExpressionAttributeValues={":t": True, ":f": False, ":terms": terms, ":cls": cls, ":at": iso(at)},
        )
        return changed is not None

    def reroute(self, case: Case, unit_id: str, routing: str, at: datetime) -> None:
        """Move a new case to another unit's inbox (a location arrived after the opening text)."""
        self._table.update_item(
            Key=keys.case(case.case_id),
            UpdateExpression="SET unit_id = :u, routing = :r, GSI1PK = :g, updated_at = :at",
            ConditionExpression="unit_id = :old AND #s = :new",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":u": unit_id,
                ":r": routing,
                ":g": keys.unit_cases_gsi(unit_id),
                ":at": iso(at),
                ":old": case.unit_id,
                ":new": "new",
            },
        )

    def list_unit_cases(self, unit_id: str, limit: int = 50) -> list[Case]:
        page = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(keys.unit_cases_gsi(unit_id)),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [case_from_item(i) for i in page.get("Items", [])]

    def get_media(self, case_id: str, sk: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._table.get_item(Key={"PK": keys.case_pk(case_id), "SK": sk}).get(
            "Item"
        )
        return item

    def update_media(self, case_id: str, sk: str, **fields: Any) -> None:
        given = _ddb(fields)  # a None field is left as it is (names and values stay paired)
        names = {f"#f{i}": k for i, k in enumerate(given)}
        values = {f":v{i}": v for i, v in enumerate(given.values())}
        sets = ", ".join(f"#f{i} = :v{i}" for i in range(len(given)))
        self._table.update_item(
            Key={"PK": keys.case_pk(case_id), "SK": sk},
            UpdateExpression=f"SET {sets}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def take_case_slot(self, oa_id: str, user_id: str, at: datetime, limit: int) -> bool:
        """Count a new case against the citizen's hourly allowance; False when it is used up."""
        hour = at.strftime("%Y%m%d%H")
        counted = update_if(
            self._table,
            Key=keys.case_rate(oa_id, user_id, hour),
            UpdateExpression="ADD n :one SET expires_at = :exp",
            ConditionExpression="attribute_not_exists(n) OR n < :limit",
            ExpressionAttributeValues={
                ":one": 1,
                ":limit": limit,
                ":exp": int((at + timedelta(hours=2)).timestamp()),
            },
        )
        return counted is not None

    def unpurged_media(self, out_of_time: Callable[[], bool]) -> Iterator[dict[str, Any]]:
        """Retention: media records whose objects have not been purged yet (a table scan that stops
        when `out_of_time()`; the next night continues)."""
        media = (
            Attr("SK").begins_with(keys.MEDIA_PREFIX)
            & Attr("PK").begins_with(keys.CASE_PREFIX)
            & Attr("purged_at").not_exists()
        )
        yield from scan_items(self._table, out_of_time, FilterExpression=media)

    def mark_media_purged(self, pk: str, sk: str, key_fields: list[str], at_iso: str) -> None:
        """Retention: the record stays (checksum, size, type); its object keys go, `purged_at` is set."""
        names = {f"#k{i}": f for i, f in enumerate(key_fields)}
        expression = "SET purged_at = :at"
        if key_fields:
            expression += " REMOVE " + ", ".join(names)
        request: dict[str, Any] = {
            "Key": {"PK": pk, "SK": sk},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": {":at": at_iso},
        }
        if names:
            request["ExpressionAttributeNames"] = names
        self._table.update_item(**request)


def default_store() -> DynamoCaseStore:
    """The case store over the main table (the composition root's choice for the officer API)."""
    return DynamoCaseStore(aws.table())
