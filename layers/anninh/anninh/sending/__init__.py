"""The outbox sender: window check, retries, token refresh, idempotent send, recording.

- `OutboxSender.deliver(msg)` — one message (logic, with injectable ports);
- `handle_outbox_batch(event, context)` — the SQS FIFO consumer used by functions/sender;
- `list_undelivered(unit_id)` — messages kept for a unit's officers (outside the window, refused).
"""

from anninh.sending.batch import default_sender, handle_outbox_batch, set_default_sender
from anninh.sending.records import OutboxRecords, list_undelivered
from anninh.sending.sender import OutboxSender, Outcome, RetryPolicy

__all__ = [
    "OutboxRecords",
    "OutboxSender",
    "Outcome",
    "RetryPolicy",
    "default_sender",
    "handle_outbox_batch",
    "list_undelivered",
    "set_default_sender",
]
