"""AWS's service limits, enforced on calls to the local cloud where moto is looser than AWS.

moto counts an SQS body in characters (AWS counts UTF-8 bytes, message attributes included), does not
cap a transaction's total size, and so on. Each check raises the ClientError AWS would return, before
the request reaches moto. Figures (AWS documentation):
- SQS: a message (body + attributes) at most 256 KiB; a batch at most 10 entries and 256 KiB in all.
- DynamoDB: an item at most 400 KB; TransactWriteItems at most 100 actions and 4 MB; BatchWriteItem at
  most 25 requests; TransactGetItems at most 100.
- Lambda: a synchronous payload (request and response) at most 6 MB, an asynchronous event at most
  256 KB. API Gateway (HTTP API): a request body at most 10 MB, an integration at most 30 s.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

SQS_MESSAGE_BYTES = 262_144
SQS_BATCH_ENTRIES = 10
DYNAMODB_ITEM_BYTES = 400 * 1024
DYNAMODB_TRANSACT_ITEMS = 100
DYNAMODB_TRANSACT_BYTES = 4 * 1024 * 1024
DYNAMODB_BATCH_WRITE_ITEMS = 25
LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
LAMBDA_ASYNC_PAYLOAD_BYTES = 256 * 1024
API_BODY_BYTES = 10 * 1024 * 1024
API_INTEGRATION_SECONDS = 30


def _error(operation: str, code: str, message: str, status: int = 400) -> ClientError:
    error: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(error, operation)


def _bytes(value: Any) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    return len(str(value).encode("utf-8"))


def sqs_message_bytes(body: Any, attributes: dict[str, Any] | None) -> int:
    """What SQS counts against the 256 KiB limit: the body and every attribute's name, type and value."""
    size = _bytes(body or "")
    for name, attribute in (attributes or {}).items():
        size += _bytes(name) + _bytes(attribute.get("DataType", ""))
        if "StringValue" in attribute:
            size += _bytes(attribute["StringValue"])
        if "BinaryValue" in attribute:
            size += _bytes(attribute["BinaryValue"])
    return size


def _attribute_value_bytes(value: Any) -> int:
    """DynamoDB's size of one value, high-level (boto3 resource) or low-level ({"S": ...}) form."""
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in ("S", "N"):
            return _bytes(inner)
        if tag == "B":
            return _bytes(inner if isinstance(inner, bytes | bytearray) else base64.b64decode(str(inner)))
        if tag in ("BOOL", "NULL"):
            return 1
        if tag in ("SS", "NS", "BS"):
            return sum(_bytes(v) for v in inner)
        if tag == "L":
            return 3 + sum(1 + _attribute_value_bytes(v) for v in inner)
        if tag == "M":
            return 3 + sum(_bytes(k) + 1 + _attribute_value_bytes(v) for k, v in inner.items())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float | Decimal):
        return len(str(value))
    if isinstance(value, str | bytes | bytearray):
        return _bytes(value)
    if isinstance(value, set | frozenset):
        return sum(_bytes(v) for v in value)
    if isinstance(value, list | tuple):
        return 3 + sum(1 + _attribute_value_bytes(v) for v in value)
    if isinstance(value, dict):
        return 3 + sum(_bytes(k) + 1 + _attribute_value_bytes(v) for k, v in value.items())
    return _bytes(value)


def dynamodb_item_bytes(item: dict[str, Any]) -> int:
    return sum(_bytes(name) + _attribute_value_bytes(value) for name, value in item.items())


def check(service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise what AWS would for a request over one of its limits."""
    if service == "sqs":
        _check_sqs(operation, params)
    elif service == "dynamodb":
        _check_dynamodb(operation, params)


def _check_sqs(operation: str, params: dict[str, Any]) -> None:
    if operation == "SendMessage":
        size = sqs_message_bytes(params.get("MessageBody"), params.get("MessageAttributes"))
        if size > SQS_MESSAGE_BYTES:
            raise _error(
                operation,
                "InvalidParameterValue",
                "One or more parameters are invalid. Reason: Message must be shorter than "
                f"{SQS_MESSAGE_BYTES} bytes (this one is {size}).",
            )
    elif operation in ("SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch"):
        entries = params.get("Entries") or []
        if not entries:
            raise _error(
                operation, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one entry."
            )
        if len(entries) > SQS_BATCH_ENTRIES:
            raise _error(
                operation,
                "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                f"Maximum number of entries per request are {SQS_BATCH_ENTRIES}. "
                f"You have sent {len(entries)}.",
            )
        if operation == "SendMessageBatch":
            total = sum(sqs_message_bytes(e.get("MessageBody"), e.get("MessageAttributes")) for e in entries)
            if total > SQS_MESSAGE_BYTES:
                raise _error(
                    operation,
                    "AWS.SimpleQueueService.BatchRequestTooLong",
                    f"Batch requests cannot be longer than {SQS_MESSAGE_BYTES} bytes. "
                    f"You have sent {total} bytes.",
                )


def _item_too_large(operation: str) -> ClientError:
    return _error(operation, "ValidationException", "Item size has exceeded the maximum allowed size")


def _check_dynamodb(operation: str, params: dict[str, Any]) -> None:
    if operation == "PutItem" and dynamodb_item_bytes(params.get("Item") or {}) > DYNAMODB_ITEM_BYTES:
        raise _item_too_large(operation)
    if operation == "BatchWriteItem":
        requests = [r for table in (params.get("RequestItems") or {}).values() for r in table]
        if len(requests) > DYNAMODB_BATCH_WRITE_ITEMS:
            raise _error(
                operation,
                "ValidationException",
                "Too many items requested for the BatchWriteItem call",
            )
        for request in requests:
            item = (request.get("PutRequest") or {}).get("Item")
            if item and dynamodb_item_bytes(item) > DYNAMODB_ITEM_BYTES:
                raise _item_too_large(operation)
    if operation in ("TransactWriteItems", "TransactGetItems"):
        items = params.get("TransactItems") or []
        if len(items) > DYNAMODB_TRANSACT_ITEMS:
            raise _error(
                operation,
                "ValidationException",
                f"Member must have length less than or equal to {DYNAMODB_TRANSACT_ITEMS}",
            )
        total = len(json.dumps(items, default=str).encode("utf-8"))
        if total > DYNAMODB_TRANSACT_BYTES:
            raise _error(
                operation,
                "ValidationException",
                f"Transaction request cannot be larger than 4 MB ({total} bytes)",
            )
        for entry in items:
            put = entry.get("Put")
            if put and dynamodb_item_bytes(put.get("Item") or {}) > DYNAMODB_ITEM_BYTES:
                raise _item_too_large(operation)


def payload_bytes(payload: Any) -> int:
    return len(json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8"))
