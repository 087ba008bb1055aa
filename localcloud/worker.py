"""One Lambda execution environment: `python -m localcloud.worker`, started by `localcloud.workers`.

The process's environment is the function's own (its template `Environment` with the Globals, plus
what Lambda's runtime sets: AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, the region,
credentials, and the local AWS endpoint). It reads one JSON line with its set-up (the function's
handler, timeout and memory size, and its role's policy statements), imports the handler (Lambda's
init phase), answers `{"ready": true}`, then handles one invocation per JSON line, one at a time:
`{"event": ..., "request_id": ...}` -> `{"result": ...}` or `{"error": {...}}`, each with the
process's peak memory. Replies go to the original stdout; whatever the function prints or logs goes
to stderr (the local cloud's log).
"""

from __future__ import annotations

import contextvars
import json
import os
import resource
import sys
import traceback
from typing import Any, BinaryIO


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: since exec; getrusage's ru_maxrss would count the
    parent's pages copied before it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reply(out: BinaryIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")
    out.flush()


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _authorize(setup: dict[str, Any]) -> None:
    """Check this function's AWS calls against its own role (as the local cloud's process does)."""
    from localcloud import iam

    role = setup.get("role")
    if role is None:
        iam.deactivate()
        return
    statements = iam.compile_statements(role["documents"], role["name"])
    for arn in role["managed"]:
        statements.extend(iam.compile_statements(iam.MANAGED_POLICIES.get(arn, []), arn))
    logical_id = setup["spec"]["logical_id"]
    authorizer = iam.Authorizer(
        {logical_id: iam.Role(logical_id, role["name"], statements, role["documents"], role["managed"])},
        dict(setup.get("aliases") or {}),
    )
    iam.install()
    iam._active = authorizer
    _secret_arns.update(setup.get("secrets") or {})
    iam.secret_arn_lookup = _secret_arn


_secret_arns: dict[str, str] = {}


def _secret_arn(name: str) -> str | None:
    """A secret's full ARN by name (AWS authorises against it), asked of the local cloud's moto in a
    fresh context: DescribeSecret is the runtime's question, not a call of the function's."""
    if name not in _secret_arns:
        import boto3

        def describe() -> str:
            return str(boto3.client("secretsmanager").describe_secret(SecretId=name)["ARN"])

        try:
            _secret_arns[name] = contextvars.Context().run(describe)
        except Exception:
            return None
    return _secret_arns[name]


def main() -> int:
    requests = sys.stdin.buffer
    replies: BinaryIO = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # the function's prints and logs go to the local cloud's log, never into replies
    setup = json.loads(requests.readline())
    from localcloud.lambdas import LambdaContext, load_raw_handler
    from localcloud.template import FunctionSpec

    spec = FunctionSpec(**setup["spec"])
    _authorize(setup)
    try:
        handler = load_raw_handler(spec)
    except BaseException as exc:  # Lambda's Runtime.ImportModuleError: every invocation fails
        _reply(replies, {"ready": False, "error": _error(exc, "Runtime.ImportModuleError")})
        return 1
    _reply(replies, {"ready": True, "peak_mb": _peak_mb()})
    while True:
        line = requests.readline()
        if not line:
            return 0
        request = json.loads(line)
        context = LambdaContext(
            function_name=setup["function_name"],
            timeout_seconds=spec.timeout,
            memory_limit_in_mb=spec.memory_size,
            aws_request_id=request["request_id"],
        )
        _reply(replies, _invoke(handler, spec.logical_id, request["event"], context))


def _invoke(handler: Any, logical_id: str, event: Any, context: Any) -> dict[str, Any]:
    from localcloud.iam import acting_as

    try:
        with acting_as(logical_id):
            result = handler(event, context)
    except BaseException as exc:  # the function's error, as Lambda reports it
        return {"error": _error(exc), "peak_mb": _peak_mb()}
    try:
        json.dumps(result)  # Lambda returns JSON or fails with Runtime.MarshalError
    except (TypeError, ValueError) as exc:
        return {"error": _error(exc, "Runtime.MarshalError"), "peak_mb": _peak_mb()}
    return {"result": result, "peak_mb": _peak_mb()}


if __name__ == "__main__":
    sys.exit(main())
