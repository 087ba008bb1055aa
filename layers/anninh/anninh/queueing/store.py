"""Data access for queue numbers (keys.py, "Self-service").

The day's counter `keys.queue_day` holds `issued` (the last number given) and `active` (tickets not
cancelled). Taking a number is one conditional update (`active < capacity`) that returns the new
`issued`, so numbers are assigned atomically and never twice; each ticket item is then written with
`attribute_not_exists`. A guard item per citizen in the same partition (`keys.queue_citizen_guard`)
keeps one active ticket per citizen per place and day. Cancelling is one transaction: the ticket is
marked cancelled, the day's `active` goes down by one and the guard goes.

A citizen appears in keys only as the keyed hash of the Zalo id (the guard, the ticket index); the
ticket keeps the id its reminder is sent to sealed to the ticket (`crypto.seal_field`), opened when
read. A ticket written before that keeps a plain id, taken as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, Protocol

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from anninh import aws, crypto, keys
from anninh.dynamo import condition_failed, error_code, query_items
from anninh.queueing.rules import Place, Ticket

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

GuardState = Literal["new", "existing", "busy"]


class QueueStore(Protocol):
    def place_overrides(self) -> list[Place]:
        """The places admins saved (merged over the shipped ones by the service)."""

    def put_place(self, place: Place) -> None: ...

    def claim_guard(
        self, place_id: str, day: str, oa_id: str, user_id: str, *, now_iso: str, stale_before_iso: str
    ) -> tuple[GuardState, int | None]:
        """Hold the citizen's one ticket for the place and day: "new" (claimed), "existing" with the
        number already held, or "busy" (another request of theirs is in flight; a guard older than
        `stale_before_iso` without a number is taken over)."""

    def release_guard(self, place_id: str, day: str, oa_id: str, user_id: str) -> None: ...

    def next_number(self, place_id: str, day: str, capacity: int) -> int | None:
        """The day's next number, counted as active; None when `capacity` tickets are active."""

    def put_ticket(self, ticket: Ticket, unit_id: str, created_iso: str, expires_at: int) -> None:
        """Write the new ticket and record its number on the citizen's guard."""

    def ticket(self, place_id: str, day: str, number: int) -> Ticket | None: ...

    def tickets_of(self, oa_id: str, user_id: str, from_day: str) -> list[Ticket]:
        """The citizen's tickets (any status) for days from `from_day` on, soonest first."""

    def cancel(self, ticket: Ticket, at_iso: str) -> bool:
        """Mark an active ticket cancelled and give its slot back (False: it was no longer active)."""

    def day(self, place_id: str, day: str) -> tuple[dict[str, int], list[dict[str, Any]]]:
        """The day's counter (issued, active, capacity) and its tickets in number order."""

    def tickets_on(self, place_id: str, day: str) -> Iterator[Ticket]:
        """Every ticket of the place and day (any status), in number order."""


def ticket_from_item(item: dict[str, Any]) -> Ticket:
    """The ticket, its sealed user_id opened ("" when it does not open here)."""
    return Ticket(
        place_id=item["place_id"],
        day=item["day"],
        number=int(item["number"]),
        oa_id=item["oa_id"],
        user_id=crypto.open_field(item, "user_id") or "",
        status=item.get("status", "active"),
    )


class DynamoQueueStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def place_overrides(self) -> list[Place]:
        page = self.table.query(
            IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(keys.QUEUE_PLACES_GSI)
        )
        return [Place.model_validate(item["data"]) for item in page.get("Items", [])]

    def put_place(self, place: Place) -> None:
        self.table.put_item(
            Item={
                **keys.queue_place(place.place_id),
                "GSI1PK": keys.QUEUE_PLACES_GSI,
                "GSI1SK": place.place_id,
                "type": "queue_place",
                "data": place.model_dump(mode="json"),
            }
        )

    def claim_guard(
        self, place_id: str, day: str, oa_id: str, user_id: str, *, now_iso: str, stale_before_iso: str
    ) -> tuple[GuardState, int | None]:
        guard = keys.queue_citizen_guard(place_id, day, oa_id, user_id)
        try:
            self.table.put_item(
                Item={**guard, "type": "queue_guard", "created_at": now_iso},
                ConditionExpression="attribute_not_exists(PK)",
            )
            return "new", None
        except ClientError as exc:
            if not condition_failed(exc):
                raise
        held: dict[str, Any] = self.table.get_item(Key=guard, ConsistentRead=True).get("Item") or {}
        if "number" in held:
            return "existing", int(held["number"])
        # A guard without a number: another request of this citizen is in flight, or one crashed.
        created = str(held.get("created_at", ""))
        if created and created > stale_before_iso:
            return "busy", None
        try:
            self.table.put_item(
                Item={**guard, "type": "queue_guard", "created_at": now_iso},
                ConditionExpression="created_at = :old AND attribute_not_exists(#n)",
                ExpressionAttributeNames={"#n": "number"},
                ExpressionAttributeValues={":old": created},
            )
        except ClientError as exc:
            if condition_failed(exc):
                return "busy", None
            raise
        return "new", None

    def release_guard(self, place_id: str, day: str, oa_id: str, user_id: str) -> None:
        self.table.delete_item(Key=keys.queue_citizen_guard(place_id, day, oa_id, user_id))

    def next_number(self, place_id: str, day: str, capacity: int) -> int | None:
        try:
            updated = self.table.update_item(
                Key=keys.queue_day(place_id, day),
                UpdateExpression="SET #issued = if_not_exists(#issued, :zero) + :one, "
                "#active = if_not_exists(#active, :zero) + :one, #cap = :cap, "
                "place_id = :place, #day = :day, #type = :type",
                ConditionExpression="attribute_not_exists(#active) OR #active < :cap",
                ExpressionAttributeNames={
                    "#issued": "issued",
                    "#active": "active",
                    "#cap": "capacity",
                    "#day": "day",
                    "#type": "type",
                },
                ExpressionAttributeValues={
                    ":zero": 0,
                    ":one": 1,
                    ":cap": capacity,
                    ":place": place_id,
                    ":day": day,
                    ":type": "queue_day",
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if condition_failed(exc):
                return None
            raise
        attributes: dict[str, Any] = updated.get("Attributes") or {}
        return int(attributes["issued"])

    def put_ticket(self, ticket: Ticket, unit_id: str, created_iso: str, expires_at: int) -> None:
        key = keys.queue_ticket(ticket.place_id, ticket.day, ticket.number)
        self.table.put_item(
            Item={
                **key,
                "type": "queue_ticket",
                "place_id": ticket.place_id,
                "day": ticket.day,
                "number": ticket.number,
                "oa_id": ticket.oa_id,
                "user_id": crypto.seal_field(key, "user_id", ticket.user_id),
                "unit_id": unit_id,
                "status": "active",
                "created_at": created_iso,
                "GSI1PK": keys.citizen_tickets_gsi(ticket.oa_id, ticket.user_id),
                "GSI1SK": f"{ticket.day}#{ticket.place_id}",
                "expires_at": expires_at,
            },
            ConditionExpression="attribute_not_exists(PK)",
        )
        self.table.update_item(
            Key=keys.queue_citizen_guard(ticket.place_id, ticket.day, ticket.oa_id, ticket.user_id),
            UpdateExpression="SET #n = :n, expires_at = :exp",
            ExpressionAttributeNames={"#n": "number"},
            ExpressionAttributeValues={":n": ticket.number, ":exp": expires_at},
        )

    def ticket(self, place_id: str, day: str, number: int) -> Ticket | None:
        item = self.table.get_item(Key=keys.queue_ticket(place_id, day, number)).get("Item")
        return ticket_from_item(item) if item else None

    def tickets_of(self, oa_id: str, user_id: str, from_day: str) -> list[Ticket]:
        page = self.table.query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(keys.citizen_tickets_gsi(oa_id, user_id))
            & Key("GSI1SK").gte(from_day),
        )
        return [ticket_from_item(i) for i in page.get("Items", [])]

    def cancel(self, ticket: Ticket, at_iso: str) -> bool:
        name = self.table.name
        place_id, day, number = ticket.place_id, ticket.day, ticket.number
        try:
            self.table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": name,
                            "Key": keys.queue_ticket(place_id, day, number),
                            "UpdateExpression": "SET #s = :c, cancelled_at = :at",
                            "ConditionExpression": "#s = :a",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": {":c": "cancelled", ":a": "active", ":at": at_iso},
                        }
                    },
                    {
                        "Update": {
                            "TableName": name,
                            "Key": keys.queue_day(place_id, day),
                            "UpdateExpression": "SET #a = #a - :one",
                            "ConditionExpression": "#a > :zero",
                            "ExpressionAttributeNames": {"#a": "active"},
                            "ExpressionAttributeValues": {":one": 1, ":zero": 0},
                        }
                    },
                    {
                        "Delete": {
                            "TableName": name,
                            "Key": keys.queue_citizen_guard(place_id, day, ticket.oa_id, ticket.user_id),
                        }
                    },
                ]
            )
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            return False
        return True

    def day(self, place_id: str, day: str) -> tuple[dict[str, int], list[dict[str, Any]]]:
        items = query_items(
            self.table, KeyConditionExpression=Key("PK").eq(keys.queue_day(place_id, day)["PK"])
        )
        head: dict[str, Any] = {}
        tickets: list[dict[str, Any]] = []
        for i in items:
            if i["SK"] == keys.QUEUE_DAY_SK:
                head = i
            elif str(i["SK"]).startswith(keys.QUEUE_TICKET_PREFIX):
                tickets.append(
                    {
                        "number": int(i["number"]),
                        "status": i.get("status", "active"),
                        "created_at": i["created_at"],
                    }
                )
        counter = {name: int(head.get(name, 0)) for name in ("issued", "active", "capacity")}
        return counter, tickets

    def tickets_on(self, place_id: str, day: str) -> Iterator[Ticket]:
        condition = Key("PK").eq(keys.queue_day(place_id, day)["PK"]) & Key("SK").begins_with(
            keys.QUEUE_TICKET_PREFIX
        )
        for item in query_items(self.table, KeyConditionExpression=condition):
            yield ticket_from_item(item)


def default_store() -> DynamoQueueStore:
    """The queue store on the process's main table."""
    return DynamoQueueStore(aws.table())
