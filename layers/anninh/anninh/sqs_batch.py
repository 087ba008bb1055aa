"""SQS batches with partial failures (`ReportBatchItemFailures`), without Powertools' batch utility.

Powertools' batch module imports every Powertools event model when pydantic is installed: ~0.13 s of
each queue consumer's cold start for a loop of twenty lines. This is that loop, with the same contract:
each record goes to the handler; a record whose handler raises is reported in `batchItemFailures`
so SQS redelivers only it. For a FIFO queue, once a record fails the records after it are reported
unprocessed (all of them, or with `skip_group_on_error` only those of the same message group), so
order within a group holds. When every record failed, the whole batch raises (unless told not to), so
Lambda retries it as a whole.

`process_models` is the same loop with each body parsed into the consumer's pydantic model first (what
Powertools' batch processor does with its `model`): the handler gets the validated body. A body that
is not a valid instance is either a failed record (`on_invalid="fail"`: SQS redelivers it and the
queue's dead-letter queue keeps it) or logged and dropped (`"drop"`: a message no retry can fix).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, ValidationError

from anninh.observability import logger


class ItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[ItemFailure]


class BatchFailed(Exception):
    """Every record of the batch failed; the first error is the cause."""

    def __init__(self, errors: list[BaseException]) -> None:
        super().__init__(f"all {len(errors)} record(s) of the batch failed: {errors[0]!r}")
        self.errors = errors


class SqsRecord:
    """One record of a Lambda SQS event."""

    __slots__ = ("raw",)

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    @property
    def body(self) -> str:
        return str(self.raw.get("body") or "")

    @property
    def message_id(self) -> str:
        return str(self.raw.get("messageId") or "")

    @property
    def attributes(self) -> Mapping[str, Any]:
        return self.raw.get("attributes") or {}

    @property
    def receive_count(self) -> int:
        """How many times SQS has delivered this message (1 on the first delivery)."""
        try:
            return max(1, int(self.attributes.get("ApproximateReceiveCount") or 1))
        except (TypeError, ValueError):
            return 1

    @property
    def group_id(self) -> str | None:
        group = self.attributes.get("MessageGroupId")
        return str(group) if group else None


def process(
    event: Mapping[str, Any],
    handler: Callable[[SqsRecord], Any],
    *,
    fifo: bool = False,
    skip_group_on_error: bool = False,
    raise_on_entire_batch_failure: bool = True,
) -> BatchResponse:
    records = [SqsRecord(raw) for raw in event.get("Records") or []]
    failed: list[str] = []
    errors: list[BaseException] = []
    stopped = False
    failed_groups: set[str | None] = set()
    for record in records:
        if fifo and (stopped or (skip_group_on_error and record.group_id in failed_groups)):
            failed.append(record.message_id)  # not processed: an earlier record of its order failed
            continue
        try:
            handler(record)
        except Exception as exc:
            failed.append(record.message_id)
            errors.append(exc)
            if fifo and skip_group_on_error:
                failed_groups.add(record.group_id)
            elif fifo:
                stopped = True
    if records and len(failed) == len(records) and raise_on_entire_batch_failure:
        raise BatchFailed(errors) from errors[0]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def process_models[M: BaseModel](
    event: Mapping[str, Any],
    model: type[M],
    handler: Callable[[M, SqsRecord], Any],
    *,
    on_invalid: Literal["fail", "drop"] = "fail",
    fifo: bool = False,
    skip_group_on_error: bool = False,
    raise_on_entire_batch_failure: bool = True,
) -> BatchResponse:
    """`process` with each record's body validated as `model` before `handler(body, record)`."""

    def parse_then_handle(record: SqsRecord) -> Any:
        try:
            body = model.model_validate_json(record.body)
        except ValidationError as exc:
            if on_invalid == "fail":
                raise
            logger.error(
                "queue message is not valid; dropped",
                extra={"model": model.__name__, "message_id": record.message_id, "errors": exc.error_count()},
            )
            return None
        return handler(body, record)

    return process(
        event,
        parse_then_handle,
        fifo=fifo,
        skip_group_on_error=skip_group_on_error,
        raise_on_entire_batch_failure=raise_on_entire_batch_failure,
    )
