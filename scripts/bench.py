"""Speed and cost figures: `make bench` (all sections) or `python -m scripts.bench --only webhook`.

A small framework: each area registers a section in SECTIONS (name -> function taking the parsed
arguments and returning a dict of figures); the runner prints them, and `--json` writes them too.

Sections:
- webhook: the webhook handler in-process against an embedded moto server (the same AWS emulation
  the local stack uses): acknowledgement latency p50/p99 at 1 and 16 concurrent senders, AWS calls
  per inbound message on the acknowledgement path (counted with a botocore hook), and events/s
  sustained with zero loss (every accepted event has its receipt and its queue message).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
Section = Callable[[argparse.Namespace], dict[str, Any]]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _MotoStack:
    """An embedded moto server with the template's resources and the demo app secrets."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.port = _free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def __enter__(self) -> _MotoStack:
        self.server.start()
        endpoint = f"http://127.0.0.1:{self.port}"
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "ap-southeast-1",
                           "AWS_REGION": "ap-southeast-1", "POWERTOOLS_TRACE_DISABLED": "1",
                           "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_NAMESPACE": "AnNinhOA",
                           "POWERTOOLS_SERVICE_NAME": "anninh"})
        from anninh.aws import reset_clients
        from anninh.registry import Registry
        from anninh.registry_store import save_app_secrets
        from anninh.settings import reset_settings
        from localcloud.resources import deploy

        self.deployment = deploy(endpoint_url=endpoint, parameters={"Stage": "dev"})
        os.environ.update(self.deployment.environment())
        reset_settings()
        reset_clients()
        self.registry = Registry.load(os.environ.get("ANNINH_REGISTRY") or ROOT / "demo" / "registry.json")
        save_app_secrets(self.registry.apps)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def _signed_events(registry: Any, count: int, tag: str) -> list[dict[str, Any]]:
    from scripts.make_events import api_event, signed

    app = registry.apps[0]
    oas = [o.oa_id for o in registry.oas]
    events = []
    base = int(time.time() * 1000)
    for i in range(count):
        body = {"event_name": "user_send_text", "timestamp": str(base + i),
                "sender": {"id": f"84{i % 500:017d}"}, "recipient": {"id": oas[i % len(oas)]},
                "user_id_by_app": f"84{i % 500:017d}",
                "message": {"msg_id": f"{tag}-{i}-{uuid.uuid4().hex[:8]}", "text": "Cho tôi hỏi thủ tục tạm trú"}}
        raw, sig = signed(body, app.app_id, app.oa_secret_key)
        events.append(api_event(raw, sig, request_id=str(uuid.uuid4())))
    return events


def _run(handler: Callable[[dict[str, Any], Any], Any], events: list[dict[str, Any]], workers: int,
         context: Any) -> tuple[list[float], float, list[int]]:
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def one(event: dict[str, Any]) -> None:
        start = time.perf_counter()
        result = handler(event, context)
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            latencies.append(elapsed)
            statuses.append(int(result["statusCode"]))

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, events))
    return latencies, time.perf_counter() - start, statuses


def bench_webhook(args: argparse.Namespace) -> dict[str, Any]:
    import logging

    logging.getLogger("aws_lambda_powertools").setLevel(logging.ERROR)
    with _MotoStack() as stack:
        from anninh import aws
        from anninh.intake.webhook import reset_default_webhook
        from localcloud.lambdas import LambdaContext, load_handler, spec_for

        reset_default_webhook()
        handler = load_handler(spec_for("WebhookFunction"))
        context = LambdaContext(function_name="bench-webhook", timeout_seconds=6)
        import io
        from contextlib import redirect_stdout

        sink = io.StringIO()  # EMF metric lines
        calls: list[str] = []

        def count_call(event_name: str, **_: Any) -> None:
            calls.append(event_name.removeprefix("before-call."))

        with redirect_stdout(sink):
            _run(handler, _signed_events(stack.registry, 20, "warm"), 4, context)  # cold start, caches
            for service in ("dynamodb", "sqs", "secretsmanager", "kms"):
                aws.client(service).meta.events.register("before-call", count_call)
            figures: dict[str, Any] = {}
            accepted = 0
            n = args.events
            for workers in (1, 16):
                events = _signed_events(stack.registry, n if workers == 16 else max(50, n // 4), f"c{workers}")
                calls.clear()
                latencies, elapsed, statuses = _run(handler, events, workers, context)
                accepted += statuses.count(200)
                figures[f"concurrency_{workers}"] = {
                    "events": len(events), "p50_ms": round(percentile(latencies, 50), 2),
                    "p99_ms": round(percentile(latencies, 99), 2), "max_ms": round(max(latencies), 2),
                    "events_per_s": round(len(events) / elapsed, 1),
                    "aws_calls_per_event": round(len(calls) / len(events), 3),
                    "aws_calls": sorted(set(calls)), "non_200": len(events) - statuses.count(200),
                }
            # A duplicate delivery: one call, nothing queued.
            dup = _signed_events(stack.registry, 1, "dup")[0]
            handler(dup, context)
            calls.clear()
            handler(dup, context)
            figures["duplicate_aws_calls"] = len(calls)
        sqs = aws.client("sqs")
        attrs = sqs.get_queue_attributes(QueueUrl=stack.deployment.queue_urls["InboundQueue"],
                                         AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        queued = int(attrs["ApproximateNumberOfMessages"]) - 20 - 1  # minus warm-up and the duplicate test
        figures["accepted"] = accepted
        figures["queued"] = queued
        figures["lost"] = accepted - queued
        figures["note"] = ("in-process handler against a local moto server on this shared machine; "
                           "real AWS latencies differ (DynamoDB/SQS ~5-10 ms each in-region)")
        return figures


SECTIONS: dict[str, Section] = {"webhook": bench_webhook}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), help="run only these sections")
    parser.add_argument("--events", type=int, default=400, help="events per webhook run at 16 senders")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    for name in args.only or list(SECTIONS):
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        results[name] = SECTIONS[name](args)
        results[name]["section_seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(results[name], ensure_ascii=False, indent=2), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
