"""DynamoDB helpers every store shares: pagination and the conditional-failure check.

Stores only (scripts/architecture.py): logic and routes never build DynamoDB requests.
"""

from __future__ import annotations

from collections.abc import Iterator
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


def query_all(table: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """`query_items` as a list."""
    return list(query_items(table, **kwargs))


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ("" for anything else)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def condition_failed(exc: BaseException) -> bool:
    """True when a single-item write was refused by its ConditionExpression."""
    return error_code(exc) == CONDITION_FAILED
