"""AWS calls per citizen message, end to end, counted by running the pipeline once on moto.

    python -m scripts.capacity_calls            # prints the figures (also: make capacity MEASURE=1)

A batch of signed `user_send_text` events (a procedure question, as `make bench` sends) goes through
the real WebhookFunction, then the real InboundFunction (the messages the webhook queued, in batches
of ten as the Lambda poller hands them over), and the replies the worker queued are sent by the
outbox sender as `make bench`'s sending section measures it (`scripts.bench.bench_sending`). Every
call our code makes to an AWS API is counted (botocore's `_make_api_call`); the poller's own
ReceiveMessage/DeleteMessage are not ours and are left out (the cost model prices them apart).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections import Counter
from typing import Any

_DEFAULTS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_METRICS_NAMESPACE": "AnNinhOA",
    "POWERTOOLS_SERVICE_NAME": "anninh",
}
# Before anything imports `anninh.observability`: its Metrics reads the namespace when created.
for _key in ("POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME"):
    os.environ.setdefault(_key, _DEFAULTS[_key])

from scripts.bench import ROOT  # noqa: E402


class _Counting:
    """Counts (service, operation) of every botocore call while `on`."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.calls: Counter[str] = Counter()
        self.on = False
        self._base: Any = BaseClient
        self._original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, not in the stubs

    def __enter__(self) -> _Counting:
        counting, original = self, self._original

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if counting.on:
                counting.calls[f"{client.meta.service_model.service_name}:{operation}"] += 1
            return original(client, operation, params)

        self._base._make_api_call = make_api_call
        return self

    def __exit__(self, *exc: object) -> None:
        self._base._make_api_call = self._original

    def take(self) -> Counter[str]:
        out, self.calls = self.calls, Counter()
        return out


def _webhook_and_inbound(n: int) -> dict[str, Any]:
    from moto import mock_aws

    from anninh.aws import reset_clients
    from anninh.registry import Registry
    from anninh.registry.store import forget_cached_registry, save_app_secrets, save_registry
    from anninh.settings import reset_settings
    from localcloud.lambdas import forget_handlers, invoke
    from localcloud.pollers import receive_all, sqs_event
    from localcloud.resources import deploy
    from scripts.bench import _signed_events

    saved = dict(os.environ)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(_DEFAULTS)
    try:
        with mock_aws(), _Counting() as counting:
            deployment = deploy(parameters={"Stage": "dev", "ZaloApiBase": "http://zalo.invalid/openapi"})
            os.environ.update(deployment.environment())
            os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
            reset_settings()
            reset_clients()
            forget_cached_registry()
            forget_handlers()
            registry = Registry.load(os.environ.get("ANNINH_REGISTRY") or ROOT / "demo" / "registry.json")
            save_registry(registry)
            save_app_secrets(registry.apps)
            from anninh import aws

            sqs = aws.client("sqs")
            events = _signed_events(registry, n + 1, "capacity")
            invoke("WebhookFunction", events[0])  # warm-up: caches, the first lazy clients
            first = receive_all(sqs, deployment.queue_urls["InboundQueue"])
            arn = "arn:aws:sqs:ap-southeast-1:123456789012:anninh-local-InboundQueue.fifo"
            invoke("InboundFunction", sqs_event(first, arn))
            receive_all(sqs, deployment.queue_urls["OutboxQueue"])
            counting.on = True
            for event in events[1:]:
                invoke("WebhookFunction", event)
            webhook = counting.take()
            counting.on = False
            queued = receive_all(sqs, deployment.queue_urls["InboundQueue"])
            inbound: Counter[str] = Counter()
            for start in range(0, len(queued), 10):
                counting.on = True
                invoke("InboundFunction", sqs_event(queued[start : start + 10], arn))
                counting.on = False
                inbound.update(counting.take())
            replies = len(receive_all(sqs, deployment.queue_urls["OutboxQueue"]))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        reset_clients()
        forget_cached_registry()
        forget_handlers()
    return {
        "messages": n,
        "queued": len(queued),
        "webhook_calls_per_message": round(sum(webhook.values()) / n, 2),
        "inbound_calls_per_message": round(sum(inbound.values()) / n, 2),
        "replies_per_message": round(replies / n, 2),
        "webhook_calls": dict(webhook),
        "inbound_calls": dict(inbound),
    }


def measure(n: int = 20) -> dict[str, Any]:
    """The figures, end to end: webhook + inbound worker + its replies sent by the outbox sender."""
    from scripts.bench import bench_sending

    with contextlib.redirect_stdout(io.StringIO()):  # the functions' own log lines
        front = _webhook_and_inbound(n)
        sending = bench_sending(argparse.Namespace(events=240))
    per_reply = float(sending["aws_calls_per_message"])
    end_to_end = (
        front["webhook_calls_per_message"]
        + front["inbound_calls_per_message"]
        + front["replies_per_message"] * per_reply
    )
    return {
        **front,
        "sender_calls_per_reply": per_reply,
        "aws_calls_per_message_end_to_end": round(end_to_end, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.messages), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
