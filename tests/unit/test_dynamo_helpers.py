"""anninh.dynamo: the pagination loop, conditional writes and the failure checks the stores share."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from anninh.dynamo import (
    condition_failed,
    count_items,
    put_new,
    query_all,
    query_items,
    transaction_refused,
    update_if,
)


class PagedTable:
    """A table whose query answers `page_size` items at a time, like DynamoDB under its 1 MB limit."""

    def __init__(self, items: list[dict[str, Any]], page_size: int) -> None:
        self.items = items
        self.page_size = page_size
        self.calls: list[dict[str, Any]] = []

    def query(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(dict(kwargs))
        start = kwargs.get("ExclusiveStartKey", {}).get("i", 0)
        found = self.items[start : start + self.page_size]
        # Select=COUNT answers how many, not the items (as DynamoDB does)
        page: dict[str, Any] = {"Count": len(found)} if kwargs.get("Select") == "COUNT" else {"Items": found}
        if start + self.page_size < len(self.items):
            page["LastEvaluatedKey"] = {"i": start + self.page_size}
        return page


def test_query_all_follows_every_page_and_keeps_the_arguments() -> None:
    table = PagedTable([{"n": i} for i in range(7)], page_size=3)
    assert query_all(table, IndexName="GSI1") == [{"n": i} for i in range(7)]
    assert [c.get("ExclusiveStartKey") for c in table.calls] == [None, {"i": 3}, {"i": 6}]
    assert all(c["IndexName"] == "GSI1" for c in table.calls)


def test_count_items_adds_up_every_page_without_reading_an_item() -> None:
    table = PagedTable([{"n": i} for i in range(7)], page_size=3)
    assert count_items(table, IndexName="GSI1") == 7
    assert [c.get("ExclusiveStartKey") for c in table.calls] == [None, {"i": 3}, {"i": 6}]
    assert all(c["Select"] == "COUNT" and c["IndexName"] == "GSI1" for c in table.calls)
    assert count_items(PagedTable([], page_size=3)) == 0


def test_query_items_is_lazy_and_an_empty_answer_is_one_call() -> None:
    table = PagedTable([{"n": i} for i in range(10)], page_size=4)
    first = next(query_items(table))
    assert first == {"n": 0} and len(table.calls) == 1
    empty = PagedTable([], page_size=4)
    assert query_all(empty) == [] and len(empty.calls) == 1


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "PutItem")


def test_only_a_failed_condition_counts_as_one() -> None:
    assert condition_failed(_client_error("ConditionalCheckFailedException"))
    assert not condition_failed(_client_error("ProvisionedThroughputExceededException"))
    assert not condition_failed(ValueError("ConditionalCheckFailedException"))


class ConditionalTable:
    """put_item/update_item that refuse (or fail otherwise) on request, like DynamoDB would."""

    def __init__(self, error: str | None = None) -> None:
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def _answer(self, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "m"}}, operation)
        return {"Attributes": {"n": 1}}

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._answer("PutItem", kwargs)

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._answer("UpdateItem", kwargs)


def test_put_new_is_false_when_the_key_exists_and_raises_anything_else() -> None:
    table = ConditionalTable()
    assert put_new(table, {"PK": "a", "SK": "b"})
    assert table.calls[0]["ConditionExpression"] == "attribute_not_exists(PK)"
    assert not put_new(ConditionalTable("ConditionalCheckFailedException"), {"PK": "a", "SK": "b"})
    with pytest.raises(ClientError):
        put_new(ConditionalTable("ProvisionedThroughputExceededException"), {"PK": "a", "SK": "b"})


def test_update_if_answers_the_response_or_none_when_refused() -> None:
    assert update_if(ConditionalTable(), Key={}, ReturnValues="ALL_NEW") == {"Attributes": {"n": 1}}
    assert update_if(ConditionalTable("ConditionalCheckFailedException"), Key={}) is None
    with pytest.raises(ClientError):
        update_if(ConditionalTable("ValidationException"), Key={})


def test_a_transaction_is_refused_only_when_its_first_condition_failed() -> None:
    def cancelled(*codes: str) -> ClientError:
        return ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "m"},
                "CancellationReasons": [{"Code": c} for c in codes],
            },
            "TransactWriteItems",
        )

    assert transaction_refused(cancelled("ConditionalCheckFailed", "None"))
    assert not transaction_refused(cancelled("None", "ConditionalCheckFailed"))
    assert not transaction_refused(cancelled("ThrottlingError"))
    assert not transaction_refused(_client_error("ConditionalCheckFailedException"))
