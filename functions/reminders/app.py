"""RemindersFunction (EventBridge schedules): the edge only.

{"job": "queue-reminders"} (19:00 Vietnam time) enqueues tomorrow's queue-number reminders through the
outbox; {"job": "overdue-digest"} (07:30) builds the officers' overdue-case digest (anninh.cases.overdue,
owned by the officer-workflow area, imported only for that job); {"job": "alert-escalation", "time"}
(every minute) sends the parent unit's on-call officers an SMS about urgent alerts left unacknowledged
(anninh.alerts), as of the scheduled time.
"""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.parser import BaseModel, event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from anninh import wiring
from anninh.clock import utcnow
from anninh.observability import logger, metrics


class ReminderJob(BaseModel):
    job: Literal["queue-reminders", "overdue-digest", "alert-escalation"]
    time: str | None = None  # EventBridge Scheduler's <aws.scheduler.scheduled-time>


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@event_parser(model=ReminderJob)
def handler(event: ReminderJob, context: LambdaContext) -> dict[str, Any]:
    now = utcnow()
    if event.job == "alert-escalation":
        from anninh import alerts
        from anninh.registry.store import current_registry

        done = alerts.escalate_due(current_registry(), alerts.parse_time(event.time, now))
        if done:
            logger.info("urgent alerts escalated", extra={"alerts": len(done)})
        return {"job": event.job, "escalated": done}
    if event.job == "queue-reminders":
        from anninh.registry.store import current_registry

        sent = wiring.queue().remind_tomorrow(now, registry=current_registry())
        logger.info("queue reminders enqueued", extra={"reminders": sent})
        metrics.add_metric(name="QueueRemindersEnqueued", unit="Count", value=sent)
        return {"job": event.job, "reminders": sent}
    from anninh.cases.overdue import overdue_digest

    digest = overdue_digest(now, wiring.case_store())
    logger.info("overdue digest built", extra={"units": len(digest)})
    return {"job": event.job, "units": digest}
