"""Where moto's cost grows with the data, not with the request: fixed here, with AWS's behaviour kept.

Profiling the local stack under `make bench`'s burst (webhook -> inbound -> outbox -> sender) found
moto spending most of each inbound event in two places whose cost grows with what is stored:
- `TransactWriteItems` deep-copied every table it touches before the first write, to roll back on a
  failed condition: with a few thousand items in the single table, each of the ~1.2 transactions per
  event copied all of them (seconds per event once the table had grown). Here the transaction keeps a
  copy of only the items it names and puts exactly those back when it is cancelled; the outcome of a
  transaction (all or nothing, `TransactionCanceledException` with its reasons) is unchanged.
- every SQS send and receive reads `Queue.attributes` several times, and each read counts the visible,
  in-flight and delayed messages of the whole queue with one clock read (a datetime conversion) per
  message, and converts each attribute name with a regular expression.
- every Query, on the table or an index, sorted all the table's items before filtering them. Here a
  table Query reads its own partition and an index Query filters the items unsorted; moto then
  sorts the matches as before, so results and pages are the same. Here a count reads the clock
  once, the name conversion is cached, and the retention check reads the queue's retention field.

`install()` is idempotent and applies to moto in this process (the local cloud's embedded server,
and `mock_aws` in tests and scripts). Nothing here makes moto accept what AWS refuses.
"""

from __future__ import annotations

import contextvars
import copy
import threading
from typing import Any

_lock = threading.Lock()
_installed = False
# Set while a TransactWriteItems runs in this thread: moto's whole-table backup becomes a no-op.
_in_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar("moto_speed_txn", default=False)


class _CopyShim:
    """Stands in for the `copy` module inside moto's DynamoDB backend module."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        if _in_transaction.get() and isinstance(obj, self._table_type):
            return obj  # the transaction keeps its own item-level journal (below)
        return copy.deepcopy(obj, memo)


Journal = list[tuple[Any, Any, Any, Any]]  # (table, hash DynamoType, range DynamoType | None, old item)


def journal(backend: Any, transact_items: list[dict[str, Any]]) -> Journal:
    """A copy of each item the transaction names, as it is now (None: no such item yet)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved: Journal = []
    for entry in transact_items if isinstance(transact_items, list) else []:
        if not isinstance(entry, dict):
            continue
        for _kind, op in entry.items():
            if not isinstance(op, dict):
                continue
            table = backend.tables.get(op.get("TableName"))
            key = op.get("Item") if "Item" in op else op.get("Key")
            if table is None or not isinstance(key, dict):
                continue
            try:
                hash_value = DynamoType(key[table.hash_key_attr])
                range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            except (KeyError, TypeError, AttributeError):
                continue  # moto refuses the request itself; nothing is written
            current = table.items.get(hash_value)
            if range_value is not None:
                current = current.get(range_value) if isinstance(current, dict) else None
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
    return saved


def roll_back(saved: Journal) -> None:
    """Put every journaled item back as it was (latest first, so a repeated key ends as the oldest)."""
    for table, hash_value, range_value, item in reversed(saved):
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
            continue
        bucket = table.items.get(hash_value)
        if item is None:
            if isinstance(bucket, dict):
                bucket.pop(range_value, None)
                if not bucket:
                    table.items.pop(hash_value, None)
        else:
            table.items[hash_value][range_value] = item


_ALL = object()  # `all_items` outside a query: moto's own (sorted, as Scan pages need)
# Inside `Table.query`: the partition asked for (a base-table query) or None (an index query).
_query_partition: contextvars.ContextVar[Any] = contextvars.ContextVar("moto_speed_query", default=_ALL)


def _patch_query(table_type: type) -> None:
    """A base-table Query reads its partition instead of sorting the whole table to filter it; an
    index Query filters the table unsorted (moto sorts the matches by the index's keys itself)."""
    original_all_items = table_type.all_items  # type: ignore[attr-defined]
    original_query = table_type.query  # type: ignore[attr-defined]

    def all_items(self: Any) -> list[Any]:
        wanted = _query_partition.get()
        if wanted is _ALL:
            return list(original_all_items(self))
        if wanted is None:
            if self.range_key_attr:
                return [item for bucket in self.items.values() for item in bucket.values()]
            return list(self.items.values())
        bucket = self.items.get(wanted)
        if bucket is None:
            return []
        return list(bucket.values()) if self.range_key_attr else [bucket]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        token = _query_partition.set(None if index_name else hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _query_partition.reset(token)

    table_type.all_items = all_items  # type: ignore[attr-defined]
    table_type.query = query  # type: ignore[attr-defined]


def _patch_dynamodb() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    _patch_query(Table)
    backend_type = models.DynamoDBBackend
    original = backend_type.transact_write_items
    models.copy = _CopyShim(Table)  # type: ignore[assignment]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = journal(self, transact_items)
        token = _in_transaction.set(True)
        try:
            original(self, transact_items)
        except Exception:
            roll_back(saved)
            raise
        finally:
            _in_transaction.reset(token)

    backend_type.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _patch_sqs() -> None:
    import functools

    from moto.core.utils import unix_time, unix_time_millis
    from moto.sqs import models

    queue_type, backend_type = models.Queue, models.SQSBackend
    # A pure function of an attribute name, called for every attribute of every `Queue.attributes`.
    models.camelcase_to_underscores = functools.lru_cache(maxsize=1024)(models.camelcase_to_underscores)  # type: ignore[assignment]

    # The same tests as `Message.visible` / `Message.delayed`, with one clock read per question
    # instead of one per message.
    def messages(self: Any) -> list[Any]:
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def not_visible(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def delayed(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
        return bool(retain_until > unix_time())

    queue_type.messages = property(messages)  # type: ignore[assignment,method-assign]
    queue_type.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[assignment,method-assign]
    queue_type.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[assignment,method-assign]
    backend_type.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _patch_dynamodb()
        _patch_sqs()
        _installed = True
