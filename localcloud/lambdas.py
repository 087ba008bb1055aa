"""Load a function's handler from its CodeUri folder and invoke it the way Lambda would."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localcloud.template import ROOT, FunctionSpec, functions, load_template

_lock = threading.Lock()
_handlers: dict[str, Callable[[dict[str, Any], Any], Any]] = {}


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
    for spec in functions(load_template()):
        if spec.logical_id == logical_id:
            return spec
    raise KeyError(f"no function {logical_id} in template.yaml")


def load_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    """Import functions/<x>/app.py under a unique module name (every function's file is app.py)."""
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
        handler = getattr(module, attr)
        _handlers[spec.logical_id] = handler
        return handler


def invoke(logical_id: str, event: dict[str, Any]) -> Any:
    spec = spec_for(logical_id)
    handler = load_handler(spec)
    return handler(
        event, LambdaContext(function_name=f"anninh-local-{logical_id}", timeout_seconds=spec.timeout)
    )


def forget_handlers() -> None:
    with _lock:
        for logical_id in list(_handlers):
            for name in [m for m in sys.modules if m.startswith(f"_fn_{logical_id}_")]:
                del sys.modules[name]
        _handlers.clear()


def invoke_spec(spec: FunctionSpec, event: dict[str, Any]) -> Any:
    """Invoke an already-read function spec (the local cloud's hot path: no template re-read)."""
    handler = load_handler(spec)
    return handler(
        event, LambdaContext(function_name=f"anninh-local-{spec.logical_id}", timeout_seconds=spec.timeout)
    )
