"""DynamoDB helpers every store shares: pagination, conditional writes and their failure checks, and the
conversion of values to and from what the DynamoDB resource takes and gives (`to_dynamo`, `plain`).

Stores only (scripts/architecture.py): logic and routes never build DynamoDB requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

CONDITION_FAILED = "ConditionalCheckFailedException"


def query_items(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a query matches, page after page (kwargs as for `table.query`)."""
    kwargs = dict(kwargs)
    while True:
        page = table.query(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scan_items(
    table: Any, out_of_time: Callable[[], bool] = lambda: False, **kwargs: Any
) -> Iterator[dict[str, Any]]:
    """Every item a scan matches, page after page, stopping after a page once `out_of_time()` (a
    sweep that the next run resumes)."""
    kwargs = dict(kwargs)
    while True:
        page = table.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page or out_of_time():
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def query_all(table: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """`query_items` as a list."""
    return list(query_items(table, **kwargs))


def count_items(table: Any, **kwargs: Any) -> int:
    """How many items a query matches, page after page, without reading them (`Select="COUNT"`)."""
    kwargs = {**kwargs, "Select": "COUNT"}
    total = 0
    while True:
        page = table.query(**kwargs)
        total += int(page.get("Count", 0))
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ("" for anything else)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def condition_failed(exc: BaseException) -> bool:
    """True when a single-item write was refused by its ConditionExpression."""
    return error_code(exc) == CONDITION_FAILED


def put_new(
    table: Any, item: dict[str, Any], condition: str = "attribute_not_exists(PK)", **kwargs: Any
) -> bool:
    """Put `item` on a condition (by default: no item has its key yet); False when it was refused."""
    try:
        table.put_item(Item=item, ConditionExpression=condition, **kwargs)
    except Exception as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def update_if(table: Any, **kwargs: Any) -> dict[str, Any] | None:
    """`table.update_item(**kwargs)` with a ConditionExpression: its response, or None when refused."""
    try:
        response: dict[str, Any] = table.update_item(**kwargs)
    except Exception as exc:
        if condition_failed(exc):
            return None
        raise
    return response


def transaction_refused(exc: BaseException) -> bool:
    """True when a transaction was cancelled because its first item's condition failed (the item whose
    condition the caller wrote first: the case's version, an event's first processing...)."""
    if error_code(exc) != "TransactionCanceledException":
        return False
    reasons = getattr(exc, "response", {}).get("CancellationReasons", [])
    return bool(reasons) and reasons[0].get("Code") == "ConditionalCheckFailed"


def plain(value: Any) -> Any:
    """DynamoDB values as JSON-friendly Python (Decimal -> int/float, sets -> sorted lists), recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    return value


def to_dynamo(value: Any) -> Any:
    """Python values as the DynamoDB resource takes them (floats -> Decimal, tuples -> lists), recursively."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_dynamo(v) for v in value]
    return value
