"""Functions in processes of their own, as Lambda runs them in execution environments of their own.

`WorkerPool.invoke(spec, event)` runs the function in one of its worker processes
(`python -m localcloud.worker`), started on first use and kept warm, one invocation at a time each:
- the process sees only the function's own environment (its template `Environment` with the
  Globals, and what Lambda's runtime sets), never another function's or the local cloud's;
- its AWS calls are checked against its own role (the statements the local cloud expanded);
- past the function's `Timeout` the process is killed (`LambdaTimeout`; the next invocation starts a
  fresh one, as Lambda does after a timeout), so nothing it still does reaches AWS;
- a process whose memory goes over the function's `MemorySize` is killed and the invocation fails
  (`Runtime.OutOfMemory`), as Lambda does; the context reports `memory_limit_in_mb` = MemorySize;
- functions run in parallel (no shared interpreter lock), up to `per_function` processes each;
  further invocations wait for one to be free (Lambda would throttle; the pollers retry anyway).
`LOCAL_WORKERS=off` runs every function in the local cloud's own process instead (threads, one
environment for all: only for debugging the local cloud itself).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from typing import IO, Any

from localcloud.lambdas import LambdaTimeout, timeout_scale
from localcloud.template import ROOT, FunctionSpec

log = logging.getLogger("localcloud.workers")

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# What Lambda's runtime puts in every function's environment besides its own variables.
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE", "SYSTEMROOT")


def enabled() -> bool:
    return os.environ.get("LOCAL_WORKERS", "on").lower() not in ("off", "0", "false", "no")


class FunctionError(Exception):
    """The function raised (or its runtime failed): Lambda's error type and message."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.error_message = message
        self.trace = trace or []


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * PAGE / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return 0.0


class Worker:
    """One execution environment: a process running one function, one invocation at a time."""

    def __init__(self, spec: FunctionSpec, environment: dict[str, str], setup: dict[str, Any]) -> None:
        self.spec = spec
        self.process = subprocess.Popen(  # nosec B603 - our own module, fixed arguments
            [sys.executable, "-m", "localcloud.worker"],
            cwd=str(ROOT),
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # the function's logs: the local cloud's own stderr
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in: IO[bytes] = self.process.stdin
        self._out: IO[bytes] = self.process.stdout
        self._buffer = b""
        self._in.write(json.dumps(setup).encode() + b"\n")
        self._in.flush()
        # Lambda's init phase has 10 s; a loaded machine gets the function's timeout if longer.
        ready = self._read(max(10.0, spec.timeout) * timeout_scale(), memory_mb=None)
        if not ready.get("ready"):
            self.kill()
            error = ready.get("error") or {}
            raise FunctionError(
                str(error.get("errorType", "Runtime.Unknown")), str(error.get("errorMessage", ready))
            )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        for stream in (self._in, self._out):
            with contextlib.suppress(OSError):
                stream.close()

    def invoke(self, event: Any, timeout: float) -> Any:
        request = {"event": event, "request_id": str(uuid.uuid4())}
        try:
            self._in.write(json.dumps(request, ensure_ascii=False).encode() + b"\n")
            self._in.flush()
        except (BrokenPipeError, OSError) as exc:
            self.kill()
            raise FunctionError("Runtime.ExitError", f"the runtime exited: {exc}") from exc
        reply = self._read(timeout, memory_mb=self.spec.memory_size)
        if float(reply.get("peak_mb") or 0) > self.spec.memory_size:
            self.kill()
            raise FunctionError(
                "Runtime.OutOfMemory",
                f"used {reply['peak_mb']:.0f} MB, over its MemorySize of {self.spec.memory_size} MB",
            )
        if "error" in reply:
            error = reply["error"]
            raise FunctionError(
                str(error.get("errorType")),
                str(error.get("errorMessage")),
                list(error.get("stackTrace") or []),
            )
        return reply.get("result")

    def _read(self, timeout: float, memory_mb: int | None) -> dict[str, Any]:
        """The next reply line; kills the process past `timeout` or over `memory_mb`."""
        deadline = time.monotonic() + timeout
        fd = self._out.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise LambdaTimeout(
                    f"{self.spec.logical_id}: Task timed out after {self.spec.timeout:.2f} seconds"
                )
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.25))
            if memory_mb is not None and _rss_mb(self.process.pid) > memory_mb:
                self.kill()
                raise FunctionError(
                    "Runtime.OutOfMemory",
                    f"over the function's MemorySize of {memory_mb} MB: the runtime was killed",
                )
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                self.kill()
                raise FunctionError("Runtime.ExitError", f"{self.spec.logical_id}: the runtime exited")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        reply: dict[str, Any] = json.loads(line)
        return reply


class WorkerPool:
    """Each function's warm worker processes; `invoke` has `invoke_spec`'s signature."""

    def __init__(
        self,
        environment: Callable[[FunctionSpec], dict[str, str]],
        setup: Callable[[FunctionSpec], dict[str, Any]],
        per_function: int = 4,
    ) -> None:
        self.environment = environment
        self.setup = setup
        self.per_function = max(1, per_function)
        self._lock = threading.Condition()
        self._idle: dict[str, list[Worker]] = {}
        self._count: dict[str, int] = {}
        self._closed = False
        self._generation = 0  # retire_all() bumps it: older workers are not given out again
        self._born: dict[int, int] = {}  # id(worker) -> the generation it was started in
        self.started = 0  # processes started (cold starts), for the bench and tests

    def retire_all(self) -> None:
        """Stop every warm worker (busy ones when they finish): the next invocations start fresh
        containers, as Lambda's do after a deployment. The local cloud calls it when it changes what
        the functions cache in memory (the registry, POST /_local/registry)."""
        with self._lock:
            self._generation += 1
            retired = [w for idle in self._idle.values() for w in idle]
            for name, idle in self._idle.items():
                self._count[name] -= len(idle)
                idle.clear()
            self._lock.notify_all()
        for worker in retired:
            self._born.pop(id(worker), None)
            worker.kill()

    def _take(self, spec: FunctionSpec) -> Worker | None:
        """An idle warm worker, or None when the caller may start a new one (counted already)."""
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError("the local cloud is stopping")
                idle = self._idle.setdefault(spec.logical_id, [])
                while idle:
                    worker = idle.pop()
                    if worker.alive:
                        return worker
                    self._born.pop(id(worker), None)
                    self._count[spec.logical_id] -= 1
                if self._count.get(spec.logical_id, 0) < self.per_function:
                    self._count[spec.logical_id] = self._count.get(spec.logical_id, 0) + 1
                    return None
                self._lock.wait()

    def _give_back(self, spec: FunctionSpec, worker: Worker | None) -> None:
        with self._lock:
            current = worker is not None and self._born.get(id(worker)) == self._generation
            if worker is not None and worker.alive and current and not self._closed:
                self._idle.setdefault(spec.logical_id, []).append(worker)
            else:
                self._count[spec.logical_id] -= 1
                if worker is not None:
                    self._born.pop(id(worker), None)
                    worker.kill()
            self._lock.notify()

    def invoke(self, spec: FunctionSpec, event: dict[str, Any]) -> Any:
        worker = self._take(spec)
        try:
            if worker is None:
                with self._lock:
                    generation = self._generation
                worker = Worker(spec, self.environment(spec), self.setup(spec))
                with self._lock:
                    self.started += 1
                    self._born[id(worker)] = generation
            return worker.invoke(event, spec.timeout * timeout_scale())
        finally:
            self._give_back(spec, worker)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {name: n for name, n in self._count.items() if n}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = [w for idle in self._idle.values() for w in idle]
            self._idle.clear()
            self._lock.notify_all()
        for worker in workers:
            worker.kill()


def worker_setup(
    spec: FunctionSpec,
    role: Any,
    aliases: dict[str, str],
    function_name: str,
    secrets: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What a worker needs besides its environment: its handler, limits and role (and the secrets'
    ARNs by name, which IAM authorises against)."""
    fields = asdict(spec)
    fields["routes"], fields["queues"], fields["schedules"] = [], [], []
    return {
        "spec": fields,
        "function_name": function_name,
        "role": None
        if role is None
        else {"name": role.name, "documents": role.documents, "managed": role.managed},
        "aliases": aliases,
        "secrets": dict(secrets or {}),
    }


def lambda_environment(
    spec: FunctionSpec, own: dict[str, str], function_name: str, aws: dict[str, str], local: dict[str, str]
) -> dict[str, str]:
    """The environment Lambda gives the function: its own variables, the runtime's, nothing else.

    `aws` holds the region, credentials and the local endpoint; `local` the few settings the local
    cloud itself overrides for every function (documented where they are set).
    """
    passed = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    code_dir = str((ROOT / spec.code_uri).resolve())
    return {
        **passed,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "anninh"), str(ROOT)]),
        "PYTHONUNBUFFERED": "1",
        "LAMBDA_TASK_ROOT": code_dir,
        "_HANDLER": spec.handler,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "TZ": ":UTC",
        **aws,
        **own,
        **local,
    }
