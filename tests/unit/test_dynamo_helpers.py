"""anninh.dynamo: the pagination loop and the conditional-failure check the stores share."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from anninh.dynamo import condition_failed, query_all, query_items


class PagedTable:
    """A table whose query answers `page_size` items at a time, like DynamoDB under its 1 MB limit."""

    def __init__(self, items: list[dict[str, Any]], page_size: int) -> None:
        self.items = items
        self.page_size = page_size
        self.calls: list[dict[str, Any]] = []

    def query(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(dict(kwargs))
        start = kwargs.get("ExclusiveStartKey", {}).get("i", 0)
        page: dict[str, Any] = {"Items": self.items[start : start + self.page_size]}
        if start + self.page_size < len(self.items):
            page["LastEvaluatedKey"] = {"i": start + self.page_size}
        return page


def test_query_all_follows_every_page_and_keeps_the_arguments() -> None:
    table = PagedTable([{"n": i} for i in range(7)], page_size=3)
    assert query_all(table, IndexName="GSI1") == [{"n": i} for i in range(7)]
    assert [c.get("ExclusiveStartKey") for c in table.calls] == [None, {"i": 3}, {"i": 6}]
    assert all(c["IndexName"] == "GSI1" for c in table.calls)


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
