"""Data access for conversations and hand-offs: a Protocol and its DynamoDB implementation.

Key shapes are in `anninh.keys` (section "Conversations"). Access patterns:
- a conversation's messages in a time range: Query PK=CONV#<oa>#<user>, SK between MSG#<from> and MSG#<to>;
- a message written once: conditional Put (inbound) or a Put with its MSGID# marker (outbound);
- the state item: Get/Update PK=CONV#<oa>#<user>, SK=STATE;
- a conversation by the opaque id officers see: Query GSI2 GSI2PK=CONVID#<id>;
- a unit's hand-offs: Query GSI1 GSI1PK=UNIT#<unit>#HANDOFFS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from anninh import aws, keys
from anninh.dynamo import condition_failed, count_items, query_items, scan_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class ConversationStore(Protocol):
    def put_new(self, item: dict[str, Any]) -> bool: ...
    def put_outbound(self, item: dict[str, Any], marker: dict[str, Any]) -> bool: ...
    def messages_page(
        self, pk: str, low: str, high: str, limit: int, *, start: dict[str, Any] | None, newest_first: bool
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]: ...
    def get_state(self, oa_id: str, user_id: str) -> dict[str, Any] | None: ...
    def ensure_state(
        self, oa_id: str, user_id: str, fields: dict[str, Any], new_id: str
    ) -> dict[str, Any]: ...
    def state_by_conversation_id(self, conversation_id: str) -> dict[str, Any] | None: ...
    def set_open_case(self, oa_id: str, user_id: str, case_id: str, window_until: str) -> None: ...
    def extend_case_window(self, oa_id: str, user_id: str, case_id: str, window_until: str) -> None: ...
    def set_officer_thread(self, oa_id: str, user_id: str, case_id: str, until: str) -> None: ...
    def save_bot_state(self, oa_id: str, user_id: str, bot: dict[str, Any]) -> None: ...
    def set_handoff(self, oa_id: str, user_id: str, unit_id: str, at: str) -> None: ...
    def close_handoff(self, pk: str, at: str, by: str) -> None: ...
    def handoffs(self, unit_id: str, at_most: int) -> list[dict[str, Any]]: ...
    def handoff_count(self, unit_id: str) -> int: ...


class DynamoConversationStore:
    """Conversations and hand-offs in the main table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # --- messages --------------------------------------------------------------------------------

    def put_new(self, item: dict[str, Any]) -> bool:
        """Put unless an item with this key exists; False when it did (a redelivery)."""
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def put_outbound(self, item: dict[str, Any], marker: dict[str, Any]) -> bool:
        """The message and its MSGID# marker together; False when the marker existed already."""
        try:
            self.table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": marker,
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {"Put": {"TableName": self.table.name, "Item": item}},
                ]
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons", [])
                if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                    return False
            raise
        return True

    def messages_page(
        self, pk: str, low: str, high: str, limit: int, *, start: dict[str, Any] | None, newest_first: bool
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(pk) & Key("SK").between(low, high),
            "Limit": limit,
            "ScanIndexForward": not newest_first,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = self.table.query(**kwargs)
        return list(page.get("Items", [])), page.get("LastEvaluatedKey")

    # --- state -----------------------------------------------------------------------------------

    def get_state(self, oa_id: str, user_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key=keys.conversation_state(oa_id, user_id)).get("Item")
        return dict(item) if item else None

    def ensure_state(self, oa_id: str, user_id: str, fields: dict[str, Any], new_id: str) -> dict[str, Any]:
        """Create-or-touch the state item: a new conversation_id only when it has none; `fields` are set
        as given except `unit_id`, kept when present."""
        names = {"#t": "type"}
        values: dict[str, Any] = {
            ":cid": new_id,
            ":gpk": keys.conversation_id_gsi(new_id),
            ":gsk": "STATE",
            ":type": "conversation",
        }
        sets = [
            "conversation_id = if_not_exists(conversation_id, :cid)",
            "GSI2PK = if_not_exists(GSI2PK, :gpk)",
            "GSI2SK = :gsk",
            "#t = :type",
        ]
        for n, (name, value) in enumerate(fields.items()):
            names[f"#f{n}"] = name
            values[f":f{n}"] = value
            keep = name == "unit_id"
            sets.append(f"#f{n} = if_not_exists(#f{n}, :f{n})" if keep else f"#f{n} = :f{n}")
        result = self.table.update_item(
            Key=keys.conversation_state(oa_id, user_id),
            UpdateExpression="SET " + ", ".join(sets),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return dict(result["Attributes"])

    def state_by_conversation_id(self, conversation_id: str) -> dict[str, Any] | None:
        items = query_items(
            self.table,
            IndexName="GSI2",
            KeyConditionExpression=Key("GSI2PK").eq(keys.conversation_id_gsi(conversation_id)),
        )
        return next((dict(i) for i in items if i.get("SK") == "STATE"), None)

    def set_open_case(self, oa_id: str, user_id: str, case_id: str, window_until: str) -> None:
        self.table.update_item(
            Key=keys.conversation_state(oa_id, user_id),
            UpdateExpression="SET open_case_id = :c, case_window_until = :w",
            ExpressionAttributeValues={":c": case_id, ":w": window_until},
        )

    def extend_case_window(self, oa_id: str, user_id: str, case_id: str, window_until: str) -> None:
        """Only for the same case, only forward (a refused condition is not an error)."""
        try:
            self.table.update_item(
                Key=keys.conversation_state(oa_id, user_id),
                UpdateExpression="SET case_window_until = :w",
                ConditionExpression="open_case_id = :c AND case_window_until < :w",
                ExpressionAttributeValues={":c": case_id, ":w": window_until},
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise

    def set_officer_thread(self, oa_id: str, user_id: str, case_id: str, until: str) -> None:
        key = keys.conversation_state(oa_id, user_id)
        try:
            self.table.update_item(
                Key=key,
                UpdateExpression="SET officer_threads.#c = :u",
                ConditionExpression="attribute_exists(officer_threads)",
                ExpressionAttributeNames={"#c": case_id},
                ExpressionAttributeValues={":u": until},
            )
            return
        except ClientError as exc:
            if not condition_failed(exc):
                raise
        try:  # the first thread of this conversation (the state item may not exist yet either)
            self.table.update_item(
                Key=key,
                UpdateExpression="SET officer_threads = :m",
                ConditionExpression="attribute_not_exists(officer_threads)",
                ExpressionAttributeValues={":m": {case_id: until}},
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            self.set_officer_thread(oa_id, user_id, case_id, until)  # created meanwhile: add to it

    def save_bot_state(self, oa_id: str, user_id: str, bot: dict[str, Any]) -> None:
        self.table.update_item(
            Key=keys.conversation_state(oa_id, user_id),
            UpdateExpression="SET bot = :b",
            ExpressionAttributeValues={":b": bot},
        )

    # --- hand-offs -------------------------------------------------------------------------------

    def set_handoff(self, oa_id: str, user_id: str, unit_id: str, at: str) -> None:
        self.table.update_item(
            Key=keys.conversation_state(oa_id, user_id),
            UpdateExpression="SET handed_off = :t, handed_off_at = :at, GSI1PK = :g, GSI1SK = :at",
            ExpressionAttributeValues={":t": True, ":at": at, ":g": keys.unit_handoffs_gsi(unit_id)},
        )

    def close_handoff(self, pk: str, at: str, by: str) -> None:
        """Off the unit's list (the state item must exist)."""
        self.table.update_item(
            Key={"PK": pk, "SK": "STATE"},
            UpdateExpression="REMOVE GSI1PK, GSI1SK SET handed_off = :f, handoff_closed_at = :at, "
            "handoff_closed_by = :by",
            ExpressionAttributeValues={":f": False, ":at": at, ":by": by},
            ConditionExpression="attribute_exists(PK)",
        )

    def handoffs(self, unit_id: str, at_most: int) -> list[dict[str, Any]]:
        """The unit's open hand-offs, newest first (reading stops after `at_most`)."""
        out: list[dict[str, Any]] = []
        for item in query_items(
            self.table,
            IndexName="GSI1",
            ScanIndexForward=False,
            KeyConditionExpression=Key("GSI1PK").eq(keys.unit_handoffs_gsi(unit_id)),
        ):
            out.append(dict(item))
            if len(out) > at_most:
                break
        return out

    def handoff_count(self, unit_id: str) -> int:
        """How many conversations of the unit wait for an officer (counted, no item read)."""
        return count_items(
            self.table,
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(keys.unit_handoffs_gsi(unit_id)),
        )

    def delete_messages_before(self, cutoff_iso: str, out_of_time: Callable[[], bool]) -> int:
        """Retention: delete every conversation message older than the cut-off (a table scan that
        stops when `out_of_time()`; the next night continues); how many went."""
        old = (
            Attr("SK").begins_with(keys.MESSAGE_PREFIX)
            & Attr("SK").lt(f"{keys.MESSAGE_PREFIX}{cutoff_iso}")
            & Attr("PK").begins_with(keys.CONVERSATION_PREFIX)
        )
        deleted = 0
        with self.table.batch_writer() as batch:
            for item in scan_items(self.table, out_of_time, FilterExpression=old):
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
                deleted += 1
        return deleted


def default_store() -> DynamoConversationStore:
    """The store over the main table (cheap: the table resource is cached by `anninh.aws`)."""
    return DynamoConversationStore(aws.table())
