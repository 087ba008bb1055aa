"""The embedded moto server, made safe for concurrent functions.

moto's backends are not thread-safe: two functions writing DynamoDB at once can make moto fail with
"dictionary changed size during iteration" (seen with TransactWriteItems under a burst of webhooks),
which surfaces as HTTP 500s and retries. moto's backends live in the local cloud's process, so its
requests (from every function's worker process) are serialised here: one at a time, each fully
buffered inside the lock; calls of functions behind an HTTP route go first (`TurnLock`).

SQS long polls must not hold that lock for their wait, so a ReceiveMessage with WaitTimeSeconds is
answered as a series of short polls (WaitTimeSeconds=0) under the lock, woken early whenever another
request (a SendMessage, say) completes. Callers still see long-poll semantics.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

RECEIVE_TARGET = "AmazonSQS.ReceiveMessage"


class TurnLock:
    """A lock whose waiting holders of `urgent` requests go first.

    moto answers one request at a time, where DynamoDB and SQS would answer all of them at once; so
    a webhook's two calls (Zalo waits on its acknowledgement) do not queue behind a burst of queue
    consumers' calls, the calls of functions behind an HTTP route are served before the others that
    are waiting. Nothing is refused or reordered within either kind.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._held = False
        self._urgent_waiting = 0

    def acquire(self, urgent: bool = False) -> None:
        with self._cond:
            if urgent:
                self._urgent_waiting += 1
                try:
                    while self._held:
                        self._cond.wait()
                finally:
                    self._urgent_waiting -= 1
            else:
                while self._held or self._urgent_waiting:
                    self._cond.wait()
            self._held = True

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def __enter__(self) -> TurnLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class SerializedMoto:
    """WSGI wrapper that runs one moto request at a time."""

    def __init__(self, app: Any, recheck_seconds: float = 3.0) -> None:
        self.app = app
        self.recheck_seconds = recheck_seconds
        self._lock = TurnLock()
        self.urgent: frozenset[str] = frozenset()  # functions whose calls go first (HTTP routes)
        self._changed = threading.Condition()
        self._versions: dict[str, int] = {}  # queue name -> number of changes seen
        self.changes = 0  # requests that may have changed state (the state snapshot reads it)
        # AWS calls by operation (what the bill counts); empty long polls apart (Lambda's pollers make them).
        self.calls: Counter[str] = Counter()
        # The same by function (`LOCAL_KEY_PREFIX` + logical id: each function's own access key).
        self.calls_by_function: Counter[tuple[str, str]] = Counter()
        self.empty_receives = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target == RECEIVE_TARGET:
            status, headers, body = self._receive(environ)
            if b'"Messages"' in body:  # receive counts and visibility changed
                self.changes += 1
                self._count(environ, "sqs.ReceiveMessage")
            else:
                self.empty_receives += 1
            start_response(status, headers)
            return [body]
        self._count(environ, _operation(environ, target))
        if not _is_read(environ, target):
            self.changes += 1
        if target.startswith("AmazonSQS."):
            raw = _read(environ)
            status, headers, body = self._call(environ)
            queue = _queue_url(raw)
            if queue:  # a send or visibility change may make messages available: wake its pollers
                with self._changed:
                    self._versions[queue] = self._versions.get(queue, 0) + 1
                    self._changed.notify_all()
        else:
            status, headers, body = self._call(environ)
        start_response(status, headers)
        return [body]

    def _count(self, environ: dict[str, Any], operation: str) -> None:
        self.calls[operation] += 1
        function = caller(environ)
        if function:
            self.calls_by_function[(function, operation)] += 1

    def _call(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        self._lock.acquire(urgent=bool(self.urgent) and caller(environ) in self.urgent)
        try:
            result = self.app(environ, capture)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        finally:
            self._lock.release()
        return captured["status"], captured["headers"], body

    def _receive(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        raw = _read(environ)
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            request = None
        if not isinstance(request, dict):
            return self._call(environ)
        queue = _queue_name(str(request.get("QueueUrl", "")))
        wait = min(20.0, float(request.get("WaitTimeSeconds") or 0))
        short = json.dumps({**request, "WaitTimeSeconds": 0}).encode()
        deadline = time.monotonic() + wait
        while True:
            with self._changed:
                version = self._versions.get(queue, 0)
            attempt = dict(environ)
            attempt["wsgi.input"] = io.BytesIO(short)
            attempt["CONTENT_LENGTH"] = str(len(short))
            status, headers, body = self._call(attempt)
            remaining = deadline - time.monotonic()
            if not status.startswith("200") or b'"Messages"' in body or remaining <= 0:
                return status, headers, body
            with self._changed:
                # Woken by a change to this queue; the cap also catches visibility timeouts running out.
                self._changed.wait_for(
                    lambda seen=version: self._versions.get(queue, 0) != seen,  # type: ignore[misc]
                    min(remaining, self.recheck_seconds),
                )


LOCAL_KEY_PREFIX = "LOCALFN"  # a function's access key id: this prefix and its logical id


def caller(environ: dict[str, Any]) -> str:
    """The function whose credentials signed the request ("" when not a function's)."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    start = auth.find("Credential=")
    if start < 0:
        return ""
    key = auth[start + len("Credential=") :].split("/", 1)[0]
    return key[len(LOCAL_KEY_PREFIX) :] if key.startswith(LOCAL_KEY_PREFIX) else ""


_READ_PREFIXES = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "TransactGet", "Decrypt", "Encrypt")


def _is_read(environ: dict[str, Any], target: str) -> bool:
    """A request that cannot change moto's state (S3 GET/HEAD, JSON-protocol reads)."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS"):
        return True
    operation = target.rsplit(".", 1)[-1]
    return bool(target) and operation.startswith(_READ_PREFIXES)


_PREFIXES = {
    "AmazonSQS": "sqs",
    "DynamoDB_20120810": "dynamodb",
    "TrentService": "kms",
    "secretsmanager": "secretsmanager",
    "AWSCognitoIdentityProviderService": "cognito-idp",
}


def _operation(environ: dict[str, Any], target: str) -> str:
    """ "dynamodb.PutItem", "s3.PUT", "sns.Publish" ... for the call counts."""
    if target:
        prefix, _, operation = target.rpartition(".")
        return f"{_PREFIXES.get(prefix, prefix)}.{operation}"
    query = str(environ.get("QUERY_STRING", ""))
    if "Action=" in query:
        return "query." + query.split("Action=", 1)[1].split("&", 1)[0]
    return f"s3.{environ.get('REQUEST_METHOD', '')}"


def _read(environ: dict[str, Any]) -> bytes:
    """The request body, left readable again for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    return raw


def _queue_url(raw: bytes) -> str:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return ""
    return _queue_name(str(data.get("QueueUrl", ""))) if isinstance(data, dict) else ""


def _queue_name(url: str) -> str:
    # Clients may spell a queue's URL differently (host, scheme); its last segment is the name.
    return url.rstrip("/").rsplit("/", 1)[-1]


class MotoServer:
    """moto's server app behind SerializedMoto, on a thread (like moto's ThreadedMotoServer)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        from localcloud import moto_speed

        moto_speed.install()
        app = DomainDispatcherApplication(create_backend_app)
        self.app = SerializedMoto(app)
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.server_port}"

    def start(self) -> None:
        self._thread.start()

    @property
    def changes(self) -> int:
        return self.app.changes

    def quiet(self) -> TurnLock:
        """Hold it to keep every request out of moto (for a consistent snapshot)."""
        return self.app._lock

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
