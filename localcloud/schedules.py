"""The template's Schedule and ScheduleV2 events, fired on rate/cron in their time zone (EventBridge)."""

from __future__ import annotations

import json
import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from localcloud.cron import Schedule
from localcloud.template import FunctionSpec, ScheduleSource

log = logging.getLogger("localcloud.schedules")

ACCOUNT_ID = "123456789012"


def schedule_event(source: ScheduleSource, region: str, stack: str, at: datetime) -> dict[str, Any]:
    """The event a schedule delivers: its Input verbatim, else EventBridge's "Scheduled Event"."""
    if source.input is not None:
        # EventBridge Scheduler's context attributes in the Input template.
        stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        filled = source.input.replace("<aws.scheduler.scheduled-time>", stamp)
        parsed: dict[str, Any] = json.loads(filled)
        return parsed
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{stack}-{source.function}{source.name}"],
        "detail": {},
    }


@dataclass
class ScheduledJob:
    source: ScheduleSource
    spec: FunctionSpec
    schedule: Schedule
    next_at: datetime
    started: datetime
    runs: int = 0
    last_run: datetime | None = None
    last_error: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "function": self.spec.logical_id,
            "event": self.source.name,
            "expression": self.source.expression,
            "timezone": self.source.timezone,
            "input": self.source.input,
            "next_run": self.next_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "runs": self.runs,
            "last_run": self.last_run.strftime("%Y-%m-%dT%H:%M:%SZ") if self.last_run else None,
            "last_error": self.last_error,
        }


class Scheduler:
    """Fires due jobs in their own threads; `fire()` runs one now and returns its result."""

    def __init__(
        self,
        specs: list[FunctionSpec],
        invoke: Callable[[FunctionSpec, dict[str, Any]], Any],
        *,
        region: str,
        stack: str,
        enabled: bool = True,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.invoke = invoke
        self.region = region
        self.stack = stack
        self.enabled = enabled
        self.now = now
        started = now()
        self.jobs: list[ScheduledJob] = []
        for spec in specs:
            for source in spec.schedules:
                schedule = Schedule.parse(source.expression, source.timezone)
                self.jobs.append(
                    ScheduledJob(source, spec, schedule, schedule.next_after(started, started), started)
                )
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def job(self, function: str, event: str) -> ScheduledJob | None:
        return next((j for j in self.jobs if j.spec.logical_id == function and j.source.name == event), None)

    def fire(self, job: ScheduledJob, at: datetime | None = None) -> Any:
        """Run one job now (as if scheduled at `at`), in the caller's thread; raises what it raised."""
        at = at or self.now()
        event = schedule_event(job.source, self.region, self.stack, at)
        with self._lock:
            job.runs += 1
            job.last_run = at
        try:
            result = self.invoke(job.spec, event)
        except Exception:
            with self._lock:
                job.last_error = traceback.format_exc(limit=3)
            raise
        with self._lock:
            job.last_error = ""
        return result

    def _fire_logged(self, job: ScheduledJob) -> None:
        try:
            self.fire(job)
            log.info("schedule %s/%s ran", job.spec.logical_id, job.source.name)
        except Exception:
            log.error(
                "schedule %s/%s raised:\n%s", job.spec.logical_id, job.source.name, traceback.format_exc()
            )

    def due(self) -> list[ScheduledJob]:
        """Jobs whose time has come; advances their next run (a missed run fires once, not many)."""
        now = self.now()
        out: list[ScheduledJob] = []
        with self._lock:
            for job in self.jobs:
                if job.next_at <= now:
                    out.append(job)
                    job.next_at = job.schedule.next_after(now, job.started)
        return out

    def start(self) -> None:
        if not self.enabled or not self.jobs:
            return
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(2.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            for job in self.due():
                threading.Thread(
                    target=self._fire_logged,
                    args=(job,),
                    daemon=True,
                    name=f"schedule-{job.spec.logical_id}-{job.source.name}",
                ).start()
            with self._lock:
                soonest = min(j.next_at for j in self.jobs)
            delay = max(0.05, min(30.0, (soonest - self.now()).total_seconds()))
            self._wake.wait(delay)
