"""Load a function's handler from its CodeUri folder and invoke it the way Lambda would.

Lambda's rules hold here: the function's AWS calls are checked against its own IAM role
(`localcloud.iam`), and an invocation that runs past the function's `Timeout` is cut off (the caller
gets `LambdaTimeout`, so an SQS batch stays on its queue and comes back; whatever the handler still
tries afterwards fails instead of reaching AWS).
"""

from __future__ import annotations

import contextvars
import importlib.util
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from localcloud.iam import acting_as
from localcloud.template import ROOT, FunctionSpec, functions, load_template, template_path

_lock = threading.Lock()
_handlers: dict[str, Callable[[dict[str, Any], Any], Any]] = {}
_raw: dict[str, Callable[[dict[str, Any], Any], Any]] = {}


def timeout_scale() -> float:
    """`LOCAL_TIMEOUT_SCALE` stretches every function's timeout (default 1: AWS's own).

    Only the test suite's stacks set it, because a shared CI machine runs them several times slower
    than Lambda would; `make run` keeps AWS's timeouts.
    """
    try:
        return max(1.0, float(os.environ.get("LOCAL_TIMEOUT_SCALE") or 1))
    except ValueError:
        return 1.0


class LambdaTimeout(Exception):
    """The invocation ran past the function's timeout (Lambda's "Task timed out after N seconds")."""


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that Powertools and our handlers read."""

    function_name: str
    timeout_seconds: int = 30
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    function_version: str = "$LATEST"
    _deadline: float = field(default=0.0)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = (
            f"arn:aws:lambda:ap-southeast-1:123456789012:function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def spec_for(logical_id: str) -> FunctionSpec:
    path = template_path()
    stat = path.stat()
    for spec in _specs(str(path), stat.st_mtime_ns, stat.st_size):
        if spec.logical_id == logical_id:
            return spec
    raise KeyError(f"no function {logical_id} in template.yaml")


@lru_cache(maxsize=8)
def _specs(path: str, _mtime_ns: int, _size: int) -> tuple[FunctionSpec, ...]:
    """The template's functions, read once per version of the file (reading it takes ~0.3 s)."""
    return tuple(functions(load_template(path)))


def load_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    """Import functions/<x>/app.py under a unique module name (every function's file is app.py).

    The handler returned runs as the function: its AWS calls are checked against its role.
    """
    with _lock:
        if spec.logical_id in _handlers:
            return _handlers[spec.logical_id]
        module_name, _, attr = spec.handler.rpartition(".")
        path = ROOT / spec.code_uri / (module_name.replace(".", "/") + ".py")
        unique = f"_fn_{spec.logical_id}_{module_name.replace('.', '_')}"
        loaded = importlib.util.spec_from_file_location(unique, path)
        if loaded is None or loaded.loader is None:
            raise ImportError(path)
        module = importlib.util.module_from_spec(loaded)
        sys.modules[unique] = module
        loaded.loader.exec_module(module)
        raw = getattr(module, attr)
        logical_id = spec.logical_id

        def handler(event: dict[str, Any], context: Any) -> Any:
            with acting_as(logical_id):
                return raw(event, context)

        _raw[spec.logical_id] = raw
        _handlers[spec.logical_id] = handler
        return handler


def load_raw_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    """The handler itself (a worker process runs it under the function's role on its own)."""
    load_handler(spec)
    return _raw[spec.logical_id]


def invoke(logical_id: str, event: dict[str, Any]) -> Any:
    return invoke_spec(spec_for(logical_id), event)


def forget_handlers() -> None:
    """Drop the loaded handlers and what the composition root built for them (the next invocation
    imports the function afresh and builds its services from the current environment)."""
    from anninh import wiring

    wiring.reset()
    with _lock:
        for logical_id in list(_handlers):
            for name in [m for m in sys.modules if m.startswith(f"_fn_{logical_id}_")]:
                del sys.modules[name]
        _handlers.clear()
        _raw.clear()


def invoke_spec(spec: FunctionSpec, event: dict[str, Any]) -> Any:
    """Invoke an already-read function spec (the local cloud's hot path: no template re-read).

    The handler runs as the function, in a thread of its own that is abandoned at the function's
    timeout: `LambdaTimeout` is raised and the handler's further AWS calls fail (Lambda froze it).
    """
    load_handler(spec)  # the import is Lambda's init phase: not part of the invocation's time
    raw = _raw[spec.logical_id]
    context = LambdaContext(
        function_name=f"anninh-local-{spec.logical_id}",
        timeout_seconds=spec.timeout,
        memory_limit_in_mb=spec.memory_size,
    )
    expired = threading.Event()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            with acting_as(spec.logical_id, expired):
                outcome["result"] = raw(event, context)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(
        target=contextvars.copy_context().run, args=(run,), name=f"lambda-{spec.logical_id}", daemon=True
    )
    thread.start()
    thread.join(spec.timeout * timeout_scale())
    if thread.is_alive():
        expired.set()
        raise LambdaTimeout(f"{spec.logical_id}: Task timed out after {spec.timeout:.2f} seconds")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")
